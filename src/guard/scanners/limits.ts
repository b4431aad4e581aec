/** Scanner "limits": size in characters and an estimate of tokens (no tokenizer is shipped). */
import type { Scanner } from "../types.ts";
import { makeResult } from "./result.ts";

/**
 * Token estimate close to BPE tokenizers on English: each word counts ceil(length / 4) tokens, each other symbol one.
 * Linear, no allocation per token.
 */
export function estimateTokens(text: string): number {
  let tokens = 0;
  let run = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const word = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c > 0x7f;
    if (word) run++;
    else {
      if (run > 0) tokens += Math.ceil(run / 4);
      run = 0;
      if (c !== 0x20) tokens++;
    }
  }
  return tokens + Math.ceil(run / 4);
}

/** Flags texts longer than `maxChars` or with more than `maxTokens` estimated tokens. */
export function limitsScanner(opts: { maxChars: number; maxTokens: number; direction?: "input" | "output" }): Scanner {
  return {
    name: "limits",
    direction: opts.direction ?? "input",
    scan(text) {
      const tokens = estimateTokens(text);
      const over = text.length > opts.maxChars || tokens > opts.maxTokens;
      const findings = over
        ? [{ type: "size", start: 0, end: text.length, detail: `${text.length} chars, ~${tokens} tokens` }]
        : [];
      return makeResult("limits", over ? 1 : 0, 0.5, findings);
    },
  };
}
