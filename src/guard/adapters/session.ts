/**
 * What every adapter shares: the input and output pipelines and the per-session context (anonymiser vault, canary,
 * system prompt), and the guarding of a list of chat message texts.
 */
import { buildPipeline } from "../config.ts";
import type { GuardPipeline, PipelineResult } from "../pipeline.ts";
import type { StreamOptions } from "../stream.ts";
import type { ScanContext } from "../types.ts";

export interface GuardSessionOptions {
  /** Input pipeline (default: built from the default config). */
  input?: GuardPipeline;
  /** Output pipeline (default: built from the default config). */
  output?: GuardPipeline;
  /** Session context; a vault is created when missing so PII placeholders can be restored. */
  context?: ScanContext;
  /** Stream hold-back in characters (default 256). */
  holdBack?: number;
  /** New characters gathered before a stream is rescanned (default 64). */
  minScan?: number;
}

export interface GuardSession {
  input: GuardPipeline;
  output: GuardPipeline;
  ctx: ScanContext;
  stream: StreamOptions;
}

/** Resolves adapter options into a session (pipelines built once). */
export function makeSession(opts: GuardSessionOptions = {}): GuardSession {
  const ctx: ScanContext = opts.context ?? {};
  if (!ctx.vault) ctx.vault = new Map();
  return {
    input: opts.input ?? buildPipeline("input"),
    output: opts.output ?? buildPipeline("output"),
    ctx,
    stream: { holdBack: opts.holdBack ?? 256, minScan: opts.minScan ?? 64 },
  };
}

/** Outcome of guarding several texts: blocked (with the first blocking result) or the texts after redaction. */
export interface GuardedTexts {
  allowed: boolean;
  texts: string[];
  results: PipelineResult[];
  blockedBy: string[];
}

/** Runs the input pipeline over each text. */
export function guardTexts(session: GuardSession, texts: readonly string[]): GuardedTexts {
  const results = texts.map((t) => session.input.scan(t, session.ctx));
  const blockedBy = [...new Set(results.flatMap((r) => r.blockedBy))];
  return { allowed: blockedBy.length === 0, texts: results.map((r) => r.text), results, blockedBy };
}

/** A short, safe explanation of a block for API error bodies. */
export function blockMessage(blockedBy: readonly string[]): string {
  return `request blocked by Warden guard (${blockedBy.join(", ")})`;
}
