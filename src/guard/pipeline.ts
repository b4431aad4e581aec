/**
 * The guard pipeline: runs a direction's scanners over a message and combines their results by each scanner's policy
 * (block, redact, flag). A scanner that throws fails the pipeline closed (blocks) unless `failClosed` is false, and
 * the result names it. Never throws; oversized messages are blocked without scanning.
 */
import { applyRedactions, type Redaction, restorePlaceholders } from "./redact.ts";
import type { Direction, Policy, ScanContext, Scanner, ScanResult } from "./types.ts";

/** A scanner with the policy applied when it flags. */
export interface PipelineEntry {
  scanner: Scanner;
  policy: Policy;
}

export interface PipelineOptions {
  /** Block when a scanner fails (default true). */
  failClosed?: boolean;
  /** Block messages longer than this without scanning (default 8 MiB chars). */
  maxScanChars?: number;
}

/** The combined verdict on one message. */
export interface PipelineResult {
  direction: Direction;
  allowed: boolean;
  /** The message after redaction (and, on output, with the user's own placeholders restored). */
  text: string;
  results: ScanResult[];
  /** Score per scanner (and `<scanner>.<sub>` for sub-scores such as prompt-attack.injection). */
  scores: Record<string, number>;
  flagged: string[];
  blockedBy: string[];
  redactions: number;
  errors: Array<{ scanner: string; message: string }>;
  latencyMs: number;
}

/** Runs scanners for one direction. Build once, reuse for every message. */
export class GuardPipeline {
  readonly direction: Direction;
  readonly entries: readonly PipelineEntry[];
  readonly failClosed: boolean;
  readonly maxScanChars: number;

  constructor(direction: Direction, entries: readonly PipelineEntry[], opts: PipelineOptions = {}) {
    this.direction = direction;
    this.entries = entries;
    this.failClosed = opts.failClosed ?? true;
    this.maxScanChars = opts.maxScanChars ?? 8 * 1024 * 1024;
  }

  /** Scans `text` (a non-string input is blocked, not thrown). */
  scan(text: string, ctx: ScanContext = {}, only?: (entry: PipelineEntry) => boolean): PipelineResult {
    const t0 = performance.now();
    const out: PipelineResult = {
      direction: this.direction,
      allowed: true,
      text: typeof text === "string" ? text : "",
      results: [],
      scores: {},
      flagged: [],
      blockedBy: [],
      redactions: 0,
      errors: [],
      latencyMs: 0,
    };
    if (typeof text !== "string") {
      out.allowed = false;
      out.errors.push({ scanner: "pipeline", message: `message is ${typeof text}, not a string` });
      out.blockedBy.push("pipeline");
      out.latencyMs = performance.now() - t0;
      return out;
    }
    if (text.length > this.maxScanChars) {
      const detail = `${text.length} chars exceeds the scan limit of ${this.maxScanChars}`;
      out.results.push({
        name: "limits",
        flagged: true,
        score: 1,
        findings: [{ type: "size", start: 0, end: text.length, detail }],
      });
      out.scores.limits = 1;
      out.flagged.push("limits");
      out.blockedBy.push("limits");
      out.allowed = false;
      out.text = "";
      out.latencyMs = performance.now() - t0;
      return out;
    }
    const redactions: Redaction[] = [];
    for (const entry of this.entries) {
      if (only && !only(entry)) continue;
      const name = entry.scanner.name;
      let r: ScanResult;
      try {
        r = entry.scanner.scan(text, ctx);
      } catch (e) {
        out.errors.push({ scanner: name, message: e instanceof Error ? e.message : String(e) });
        if (this.failClosed) {
          out.allowed = false;
          out.blockedBy.push(name);
        }
        continue;
      }
      out.results.push(r);
      out.scores[name] = r.score;
      for (const [k, v] of Object.entries(r.details ?? {})) out.scores[`${name}.${k}`] = v;
      if (!r.flagged) continue;
      out.flagged.push(name);
      if (entry.policy === "block") {
        out.allowed = false;
        out.blockedBy.push(name);
      } else if (entry.policy === "redact") {
        for (const f of r.findings) redactions.push({ ...f, scanner: name });
      }
    }
    if (redactions.length > 0) {
      const red = applyRedactions(text, redactions, ctx, this.direction);
      out.text = red.text;
      out.redactions = red.count;
    }
    if (this.direction === "output") out.text = restorePlaceholders(out.text, ctx.vault);
    if (!out.allowed) out.text = "";
    out.latencyMs = performance.now() - t0;
    return out;
  }
}
