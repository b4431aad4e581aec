/**
 * Spectral signatures (Tran, Li & Madry, "Spectral Signatures in Backdoor Attacks", NeurIPS 2018): within each label,
 * centre the feature vectors, find the top right singular vector v by power iteration, and score each row by
 * ((x − μ)·v)². Poisoned rows that share a signal concentrate along v. Rows above the class's Tukey far-out fence
 * (Q3 + 3·IQR of the scores) are flagged.
 */
import { seededRandom } from "../validate/prng.ts";
import { type RowReason, squash } from "./types.ts";

/** Per-row outlier scores along the top singular direction of the row's class. */
export function spectralScores(
  rows: readonly Float64Array[],
  labels: readonly number[],
  classes: number,
): Float64Array {
  const scores = new Float64Array(rows.length);
  const dims = rows[0]?.length ?? 0;
  if (dims === 0) return scores;
  for (let c = 0; c < classes; c++) {
    const ids = labels.flatMap((y, i) => (y === c ? [i] : []));
    if (ids.length < 3) continue;
    const mean = new Float64Array(dims);
    for (const i of ids) for (let d = 0; d < dims; d++) mean[d]! += rows[i]![d]! / ids.length;
    const rng = seededRandom(c + 1);
    let v = Float64Array.from({ length: dims }, () => rng.next() - 0.5);
    for (let iter = 0; iter < 100; iter++) {
      const next = new Float64Array(dims);
      for (const i of ids) {
        const r = rows[i]!;
        let p = 0;
        for (let d = 0; d < dims; d++) p += (r[d]! - mean[d]!) * v[d]!;
        for (let d = 0; d < dims; d++) next[d]! += p * (r[d]! - mean[d]!);
      }
      let norm = 0;
      for (let d = 0; d < dims; d++) norm += next[d]! * next[d]!;
      norm = Math.sqrt(norm);
      if (!(norm > 0)) break;
      let change = 0;
      for (let d = 0; d < dims; d++) {
        next[d]! /= norm;
        change += Math.abs(next[d]! - v[d]!);
      }
      v = next;
      if (change < 1e-9) break;
    }
    for (const i of ids) {
      let p = 0;
      for (let d = 0; d < dims; d++) p += (rows[i]![d]! - mean[d]!) * v[d]!;
      scores[i] = p * p;
    }
  }
  return scores;
}

/** Flags rows beyond their class's far-out fence. */
export function detectSpectral(
  rows: readonly Float64Array[],
  labels: readonly number[],
  labelNames: readonly string[],
): RowReason[] {
  const scores = spectralScores(rows, labels, labelNames.length);
  const out: RowReason[] = [];
  for (let c = 0; c < labelNames.length; c++) {
    const ids = labels.flatMap((y, i) => (y === c ? [i] : []));
    if (ids.length < 10) continue;
    const s = Float64Array.from(ids, (i) => scores[i]!).sort();
    const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
    const fence = q(0.75) + 3 * (q(0.75) - q(0.25));
    if (!(fence > 0)) continue;
    for (const i of ids) {
      if (scores[i]! > fence) {
        out.push({
          row: i,
          reason: {
            detector: "spectral",
            score: squash(scores[i]!, fence),
            detail: `spectral signature ${scores[i]!.toPrecision(3)} above the "${labelNames[c]}" class fence ${fence.toPrecision(3)}`,
          },
        });
      }
    }
  }
  return out;
}
