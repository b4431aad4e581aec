/**
 * Exact k-nearest-neighbour search by cosine similarity over unit-length sparse vectors (brute force against a
 * candidate pool: O(rows × pool × non-zeros)). Used by the label-noise and trigger detectors.
 */
import type { SparseVector } from "./features.ts";

/** The k most similar candidates of one query, most similar first. */
export interface NeighbourList {
  idx: number[];
  sim: number[];
}

/**
 * For each query row, the `k` most similar rows among `pool` (all rows when omitted), skipping the row itself and
 * any row for which `skip(query, candidate)` is true.
 */
export function nearestNeighbours(
  vectors: readonly SparseVector[],
  dims: number,
  k: number,
  queries: readonly number[],
  pool?: readonly number[],
  skip?: (query: number, candidate: number) => boolean,
): NeighbourList[] {
  const scratch = new Float32Array(dims);
  const candidates = pool ?? vectors.map((_, i) => i);
  return queries.map((q) => {
    const v = vectors[q]!;
    for (let t = 0; t < v.idx.length; t++) scratch[v.idx[t]!] = v.val[t]!;
    const idx: number[] = [];
    const sim: number[] = [];
    for (const j of candidates) {
      if (j === q || skip?.(q, j)) continue;
      const u = vectors[j]!;
      let dot = 0;
      for (let t = 0; t < u.idx.length; t++) dot += scratch[u.idx[t]!]! * u.val[t]!;
      if (idx.length < k || dot > sim[sim.length - 1]!) {
        let p = Math.min(idx.length, k - 1);
        if (idx.length < k) {
          idx.push(j);
          sim.push(dot);
          p = idx.length - 1;
        }
        while (p > 0 && sim[p - 1]! < dot) {
          idx[p] = idx[p - 1]!;
          sim[p] = sim[p - 1]!;
          p--;
        }
        idx[p] = j;
        sim[p] = dot;
      }
    }
    for (let t = 0; t < v.idx.length; t++) scratch[v.idx[t]!] = 0;
    return { idx, sim };
  });
}

/**
 * Smoothed label distribution of a row from its neighbours' labels: P(c) = (count_c + prior_c) / (k + 1), a kNN
 * estimate of p(label | features) with one pseudo-count spread by the class prior.
 */
export function neighbourLabelProbabilities(
  neighbours: NeighbourList,
  labels: readonly number[],
  prior: readonly number[],
): number[] {
  const p = prior.slice();
  for (const j of neighbours.idx) p[labels[j]!]! += 1;
  const total = neighbours.idx.length + 1;
  return p.map((x) => x / total);
}
