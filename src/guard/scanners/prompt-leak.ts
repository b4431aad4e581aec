/**
 * Scanner "prompt-leak": system-prompt leakage measured by word n-gram overlap (shingling, Broder 1997) between the
 * output and the configured system prompt. Score = share of the prompt's n-grams found in the output, raised to 1 when
 * a long verbatim run of the prompt appears.
 */
import type { Finding, Scanner } from "../types.ts";
import { makeResult } from "./result.ts";

const WORD = /[\p{L}\p{N}]+/gu;

function words(text: string): Array<{ w: string; start: number; end: number }> {
  const out: Array<{ w: string; start: number; end: number }> = [];
  for (const m of text.matchAll(WORD)) out.push({ w: m[0].toLowerCase(), start: m.index, end: m.index + m[0].length });
  return out;
}

const shingleCache = new Map<string, Set<string>>();

function shingles(prompt: string, n: number): Set<string> {
  const key = `${n}:${prompt}`;
  let set = shingleCache.get(key);
  if (!set) {
    set = new Set<string>();
    const ws = words(prompt).map((x) => x.w);
    for (let i = 0; i + n <= ws.length; i++) set.add(ws.slice(i, i + n).join(" "));
    if (shingleCache.size > 64) shingleCache.clear();
    shingleCache.set(key, set);
  }
  return set;
}

/** Overlap of `output` with `systemPrompt`: share of prompt n-grams present and the spans that matched. */
export function promptOverlap(output: string, systemPrompt: string, n = 5): { share: number; findings: Finding[] } {
  const ref = shingles(systemPrompt, n);
  if (ref.size === 0) return { share: 0, findings: [] };
  const ws = words(output);
  const seen = new Set<string>();
  const findings: Finding[] = [];
  for (let i = 0; i + n <= ws.length; i++) {
    const g = ws
      .slice(i, i + n)
      .map((x) => x.w)
      .join(" ");
    if (!ref.has(g)) continue;
    seen.add(g);
    const start = (ws[i] as { start: number }).start;
    const end = (ws[i + n - 1] as { end: number }).end;
    const last = findings[findings.length - 1];
    if (last && last.end >= start) last.end = end;
    else if (findings.length < 200) findings.push({ type: "system-prompt", start, end, detail: "system prompt text" });
  }
  return { share: seen.size / ref.size, findings };
}

/** Output scanner; flags at `threshold` share (default 0.3) or a verbatim run of 20+ prompt words. */
export function promptLeakScanner(opts: { systemPrompt?: string; threshold?: number } = {}): Scanner {
  const threshold = opts.threshold ?? 0.3;
  return {
    name: "prompt-leak",
    direction: "output",
    scan(text, ctx) {
      const prompt = ctx.systemPrompt ?? opts.systemPrompt;
      if (!prompt) return makeResult("prompt-leak", 0, threshold, []);
      const { share, findings } = promptOverlap(text, prompt);
      const longRun = findings.some((f) => (text.slice(f.start, f.end).match(WORD) ?? []).length >= 20);
      const score = longRun ? Math.max(share, threshold) : share;
      return makeResult("prompt-leak", score, threshold, findings);
    },
  };
}
