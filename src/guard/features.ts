/**
 * Hashed n-gram features for the prompt-attack classifier (the "hashing trick", Weinberger et al. 2009): lower-cased
 * character n-grams and word uni/bigrams over normalised text with whitespace runs collapsed and digits folded to "0",
 * each hashed (FNV-1a with the MurmurHash3 finaliser) into 2^bits buckets and anchored at its start position, so a
 * linear model can score any window by prefix sums. N-gram counts are scaled by 1/sqrt(n) (n = n-grams in the
 * window; with `dedupe`, a repeated n-gram counts once per `dedupe` chars); structural marker tokens (signature
 * families, adversarial-suffix bins) take one fixed value, unscaled, so one override sentence weighs the same in a long
 * document as in a short prompt. Training and inference share this implementation; the optional native scorer
 * (native/warden_guard.c: `collapse` here and model.ts `scoreCollapsed`) computes the same values and is
 * property-tested against it.
 */
import { guardAddon, guardBackend } from "./native.ts";

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
  /**
   * When set, an n-gram (bucket) is emitted again only `dedupe` or more collapsed chars after its last emission, so a
   * window counts a repeated n-gram a few times rather than hundreds (a sublinear term frequency that stays
   * prefix-summable: one digit pattern repeated down a table no longer outweighs the rest of the text).
   */
  dedupe?: number;
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

/** A text with whitespace runs collapsed, lower-cased and digits folded (what n-grams and signatures are read from). */
export interface Collapsed {
  /** UTF-16 code units; only the first `length` are used. */
  codes: Uint16Array;
  /** `origin[i]`: index in the input text of collapsed char `i`. */
  origin: Int32Array;
  length: number;
}

/** Fold of one UTF-16 code unit when collapsing: 0 for whitespace, else lower-cased with digits folded to "0". */
function foldCode(c: number): number {
  return c < 128 ? (ASCII_FOLD[c] as number) : isSpace(c) ? 0 : lowerCode(c);
}

let foldAll: Uint16Array | undefined;

/**
 * `foldCode` of every UTF-16 code unit (128 KB, built on first use; the native collapse reads it). Blocks of 256 code
 * units are lower-cased in one call where that maps each unit to one unit, else unit by unit.
 */
export function foldTable(): Uint16Array {
  if (foldAll === undefined) {
    const table = new Uint16Array(65536);
    for (let base = 0; base < 65536; base += 256) {
      let block = "";
      for (let k = 0; k < 256; k++) block += String.fromCharCode(base + k);
      const lower = block.toLowerCase();
      for (let k = 0; k < 256; k++) {
        const c = base + k;
        const l = lower.length === 256 ? lower.charCodeAt(k) : lowerCode(c);
        table[c] = c < 128 ? (ASCII_FOLD[c] as number) : isSpace(c) ? 0 : l;
      }
    }
    foldAll = table;
  }
  return foldAll;
}

/**
 * Collapses whitespace runs to one space, lower-cases and folds digits to "0" (`foldCode`); in C when the `warden_guard`
 * addon is built, unless `backend` says otherwise (tests compare them).
 */
export function collapse(text: string, backend = guardBackend()): Collapsed {
  const addon = backend === "native" ? guardAddon() : undefined;
  if (addon) {
    const codes = new Uint16Array(text.length + 1);
    const origin = new Int32Array(text.length);
    return { codes, origin, length: addon.collapse(text, foldTable(), codes, origin) };
  }
  const codes = new Uint16Array(text.length);
  const origin = new Int32Array(text.length);
  let n = 0;
  let prevSpace = true;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const f = foldCode(c);
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

/**
 * Dedupe cache: a direct-mapped table of 2^DEDUPE_SLOT_BITS slots (bucket, last emission), 128 KB whatever the size
 * of the feature space, so it stays in the CPU cache. Positions are on a running offset
 * that grows by each text's length, so entries left by an earlier call are always at least `dedupe` behind and the
 * table is never cleared. A slot taken over by another bucket only means one extra emission.
 */
const DEDUPE_SLOT_BITS = 14;
const DEDUPE_MASK = (1 << DEDUPE_SLOT_BITS) - 1;
const slotBucket = new Int32Array(1 << DEDUPE_SLOT_BITS).fill(-1);
let slotPos = new Int32Array(1 << DEDUPE_SLOT_BITS);
let offset = 0;

function dedupeBase(length: number, dedupe: number): number {
  if (offset + length + 2 * dedupe > 0x3fffffff) {
    slotPos = new Int32Array(1 << DEDUPE_SLOT_BITS);
    slotBucket.fill(-1);
    offset = 0;
  }
  const base = offset + dedupe;
  offset = base + length;
  return base;
}

/** True (and the slot updated) when bucket `b` at running position `p` is emitted under `dedupe`. */
function emit(b: number, p: number, dedupe: number): boolean {
  const slot = b & DEDUPE_MASK;
  if (slotBucket[slot] === b && p - (slotPos[slot] as number) < dedupe) return false;
  slotBucket[slot] = b;
  slotPos[slot] = p;
  return true;
}

/** Scratch arrays for positions and buckets, grown as needed and reused; results are copied out. */
const MAX_RETAINED_SCRATCH = 1 << 21;
let scratchPos = new Int32Array(1024);
let scratchBucket = new Int32Array(1024);

const UTF16 = new TextDecoder("utf-16le");

/** The collapsed text as a string, decoded in one call (lone surrogates were replaced by normalisation). */
export function collapsedString(c: Collapsed): string {
  return UTF16.decode(c.codes.subarray(0, c.length));
}

/** First collapsed position whose index in the input text (`origin`) is at or after `textIndex`; `length` if none. */
export function collapsedPosition(origin: Int32Array, length: number, textIndex: number): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((origin[mid] as number) < textIndex) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const CHAR_SEED = [0, 0, 0, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab];
const WORD_SEED = 0x6a09e667;
const BIGRAM_SEED = 0xbb67ae85;

const seedsByCharMax = new Map<number, Int32Array>();

/**
 * The hash seeds of a feature space: one per character n-gram length (index n, up to `charMax`), then the word and
 * the word-bigram seeds. The native scorer (native/warden_guard.c) is given the same array. Built once per `charMax`
 * and shared: callers must not modify it.
 */
export function featureSeeds(s: FeatureSettings): Int32Array {
  let seeds = seedsByCharMax.get(s.charMax);
  if (seeds === undefined) {
    seeds = new Int32Array(s.charMax + 3);
    for (let j = 0; j <= s.charMax; j++) seeds[j] = CHAR_SEED[j] ?? j;
    seeds[s.charMax + 1] = WORD_SEED;
    seeds[s.charMax + 2] = BIGRAM_SEED;
    seedsByCharMax.set(s.charMax, seeds);
  }
  return seeds;
}

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
  const c = collapse(text);
  return featuresOfCollapsed(c, s, markers ? markers(collapsedString(c), c.origin) : []);
}

