/** Scanner "limits": size in characters and an estimate of tokens (no tokenizer is shipped). */
import type { Scanner } from "../types.ts";
import { makeResult } from "./result.ts";

/** Class of each ASCII code unit (index 0x80 stands for every other unit): 1 word char, 2 other symbol, 0 space. */
const CLASS = new Uint8Array(0x81);
for (let c = 0; c <= 0x80; c++) {
  const word = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x80;
  CLASS[c] = word ? 1 : c === 0x20 ? 0 : 2;
}

/**
 * Token estimate close to BPE tokenizers on English: each word (run of ASCII letters, digits and non-ASCII units)
 * counts ceil(length / 4) tokens, each other symbol but space one. Linear, branch-free, no allocation.
 */
export function estimateTokens(text: string): number {
  let tokens = 0;
  let run = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    const k = CLASS[Math.min(c, 0x80)] as number;
    const word = k & 1;
    // A non-word unit closes the current run (ceil(run / 4) tokens) and adds itself unless it is a space.
    tokens += (word ^ 1) * ((run + 3) >> 2) + (k >> 1);
    run = (run + 1) * word;
  }
  return tokens + ((run + 3) >> 2);
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
