/**
 * Univariate outliers by the modified z-score M = 0.6745 (x − median) / MAD (Iglewicz & Hoaglin, "How to Detect and
 * Handle Outliers", 1993), flagged when |M| > 3.5. Columns whose MAD is zero (more than half the values equal, e.g.
 * binary or count columns) are skipped: the score assumes a continuous variable.
 */
import { type RowReason, squash } from "./types.ts";

export const ROBUST_Z_THRESHOLD = 3.5;

/** Flags rows with an extreme value in any numeric column; one reason per row (its most extreme column). */
export function detectRobustZ(numeric: readonly Float64Array[], names: readonly string[]): RowReason[] {
  const n = numeric.length;
  const best = new Float64Array(n);
  const bestCol = new Int32Array(n).fill(-1);
  for (let d = 0; d < names.length; d++) {
    const col = Float64Array.from(numeric, (r) => r[d]!);
    const sorted = Float64Array.from(col).sort();
    const median = sorted[Math.floor(n / 2)]!;
    const dev = Float64Array.from(col, (x) => Math.abs(x - median)).sort();
    const mad = dev[Math.floor(n / 2)]!;
    if (!(mad > 0)) continue;
    const scale = mad / 0.6745;
    for (let i = 0; i < n; i++) {
      const z = Math.abs(col[i]! - median) / scale;
      if (z > best[i]!) {
        best[i] = z;
        bestCol[i] = d;
      }
    }
  }
  const out: RowReason[] = [];
  for (let i = 0; i < n; i++) {
    if (best[i]! > ROBUST_Z_THRESHOLD) {
      out.push({
        row: i,
        reason: {
          detector: "robust-z",
          score: squash(best[i]!, ROBUST_Z_THRESHOLD),
          detail: `${names[bestCol[i]!]} = ${numeric[i]![bestCol[i]!]} has modified z-score ${best[i]!.toFixed(1)}`,
        },
      });
    }
  }
  return out;
}
