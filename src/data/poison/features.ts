/**
 * Feature extraction for the poisoning detectors. Text rows become sparse, L2-normalised TF-IDF vectors over hashed
 * word unigrams and bigrams (the hashing trick, Weinberger et al. 2009), with the token set kept for trigger search and
 * character 5-gram shingles for near-duplicate search. Tabular rows become robust-standardised numeric columns
 * (median/IQR) plus one-hot categorical values, with `column=value` tokens for trigger search.
 *
 * Near-identical copies: two texts are copies when their word multisets differ by at most 3 words (a one-word
 * substitution is 2, plus one inserted or dropped word); a whole inserted sentence makes them "similar" instead. The
 * bound was set on principle and checked on the prompt-attack training files (not on the dev set the benchmark uses):
 * among their MinHash-similar pairs, about 1% differ by 0–3 words (mostly name-substituted generated documents), the
 * rest by 4 or more, most by over 40 (templates with different inserted sentences). Two table rows are copies when
 * their shingles (categorical values, numeric quantile bins) have Jaccard similarity ≥ 0.9, i.e. at most about one
 * column in twenty differs beyond jitter.
 */
import { createHash } from "node:crypto";
import { asNumber, isNull } from "../validate/profile.ts";

/** A sparse vector: sorted-free parallel arrays of dimension indices and weights. */
export interface SparseVector {
  idx: Int32Array;
  val: Float32Array;
}

/** Everything the detectors need, one entry per row. */
export interface FeatureSet {
  kind: "text" | "tabular";
  /** Unit-length sparse vectors for nearest-neighbour search. */
  vectors: SparseVector[];
  dims: number;
  /** Distinct trigger candidates per row: words and word bigrams, or `column=value`. */
  tokens: string[][];
  /** Shingles for MinHash near-duplicate search. */
  shingles: string[][];
  /** SHA-256 of the normalised row content (label excluded), for exact duplicates. */
  digests: string[];
  /** Dense numeric descriptors for outlier detection, with their names. */
  numeric: Float64Array[];
  numericNames: string[];
  /** Tabular only: the unnormalised feature rows (robust z-scores and one-hot values), for spectral signatures. */
  dense?: Float64Array[];
  /** Whether two similar rows (estimated shingle Jaccard given) are near-identical copies. */
  nearCopy: (a: number, b: number, jaccard: number) => boolean;
}

/** Largest word-multiset difference between two texts that are near-identical copies. */
const NEAR_COPY_WORDS = 3;
/** Smallest shingle Jaccard similarity between two table rows that are near-identical copies. */
const NEAR_COPY_JACCARD = 0.9;

/** Size of the symmetric difference of two word multisets, stopping early once it exceeds `limit`. */
function wordDifference(a: readonly string[], b: readonly string[], limit = Number.POSITIVE_INFINITY): number {
  if (Math.abs(a.length - b.length) > limit) return Math.abs(a.length - b.length);
  const counts = new Map<string, number>();
  for (const w of a) counts.set(w, (counts.get(w) ?? 0) + 1);
  for (const w of b) counts.set(w, (counts.get(w) ?? 0) - 1);
  let diff = 0;
  for (const c of counts.values()) {
    diff += Math.abs(c);
    if (diff > limit) break;
  }
  return diff;
}

export const TEXT_DIMS = 1 << 14;
const WORD = /[\p{L}\p{N}]+/gu;

/** 32-bit FNV-1a hash of a string's UTF-16 code units. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function sha256(s: string): string {
  return createHash("sha256").update(s).digest("hex");
}

function normalise(weights: Map<number, number>): SparseVector {
  let norm = 0;
  for (const w of weights.values()) norm += w * w;
  norm = Math.sqrt(norm) || 1;
  const idx = new Int32Array(weights.size);
  const val = new Float32Array(weights.size);
  let k = 0;
  for (const [i, w] of weights) {
    idx[k] = i;
    val[k++] = w / norm;
  }
  return { idx, val };
}

/** Lower-cased word tokens of a text (at most the first 100,000 characters). */
export function words(text: string): string[] {
  return text.slice(0, 100_000).toLowerCase().match(WORD) ?? [];
}