/** The n-gram features of a collapsed text followed by the given marker tokens. */
export function featuresOfCollapsed(c: Collapsed, s: FeatureSettings, extra: readonly MarkerToken[]): FeatureStream {
  const { codes, origin, length } = c;
  const mask = (1 << s.bits) - 1;
  const perPos = s.charMax - s.charMin + 1 + (s.wordBigrams ? 2 : 1);
  const cap = length * perPos + 16;
  let pos = scratchPos;
  let bucket = scratchBucket;
  if (pos.length < cap) {
    pos = new Int32Array(cap);
    bucket = new Int32Array(cap);
    if (cap <= MAX_RETAINED_SCRATCH) {
      scratchPos = pos;
      scratchBucket = bucket;
    }
  }
  let count = 0;
  const charMin = s.charMin;
  const charMax = s.charMax;
  const dedupe = s.dedupe ?? 0;
  const base = dedupe > 0 ? dedupeBase(length, dedupe) : 0;
  const seeds = featureSeeds(s);
  const wordSeed = seeds[charMax + 1] as number;
  const bigramSeed = seeds[charMax + 2] as number;
  const sb = slotBucket;
  const sp = slotPos;
  for (let i = 0; i + charMin <= length; i++) {
    // FNV-1a over the first charMin - 1 chars, then one step per n-gram length.
    let h = FNV_OFFSET;
    for (let k = i; k < i + charMin - 1; k++) h = Math.imul(h ^ (codes[k] as number), FNV_PRIME);
    const last = Math.min(i + charMax, length);
    for (let k = i + charMin - 1; k < last; k++) {
      h = Math.imul(h ^ (codes[k] as number), FNV_PRIME);
      const b = fmix(h ^ (seeds[k - i + 1] as number)) & mask;
      if (dedupe > 0) {
        const slot = b & DEDUPE_MASK;
        const p = base + i;
        if (sb[slot] === b && p - (sp[slot] as number) < dedupe) continue;
        sb[slot] = b;
        sp[slot] = p;
      }
      pos[count] = i;
      bucket[count++] = b;
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
    const wb = fmix(h ^ wordSeed) & mask;
    if (dedupe === 0 || emit(wb, base + start, dedupe)) {
      pos[count] = start;
      bucket[count++] = wb;
    }
    if (s.wordBigrams && prevWord !== 0) {
      const bb = fmix(Math.imul(prevWord, 31) ^ h ^ bigramSeed) & mask;
      if (dedupe === 0 || emit(bb, base + start, dedupe)) {
        pos[count] = start;
        bucket[count++] = bb;
      }
    }
    prevWord = h | 1;
  }
  const markerFrom = count;
  const total = count + extra.length;
  const outPos = new Int32Array(total);
  const outBucket = new Int32Array(total);
  outPos.set(pos.subarray(0, count));
  outBucket.set(bucket.subarray(0, count));
  for (const m of extra) {
    outPos[count] = m.pos;
    outBucket[count++] = tokenBucket(m.token, s.bits);
  }
  return { pos: outPos, bucket: outBucket, count, markerFrom, length, origin };
}
