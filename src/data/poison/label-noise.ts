/**
 * Label-noise detection by k-nearest-neighbour label disagreement, flagged with the per-class thresholds of confident
 * learning (Northcutt, Jiang & Chuang, "Confident Learning: Estimating Uncertainty in Dataset Labels", JAIR 2021):
 * with p̂(c|x) estimated from the neighbours' labels and t_c the mean p̂(c|x) over rows labelled c, a row labelled y is
 * flagged when p̂(y|x) < t_y and some other class c has p̂(c|x) ≥ t_c and p̂(c|x) > p̂(y|x).
 */
import { type NeighbourList, neighbourLabelProbabilities } from "./knn.ts";
import type { RowReason } from "./types.ts";

/** Per-row kNN label probabilities and the label-noise reasons. */
export interface LabelNoiseResult {
  probabilities: number[][];
  reasons: RowReason[];
}

/**
 * Runs the detector on precomputed neighbour lists (the first `k` of each are used). `labels` are class indices into
 * `labelNames`.
 */
export function detectLabelNoise(
  allNeighbours: readonly NeighbourList[],
  labels: readonly number[],
  labelNames: readonly string[],
  k: number,
): LabelNoiseResult {
  const n = labels.length;
  const prior = labelNames.map((_, c) => labels.filter((y) => y === c).length / n);
  const neighbours = allNeighbours.map((nb) => ({ idx: nb.idx.slice(0, k), sim: nb.sim.slice(0, k) }));
  const probabilities = neighbours.map((nb) => neighbourLabelProbabilities(nb, labels, prior));
  const thresholds = labelNames.map((_, c) => {
    let s = 0;
    let m = 0;
    for (let i = 0; i < n; i++) {
      if (labels[i] === c) {
        s += probabilities[i]![c]!;
        m++;
      }
    }
    return m === 0 ? 1 : s / m;
  });
  const reasons: RowReason[] = [];
  for (let i = 0; i < n; i++) {
    const y = labels[i]!;
    const p = probabilities[i]!;
    if (p[y]! >= thresholds[y]!) continue;
    let best = -1;
    for (let c = 0; c < p.length; c++) {
      if (c !== y && p[c]! >= thresholds[c]! && p[c]! > p[y]! && (best < 0 || p[c]! > p[best]!)) best = c;
    }
    if (best < 0) continue;
    const agree = neighbours[i]!.idx.filter((j) => labels[j] === best).length;
    reasons.push({
      row: i,
      reason: {
        detector: "label-noise",
        score: 0.5 + 0.5 * (p[best]! - p[y]!),
        detail: `labelled "${labelNames[y]}" but ${agree} of ${neighbours[i]!.idx.length} nearest neighbours are "${labelNames[best]}"`,
      },
    });
  }
  return { probabilities, reasons };
}
