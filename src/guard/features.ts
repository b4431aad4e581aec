/**
 * Hashed n-gram features for the prompt-attack classifier (the "hashing trick", Weinberger et al. 2009): lower-cased
 * character n-grams and word uni/bigrams over normalised text with whitespace runs collapsed and digits folded to "0",
 * each hashed (FNV-1a with the MurmurHash3 finaliser) into 2^bits buckets and anchored at its start position, so a
 * linear model can score any window by prefix sums. N-gram counts are scaled by 1/sqrt(n) (n = n-grams in the
 * window); structural marker tokens (signature families, adversarial-suffix bins) take one fixed value, unscaled, so one
 * override sentence weighs the same in a long document as in a short prompt. Training and inference share this one implementation.
 */

/** Settings that define the feature space; recorded in the model file. */
export interface FeatureSettings {
  bits: number;
  charMin: number;
  charMax: number;
  wordBigrams: boolean;
  /**
   * Value of a marker feature (default 1). With AdaGrad the step per weight is scale-free, so a larger value lets the
   * few structural markers reach weights that compete with thousands of n-grams.
   */
  markerValue?: number;
}

/** Value of a marker feature under `s`. */
export function markerValueOf(s: FeatureSettings): number {
  return s.markerValue ?? 1;
}

/** Features of one text: parallel arrays of (position in the collapsed text, bucket). */
export interface FeatureStream {
  pos: Int32Array;
  bucket: Int32Array;
  count: number;
  /** Features from this index on are marker tokens: counted as is, not length-normalised like n-grams. */
  markerFrom: number;
  /** Length of the collapsed text. */
  length: number;
  /** `origin[i]`: index in the input text of collapsed char `i`. */
  origin: Int32Array;
  /** The collapsed, lower-cased text (what signatures run on). */
  collapsed: string;
}

/** A marker token (e.g. a signature family) injected as a feature at a collapsed position. */
export interface MarkerToken {
  pos: number;
  token: string;
}

function fmix(h: number): number {
  let x = h ^ (h >>> 16);
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  return x ^ (x >>> 16);
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** Hash of an arbitrary token string into the feature space (used for marker tokens). */
export function tokenBucket(token: string, bits: number): number {
  let h = FNV_OFFSET ^ 0x5bd1e995;
  for (let i = 0; i < token.length; i++) h = Math.imul(h ^ token.charCodeAt(i), FNV_PRIME);
  return fmix(h) & ((1 << bits) - 1);
}

const lowerCache = new Map<number, number>();
function lowerCode(c: number): number {
  if (c < 0x80) return c >= 0x41 && c <= 0x5a ? c | 0x20 : c;
  let l = lowerCache.get(c);
  if (l === undefined) {
    const s = String.fromCharCode(c).toLowerCase();
    l = s.length === 1 ? s.charCodeAt(0) : c;
    lowerCache.set(c, l);
  }
  return l;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0x0c || c === 0x0b || c === 0xa0;
}

function isWordChar(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || c === 0x30 || (c > 0xbf && c !== 0xfffd && !(c >= 0x2000 && c <= 0x2bff));
}

/** ASCII fold table: 0 = whitespace, otherwise the lower-cased code with digits folded to "0". */
const ASCII_FOLD = new Uint16Array(128);
for (let c = 0; c < 128; c++) {
  ASCII_FOLD[c] = isSpace(c) ? 0 : c >= 0x30 && c <= 0x39 ? 0x30 : c >= 0x41 && c <= 0x5a ? c | 0x20 : c;
}

/** Collapses whitespace runs to one space, lower-cases and folds digits to "0". */
export function collapse(text: string): { codes: Uint16Array; origin: Int32Array; length: number } {
  const codes = new Uint16Array(text.length);
  const origin = new Int32Array(text.length);
  let n = 0;
  let prevSpace = true;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const f = c < 128 ? (ASCII_FOLD[c] as number) : isSpace(c) ? 0 : lowerCode(c);
    if (f === 0) {
      if (!prevSpace) {
        codes[n] = 0x20;
        origin[n++] = i;
        prevSpace = true;
      }
      continue;
    }
    prevSpace = false;
    codes[n] = f;
    origin[n++] = i;
  }
  return { codes, origin, length: n };
}

const CHAR_SEED = [0, 0, 0, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab];
const WORD_SEED = 0x6a09e667;
const BIGRAM_SEED = 0xbb67ae85;

/**
 * Extracts hashed features from (already normalised) `text`. `markers` may add tokens found on the collapsed text
 * (signature families) or on `text` itself, mapped through `origin` (collapsed index -> text index). Linear in the text
 * length.
 */
export function extractFeatures(
  text: string,
  s: FeatureSettings,
  markers?: (collapsed: string, origin: Int32Array) => MarkerToken[],
): FeatureStream {
  const { codes, origin, length } = collapse(text);
  const mask = (1 << s.bits) - 1;
  const perPos = s.charMax - s.charMin + 1 + (s.wordBigrams ? 2 : 1);
  let cap = length * perPos + 16;
  let pos = new Int32Array(cap);
  let bucket = new Int32Array(cap);
  let count = 0;
  const seeds = new Int32Array(s.charMax + 1);
  for (let j = 0; j <= s.charMax; j++) seeds[j] = CHAR_SEED[j] ?? j;
  const charMin = s.charMin;
  const charMax = s.charMax;
  for (let i = 0; i + charMin <= length; i++) {
    let h = FNV_OFFSET;
    const end = Math.min(length, i + charMax);
    for (let k = i; k < end; k++) {
      h = Math.imul(h ^ (codes[k] as number), FNV_PRIME);
      const n = k - i + 1;
      if (n >= charMin) {
        pos[count] = i;
        bucket[count++] = fmix(h ^ (seeds[n] as number)) & mask;
      }
    }
  }
  let prevWord = 0;
  let i = 0;
  while (i < length) {
    if (!isWordChar(codes[i] as number)) {
      i++;
      continue;
    }
    const start = i;
    let h = FNV_OFFSET;
    while (i < length && isWordChar(codes[i] as number)) h = Math.imul(h ^ (codes[i++] as number), FNV_PRIME);
    pos[count] = start;
    bucket[count++] = fmix(h ^ WORD_SEED) & mask;
    if (s.wordBigrams && prevWord !== 0) {
      pos[count] = start;
      bucket[count++] = fmix(Math.imul(prevWord, 31) ^ h ^ BIGRAM_SEED) & mask;
    }
    prevWord = h | 1;
  }
  let collapsed = "";
  const markerFrom = count;
  if (markers) {
    const chunks: string[] = [];
    for (let k = 0; k < length; k += 8192) {
      chunks.push(String.fromCharCode(...codes.subarray(k, Math.min(length, k + 8192))));
    }
    collapsed = chunks.join("");
    const extra = markers(collapsed, origin);
    if (count + extra.length > cap) {
      cap = count + extra.length;
      const p2 = new Int32Array(cap);
      const b2 = new Int32Array(cap);
      p2.set(pos.subarray(0, count));
      b2.set(bucket.subarray(0, count));
      pos = p2;
      bucket = b2;
    }
    for (const m of extra) {
      pos[count] = m.pos;
      bucket[count++] = tokenBucket(m.token, s.bits);
    }
  }
  return { pos, bucket, count, markerFrom, length, origin, collapsed };
}
