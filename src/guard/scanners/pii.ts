/**
 * Scanner "pii": personal data found by the data domain's PII engine (`detectPii`). On input, redaction replaces each
 * value with a placeholder kept in the session vault; on output, values that the model leaks are redacted and the
 * user's own placeholders are restored (see redact.ts).
 */
import { detectPii } from "../../data/index.ts";
import type { Scanner } from "../types.ts";
import { makeResult } from "./result.ts";

export interface PiiScannerOptions {
  direction?: "input" | "output";
  entities?: string[];
  minScore?: number;
}

/** PII scanner; score is the highest entity score. */
export function piiScanner(opts: PiiScannerOptions = {}): Scanner {
  return {
    name: "pii",
    direction: opts.direction ?? "input",
    scan(text) {
      const entities = detectPii(text, {
        ...(opts.entities ? { entities: opts.entities } : {}),
        minScore: opts.minScore ?? 0.5,
      });
      const findings = entities.map((e) => ({ type: e.type, start: e.start, end: e.end, detail: `score ${e.score}` }));
      const score = entities.reduce((m, e) => Math.max(m, e.score), 0);
      return makeResult("pii", score, opts.minScore ?? 0.5, findings);
    },
  };
}
