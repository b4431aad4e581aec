/** Types shared by every guard scanner and the pipeline. */

/** One thing a scanner found, with its span in the scanned text. */
export interface Finding {
  type: string;
  start: number;
  end: number;
  detail: string;
}

/** What every scanner returns. */
export interface ScanResult {
  name: string;
  flagged: boolean;
  /** 0..1 */
  score: number;
  findings: Finding[];
  /** Sub-scores some scanners report (e.g. prompt-attack: injection and jailbreak). */
  details?: Record<string, number>;
}

/** Traffic direction: into the model (prompt, documents, tool output) or out of it. */
export type Direction = "input" | "output";

/** What the pipeline does when a scanner flags: block the message, redact the findings, or only report. */
export type Policy = "block" | "redact" | "flag";

/** Per-request context a scanner may use (the session's canary, anonymiser vault, the schema to validate, ...). */
export interface ScanContext {
  /** The canary token placed in this session's system prompt. */
  canary?: string;
  /** The configured system prompt, for leak detection. */
  systemPrompt?: string;
  /** JSON schema the output must satisfy. */
  jsonSchema?: unknown;
  /** Placeholder → original value, from input-side anonymisation; output redaction restores these. */
  vault?: Map<string, string>;
}

/** A scanner: a name, a direction and a pure scan function. */
export interface Scanner {
  name: string;
  direction: Direction;
  scan(text: string, ctx: ScanContext): ScanResult;
}
