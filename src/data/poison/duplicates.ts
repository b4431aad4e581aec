/**
 * Exact and near-duplicate injection. Exact duplicates share the SHA-256 of their normalised content (label excluded);
 * similar rows are found with MinHash signatures (Broder, "On the resemblance and containment of documents", 1997)
 * and banded locality-sensitive hashing (Leskovec, Rajaraman & Ullman, Mining of Massive Datasets, ch. 3): 128 hashes
 * in 16 bands of 8 rows; every pair sharing a bucket is a candidate, kept when the estimated Jaccard similarity of the
 * shingle sets reaches 0.8. Kept pairs are graded by the caller's `nearCopy` test: near-identical copies (what an
 * injection amplifying a row produces) form the flagged duplicate groups, where every member of a group of m rows
 * scores 1 − 1/m (larger groups rank higher than a natural pair); the other pairs (rows sharing a template but
 * differing by more, such as one document with different inserted sentences) form "similar" groups that are reported
 * but not flagged.
 */
import { fnv1a } from "./features.ts";
import type { RowReason } from "./types.ts";

const HASHES = 128;
const BANDS = 16;
const ROWS_PER_BAND = HASHES / BANDS;

function fmix32(h: number): number {
  let x = h;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

const SEEDS = Uint32Array.from({ length: HASHES }, (_, i) => fmix32(0x9e3779b9 * (i + 1)));

/** MinHash signature of a shingle set: per hash function, the minimum of fmix32(fnv1a(shingle) ⊕ seed). */
export function minHash(shingles: readonly string[]): Uint32Array {
  const sig = new Uint32Array(HASHES).fill(0xffffffff);
  for (const s of shingles) {
    const h = fnv1a(s);
    for (let i = 0; i < HASHES; i++) {
      const v = fmix32(h ^ SEEDS[i]!);
      if (v < sig[i]!) sig[i] = v;
    }
  }
  return sig;
}

/** Fraction of agreeing signature positions: an unbiased estimate of Jaccard similarity. */
export function estimatedJaccard(a: Uint32Array, b: Uint32Array): number {
  let same = 0;
  for (let i = 0; i < HASHES; i++) if (a[i] === b[i]) same++;
  return same / HASHES;
}

class UnionFind {
  readonly parent: Int32Array;
  constructor(n: number) {
    this.parent = Int32Array.from({ length: n }, (_, i) => i);
  }
  find(i: number): number {
    let r = i;
    while (this.parent[r] !== r) r = this.parent[r]!;
    let x = i;
    while (this.parent[x] !== r) {
      const next = this.parent[x]!;
      this.parent[x] = r;
      x = next;
    }
    return r;
  }
  union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent[Math.max(ra, rb)] = Math.min(ra, rb);
  }
}

/** A group of (near-)identical rows. */
export interface DuplicateGroup {
  rows: number[];
  exact: boolean;
  /** Distinct labels inside the group (more than one is a label conflict). */
  labels: string[];
}

/** Rows that share most of their content without being near-identical copies (reported, not flagged). */
export interface SimilarGroup {
  rows: number[];
  /** Smallest and largest estimated Jaccard similarity over the group's linked pairs. */
  jaccard: [number, number];
  labels: string[];
}

/** Candidate pairs are kept from this estimated Jaccard similarity on. */
const MIN_SIMILAR_JACCARD = 0.8;
/** At most this many rows of one LSH bucket are compared with each new row (bounds the work on huge templates). */
const MAX_BUCKET_COMPARISONS = 64;

function components(uf: UnionFind, n: number, keep: (i: number) => boolean): number[][] {
  const members = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    if (!keep(i)) continue;
    const r = uf.find(i);
    const list = members.get(r);
    if (list) list.push(i);
    else members.set(r, [i]);
  }
  return [...members.values()].filter((rows) => rows.length > 1);
}

/**
 * Groups exact and near-identical rows and gives every member a reason; pairs that are similar but fail `nearCopy`
 * (default: estimated Jaccard ≥ 0.9) are returned as similar groups without reasons.
 */