/** Features of text rows. */
export function textFeatures(texts: readonly string[]): FeatureSet {
  const wordLists = texts.map(words);
  const tokenLists = wordLists.map((w) => {
    const grams = [...w];
    for (let i = 0; i + 1 < w.length; i++) grams.push(`${w[i]} ${w[i + 1]}`);
    return grams;
  });
  const df = new Map<number, number>();
  const hashed = tokenLists.map((grams) => {
    const tf = new Map<number, number>();
    for (const g of grams) {
      const h = fnv1a(g) % TEXT_DIMS;
      tf.set(h, (tf.get(h) ?? 0) + 1);
    }
    for (const h of tf.keys()) df.set(h, (df.get(h) ?? 0) + 1);
    return tf;
  });
  const n = texts.length;
  const vectors = hashed.map((tf) => {
    const w = new Map<number, number>();
    for (const [h, c] of tf) w.set(h, (1 + Math.log(c)) * Math.log((1 + n) / (1 + (df.get(h) ?? 0))));
    return normalise(w);
  });
  // Shingles over the normalised word sequence: case, punctuation and spacing edits do not hide a copy.
  const shingles = wordLists.map((w) => {
    const s = w.join(" ").slice(0, 20_000);
    const out = new Set<string>();
    for (let i = 0; i + 5 <= s.length; i++) out.add(s.slice(i, i + 5));
    if (out.size === 0) out.add(s);
    return [...out];
  });
  const numeric = texts.map((t) => {
    const len = t.length || 1;
    let digits = 0;
    let upper = 0;
    let nonAscii = 0;
    let space = 0;
    for (let i = 0; i < Math.min(t.length, 100_000); i++) {
      const c = t.charCodeAt(i);
      if (c >= 48 && c <= 57) digits++;
      else if (c >= 65 && c <= 90) upper++;
      else if (c > 127) nonAscii++;
      else if (c === 32 || c === 10 || c === 9) space++;
    }
    return Float64Array.of(Math.log1p(t.length), digits / len, upper / len, nonAscii / len, space / len);
  });
  return {
    kind: "text",
    vectors,
    dims: TEXT_DIMS,
    tokens: tokenLists.map((g) => [...new Set(g)]),
    shingles,
    digests: texts.map((t) => sha256(t.toLowerCase().replace(/\s+/g, " ").trim())),
    numeric,
    numericNames: ["log-length", "digit-fraction", "uppercase-fraction", "non-ascii-fraction", "space-fraction"],
    nearCopy: (a, b) => wordDifference(wordLists[a]!, wordLists[b]!, NEAR_COPY_WORDS) <= NEAR_COPY_WORDS,
  };
}

const MAX_CATEGORIES = 100;

/** Robust location and scale of a column: median and IQR/1.349 (falling back to MAD·1.4826, then 1). */
function robustScale(xs: number[]): [number, number] {
  const s = Float64Array.from(xs).sort();
  if (s.length === 0) return [0, 1];
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  const median = q(0.5);
  let scale = (q(0.75) - q(0.25)) / 1.349;
  if (!(scale > 0)) {
    const dev = Float64Array.from(s, (x) => Math.abs(x - median)).sort();
    scale = dev[Math.floor(dev.length / 2)]! * 1.4826;
  }
  if (!(scale > 0)) {
    let sd = 0;
    for (const x of s) sd += (x - median) ** 2;
    scale = Math.sqrt(sd / s.length) || 1;
  }
  return [median, scale];
}

