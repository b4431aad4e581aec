/**
 * Isolation forest (Liu, Ting & Zhou, "Isolation Forest", ICDM 2008): random axis-parallel splits isolate anomalies in
 * fewer steps. Anomaly score s(x) = 2^(−E[h(x)] / c(ψ)) with ψ the subsample size; rows with s above the threshold
 * (default 0.65) are flagged. Seeded, so results are reproducible.
 */
import { type SeededRandom, seededRandom } from "../validate/prng.ts";
import type { RowReason } from "./types.ts";

type Node = { leaf: true; size: number } | { leaf: false; dim: number; split: number; left: Node; right: Node };

/** Average path length of an unsuccessful BST search among n points, c(n) (Liu et al. 2008, eq. 1). */
export function averagePathLength(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  return 2 * (Math.log(n - 1) + 0.5772156649) - (2 * (n - 1)) / n;
}

function build(rows: readonly Float64Array[], ids: number[], depth: number, limit: number, rng: SeededRandom): Node {
  if (depth >= limit || ids.length <= 1) return { leaf: true, size: ids.length };
  const dims = rows[ids[0]!]!.length;
  for (let attempt = 0; attempt < 8; attempt++) {
    const dim = rng.int(dims);
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (const i of ids) {
      const v = rows[i]![dim]!;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (!(hi > lo)) continue;
    const split = lo + rng.next() * (hi - lo);
    const left = ids.filter((i) => rows[i]![dim]! < split);
    const right = ids.filter((i) => rows[i]![dim]! >= split);
    return {
      leaf: false,
      dim,
      split,
      left: build(rows, left, depth + 1, limit, rng),
      right: build(rows, right, depth + 1, limit, rng),
    };
  }
  return { leaf: true, size: ids.length };
}

function pathLength(node: Node, x: Float64Array, depth: number): number {
  let n = node;
  let d = depth;
  while (!n.leaf) {
    n = x[n.dim]! < n.split ? n.left : n.right;
    d++;
  }
  return d + averagePathLength(n.size);
}

/** Isolation-forest anomaly scores in (0, 1) for every row. */
export function isolationForestScores(
  rows: readonly Float64Array[],
  trees = 100,
  subsample = 256,
  seed = 1,
): Float64Array {
  const n = rows.length;
  const scores = new Float64Array(n);
  if (n < 3 || (rows[0]?.length ?? 0) === 0) return scores;
  const psi = Math.min(subsample, n);
  const limit = Math.ceil(Math.log2(psi));
  const rng = seededRandom(seed);
  const forest: Node[] = [];
  for (let t = 0; t < trees; t++) {
    const ids: number[] = [];
    const chosen = new Set<number>();
    while (ids.length < psi) {
      const i = rng.int(n);
      if (!chosen.has(i)) {
        chosen.add(i);
        ids.push(i);
      }
    }
    forest.push(build(rows, ids, 0, limit, rng));
  }
  const c = averagePathLength(psi);
  for (let i = 0; i < n; i++) {
    let h = 0;
    for (const tree of forest) h += pathLength(tree, rows[i]!, 0);
    scores[i] = 2 ** (-(h / trees) / c);
  }
  return scores;
}

/** Flags rows whose isolation-forest score exceeds `threshold`. */
export function detectIsolationForest(rows: readonly Float64Array[], threshold = 0.65, seed = 1): RowReason[] {
  const scores = isolationForestScores(rows, 100, 256, seed);
  const out: RowReason[] = [];
  scores.forEach((s, i) => {
    if (s > threshold) {
      out.push({
        row: i,
        reason: {
          detector: "isolation-forest",
          score: Math.min(1, 0.5 + (s - threshold) / (2 * (1 - threshold))),
          detail: `isolation-forest anomaly score ${s.toFixed(3)}`,
        },
      });
    }
  });
  return out;
}