export function detectDuplicates(
  digests: readonly string[],
  shingles: readonly string[][],
  labels: readonly string[],
  refer: (row: number) => string = (row) => `row ${row}`,
  nearCopy: (a: number, b: number, jaccard: number) => boolean = (_a, _b, j) => j >= 0.9,
): { groups: DuplicateGroup[]; similar: SimilarGroup[]; reasons: RowReason[] } {
  const n = digests.length;
  const uf = new UnionFind(n);
  const exactUf = new UnionFind(n);
  const similarUf = new UnionFind(n);
  const firstByDigest = new Map<string, number>();
  digests.forEach((d, i) => {
    const f = firstByDigest.get(d);
    if (f === undefined) firstByDigest.set(d, i);
    else {
      uf.union(f, i);
      exactUf.union(f, i);
    }
  });
  const sigs = shingles.map(minHash);
  const seen = new Set<number>();
  const similarRange = new Map<number, [number, number]>();
  const similarPairs: [number, number, number][] = [];
  for (let b = 0; b < BANDS; b++) {
    const buckets = new Map<string, number[]>();
    for (let i = 0; i < n; i++) {
      const key = Array.from(sigs[i]!.subarray(b * ROWS_PER_BAND, (b + 1) * ROWS_PER_BAND)).join(",");
      const bucket = buckets.get(key);
      if (bucket === undefined) {
        buckets.set(key, [i]);
        continue;
      }
      for (const j of bucket.slice(0, MAX_BUCKET_COMPARISONS)) {
        if (exactUf.find(i) === exactUf.find(j)) continue;
        const pair = j * n + i;
        if (seen.has(pair)) continue;
        seen.add(pair);
        const jac = estimatedJaccard(sigs[j]!, sigs[i]!);
        if (jac < MIN_SIMILAR_JACCARD) continue;
        if (nearCopy(j, i, jac)) uf.union(j, i);
        else similarPairs.push([j, i, jac]);
      }
      bucket.push(i);
    }
  }
  // Similar groups link rows that are not already in one duplicate group.
  for (const [a, c, jac] of similarPairs) {
    if (uf.find(a) === uf.find(c)) continue;
    similarUf.union(a, c);
    for (const r of [a, c]) {
      const range = similarRange.get(r) ?? [jac, jac];
      similarRange.set(r, [Math.min(range[0], jac), Math.max(range[1], jac)]);
    }
  }
  const groups: DuplicateGroup[] = [];
  const reasons: RowReason[] = [];
  for (const rows of components(uf, n, () => true)) {
    const exact = rows.every((i) => exactUf.find(i) === exactUf.find(rows[0]!));
    const distinct = [...new Set(rows.map((i) => labels[i]!))];
    groups.push({ rows, exact, labels: distinct });
    const score = 1 - 1 / rows.length;
    for (const i of rows) {
      const others = rows.filter((j) => j !== i);
      const shown =
        others.slice(0, 5).map(refer).join(", ") + (others.length > 5 ? `, ... (${others.length} in all)` : "");
      const isExact = others.some((j) => exactUf.find(j) === exactUf.find(i));
      const conflict = distinct.length > 1 ? `; labels disagree (${distinct.join(", ")})` : "";
      reasons.push({
        row: i,
        reason: {
          detector: isExact ? "duplicate" : "near-duplicate",
          score,
          detail: `${isExact ? "exact" : "near"} duplicate of ${shown}${conflict}`,
        },
      });
    }
  }
  const similar = components(similarUf, n, (i) => similarRange.has(i)).map((rows) => {
    let lo = 1;
    let hi = 0;
    for (const r of rows) {
      const [a, c] = similarRange.get(r)!;
      lo = Math.min(lo, a);
      hi = Math.max(hi, c);
    }
    return { rows, jaccard: [lo, hi] as [number, number], labels: [...new Set(rows.map((i) => labels[i]!))] };
  });
  return { groups, similar, reasons };
}
