/** Helper that builds a ScanResult from findings and a score. */
import type { Finding, ScanResult } from "../types.ts";

/** A result, flagged when the score (clamped to 0..1) is above zero and at least `threshold`. */
export function makeResult(name: string, score: number, threshold: number, findings: Finding[]): ScanResult {
  const s = Math.max(0, Math.min(1, score));
  return { name, flagged: s >= threshold && s > 0, score: Number(s.toFixed(4)), findings };
}
