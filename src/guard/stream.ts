/**
 * Incremental output scanning for streamed responses. Chunks go in; text comes out only once it can no longer become
 * part of a match: the last `holdBack` characters are held, a finding that reaches into the held part is held whole,
 * and so are placeholders to restore. A rescan covers only the new text plus one hold-back of context, so a secret
 * split across chunks is still caught and the cost stays linear; it waits until `minScan` new characters have arrived,
 * so a model streaming a token at a time is scanned in batches rather than once per token. Whole-message checks (JSON
 * schema, refusal, prompt-leak share) run at `end()`. Output scanning is never skipped: nothing is released before it
 * was scanned, and a failed or blocking scanner stops the stream.
 */
import type { GuardPipeline, PipelineEntry, PipelineResult } from "./pipeline.ts";
import { applyRedactions, PLACEHOLDER, type Redaction, restorePlaceholders } from "./redact.ts";
import type { ScanContext } from "./types.ts";

/** Scanners that judge the whole message; they run once, at the end of the stream. */
const WHOLE_MESSAGE = new Set(["json-schema", "refusal"]);

/** What one push (or the end) yields. */
export interface StreamStep {
  /** Text safe to send to the client now (redacted, placeholders restored). */
  text: string;
  /** The stream was blocked: send nothing more. */
  blocked: boolean;
  blockedBy: string[];
  flagged: string[];
  errors: Array<{ scanner: string; message: string }>;
}

export interface StreamOptions {
  /** Characters held back (default 256); at least the longest match you need caught across chunks. */
  holdBack?: number;
  /**
   * New characters gathered before a rescan (default 64, at most `holdBack`). Chunks of a few characters each cost a
   * scan of `holdBack` characters; gathering them trades a little release latency for far less scanning.
   */
  minScan?: number;
}

/** One streamed response through the output pipeline. */
export class StreamGuard {
  private full = "";
  private released = 0;
  /** Length of `full` at the last rescan. */
  private scanned = 0;
  private blocked = false;
  private readonly blockedBy: string[] = [];
  private readonly flagged = new Set<string>();
  private readonly errors: Array<{ scanner: string; message: string }> = [];
  private readonly holdBack: number;
  private readonly minScan: number;

  constructor(
    private readonly pipeline: GuardPipeline,
    private readonly ctx: ScanContext = {},
    opts: StreamOptions = {},
  ) {
    this.holdBack = Math.max(16, opts.holdBack ?? 256);
    this.minScan = Math.min(this.holdBack, Math.max(1, opts.minScan ?? 64));
  }

  /** Adds a chunk; returns what may be released now. */
  push(chunk: string): StreamStep {
    if (this.blocked) return this.step("");
    this.full += typeof chunk === "string" ? chunk : "";
    if (this.full.length > this.pipeline.maxScanChars) return this.block("limits", "stream exceeds the scan limit");
    if (this.full.length - this.scanned < this.minScan) return this.step("");
    return this.advance(this.full.length - this.holdBack, (e) => !WHOLE_MESSAGE.has(e.scanner.name));
  }

  /** Ends the stream: releases the rest and runs the whole-message scanners. */
  end(): StreamStep & { result: PipelineResult | null } {
    if (this.blocked) return { ...this.step(""), result: null };
    const tail = this.advance(this.full.length, (e) => !WHOLE_MESSAGE.has(e.scanner.name));
    if (this.blocked) return { ...tail, result: null };
    const result = this.pipeline.scan(this.full, this.ctx, (e) => WHOLE_MESSAGE.has(e.scanner.name));
    this.merge(result);
    return { ...this.step(tail.text), result };
  }

  /** True once the stream was blocked: nothing more will be released. */
  get isBlocked(): boolean {
    return this.blocked;
  }

  /** The full text received so far (unredacted). */
  get received(): string {
    return this.full;
  }

  private merge(r: PipelineResult): void {
    for (const f of r.flagged) this.flagged.add(f);
    this.errors.push(...r.errors);
    if (!r.allowed) {
      this.blocked = true;
      this.blockedBy.push(...r.blockedBy);
    }
  }

  private block(scanner: string, message: string): StreamStep {
    this.blocked = true;
    this.blockedBy.push(scanner);
    this.errors.push({ scanner, message });
    return this.step("");
  }

  private step(text: string): StreamStep {
    return {
      text,
      blocked: this.blocked,
      blockedBy: [...this.blockedBy],
      flagged: [...this.flagged],
      errors: [...this.errors],
    };
  }

  private advance(target: number, only: (e: PipelineEntry) => boolean): StreamStep {
    let safeEnd = Math.min(target, this.full.length);
    if (safeEnd <= this.released) return this.step("");
    const from = Math.max(0, this.released - this.holdBack);
    const window = this.full.slice(from);
    this.scanned = this.full.length;
    const r = this.pipeline.scan(window, this.ctx, only);
    this.merge(r);
    if (this.blocked) return this.step("");
    const redactions: Redaction[] = [];
    const finalEnd = this.full.length;
    // A finding that straddles the release point may still grow: hold it whole.
    const hold = (start: number, end: number) => {
      if (start < safeEnd && end > safeEnd && safeEnd < finalEnd) safeEnd = Math.max(this.released, start);
    };
    for (const res of r.results) {
      if (!res.flagged) continue;
      const entry = this.pipeline.entries.find((e) => e.scanner.name === res.name);
      for (const f of res.findings) {
        const start = f.start + from;
        const end = f.end + from;
        if (end <= this.released) continue;
        hold(start, end);
        if (entry?.policy === "redact") redactions.push({ ...f, start, end, scanner: res.name });
      }
    }
    PLACEHOLDER.lastIndex = 0;
    for (const m of window.matchAll(PLACEHOLDER)) hold(m.index + from, m.index + from + m[0].length);
    const openTag = this.full.lastIndexOf("<", safeEnd - 1);
    if (
      safeEnd !== finalEnd &&
      openTag >= this.released &&
      safeEnd - openTag < 48 &&
      !this.full.slice(openTag, safeEnd).includes(">")
    ) {
      safeEnd = openTag;
    }
    if (safeEnd <= this.released) return this.step("");
    const piece = this.full.slice(this.released, safeEnd);
    const local = redactions
      .filter((x) => x.start >= this.released && x.end <= safeEnd)
      .map((x) => ({ ...x, start: x.start - this.released, end: x.end - this.released }));
    const red = applyRedactions(piece, local, this.ctx, "output");
    this.released = safeEnd;
    return this.step(restorePlaceholders(red.text, this.ctx.vault));
  }
}