/** Expands embedding cells (arrays, or JSON array strings) into numeric columns named `col[i]`. */
function expandEmbeddings(columns: Readonly<Record<string, readonly unknown[]>>): Record<string, readonly unknown[]> {
  const out: Record<string, readonly unknown[]> = {};
  for (const [name, cells] of Object.entries(columns)) {
    const parsed = cells.map((c) => {
      if (Array.isArray(c)) return c;
      if (typeof c === "string" && c.trimStart().startsWith("[")) {
        try {
          const v: unknown = JSON.parse(c);
          return Array.isArray(v) ? v : undefined;
        } catch {
          return undefined;
        }
      }
      return undefined;
    });
    const width = parsed.find((p) => p !== undefined)?.length ?? 0;
    if (width > 0 && width <= 4096 && parsed.every((p) => p === undefined || p.length === width)) {
      for (let d = 0; d < width; d++) out[`${name}[${d}]`] = parsed.map((p) => p?.[d]);
    } else out[name] = cells;
  }
  return out;
}

/** Features of tabular rows from their feature columns (cells as read from CSV or JSONL). */
export function tabularFeatures(columnsIn: Readonly<Record<string, readonly unknown[]>>, n: number): FeatureSet {
  const columns = expandEmbeddings(columnsIn);
  const dense: number[][] = Array.from({ length: n }, () => []);
  const tokens: string[][] = Array.from({ length: n }, () => []);
  const shingles: string[][] = Array.from({ length: n }, () => []);
  const numeric: number[][] = Array.from({ length: n }, () => []);
  const numericNames: string[] = [];
  for (const [name, cells] of Object.entries(columns)) {
    const nums = cells.map(asNumber);
    const nonNull = cells.filter((c) => !isNull(c)).length;
    const isNumeric = nonNull > 0 && nums.filter((x) => x !== undefined).length / nonNull >= 0.95;
    if (isNumeric) {
      const present = nums.filter((x): x is number => x !== undefined);
      const [median, scale] = robustScale(present);
      // Quantile bins for near-duplicate shingles: small jitter stays in the same bin.
      const sorted = Float64Array.from(present).sort();
      const cuts = Array.from({ length: 19 }, (_, i) => sorted[Math.floor(((i + 1) / 20) * sorted.length)]!);
      numericNames.push(name);
      for (let i = 0; i < n; i++) {
        const x = nums[i];
        const z = x === undefined ? 0 : (x - median) / scale;
        dense[i]!.push(Math.max(-10, Math.min(10, z)));
        numeric[i]!.push(x === undefined ? median : x);
        if (x !== undefined) {
          tokens[i]!.push(`${name}=${x}`);
          shingles[i]!.push(`${name}~${cuts.filter((c) => c < x).length}`);
        } else shingles[i]!.push(`${name}~null`);
      }
    } else {
      const counts = new Map<string, number>();
      for (const c of cells) if (!isNull(c)) counts.set(String(c), (counts.get(String(c)) ?? 0) + 1);
      const kept = [...counts.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, MAX_CATEGORIES)
        .map(([v]) => v);
      const index = new Map(kept.map((v, i) => [v, i]));
      for (let i = 0; i < n; i++) {
        const c = cells[i];
        const v = isNull(c) ? undefined : String(c);
        const hot = v === undefined ? -1 : (index.get(v) ?? kept.length);
        for (let k = 0; k <= kept.length; k++) dense[i]!.push(k === hot ? 1 : 0);
        if (v !== undefined) tokens[i]!.push(`${name}=${v}`);
        shingles[i]!.push(`${name}=${v ?? "\u0000null"}`);
      }
    }
  }
  const dims = dense[0]?.length ?? 0;
  const vectors = dense.map((row) => {
    const w = new Map<number, number>();
    row.forEach((x, d) => {
      if (x !== 0) w.set(d, x);
    });
    return normalise(w);
  });
  return {
    kind: "tabular",
    vectors,
    dims,
    tokens,
    shingles,
    digests: shingles.map((_, i) => sha256(JSON.stringify(tokens[i]))),
    numeric: numeric.map((r) => Float64Array.from(r)),
    numericNames,
    dense: dense.map((r) => Float64Array.from(r)),
    nearCopy: (_a, _b, jaccard) => jaccard >= NEAR_COPY_JACCARD,
  };
}
