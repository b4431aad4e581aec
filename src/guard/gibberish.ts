/**
 * Adversarial-suffix ("token soup") features for the prompt-attack classifier. GCG (Zou et al. 2023) and DSN suffixes
 * are optimised token sequences with high perplexity; perplexity filtering detects them (Jain et al. 2023, Alon &
 * Kamfonas 2023). With no language model here, the perplexity is approximated by character statistics per
 * whitespace token: a token is implausible when it mixes case inside a word ("HereWrite", "HTMLsvg"), glues letters to
 * brackets or quotes ("({[HTMLsvg", "Five\"))"), contains runs of structural punctuation, or switches character class
 * several times. The share of implausible tokens over the tail of the text and over the whole text, and the contrast
 * between a plain-prose head and a gibberish tail (a request followed by a suffix), become binary marker features.
 * When a vocabulary (a hashed bit set of the words of benign training text, see `buildVocabulary`) is given, words
 * absent from it count too: a GCG/DSN suffix is full of run-together or foreign fragments ("requireied", "Lors",
 * "anglaisischer") while the plain request before it is not. One linear pass over the case-preserving normalised text.
 */
import { collapsedPosition, type MarkerToken } from "./features.ts";

/** URLs, mentions, hashtags and HTML entities: not words, never out of vocabulary. */
function linkLike(text: string, start: number, end: number): boolean {
  const first = text.charCodeAt(start);
  if (first === 0x40 || first === 0x23 || first === 0x26) return true;
  const token = text.slice(start, end);
  return token.includes("://") || token.startsWith("www.") || token.includes("&amp;");
}

/** Character classes: 0 space, 1 lower, 2 upper, 3 digit, 4 prose punctuation, 5 structural punctuation. */
const CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  CLASS[c] =
    c <= 0x20
      ? 0
      : c >= 0x61 && c <= 0x7a
        ? 1
        : c >= 0x41 && c <= 0x5a
          ? 2
          : c >= 0x30 && c <= 0x39
            ? 3
            : ".,'-!?:;".includes(String.fromCharCode(c))
              ? 4
              : 5;
}

/**
 * What a pair of adjacent classes in a token shows, indexed by (previous class or NONE) * 8 + class: a class change
 * (not between two letters), a lower-to-upper case flip, structural punctuation glued to a letter, two structural
 * characters in a row. UPPER_LOWER (an upper run of two or more, then lower case) needs the length of the run.
 */
const CHANGE = 1;
const CASE_FLIP = 2;
const GLUED = 4;
const STRUCT_PAIR = 8;
const UPPER_LOWER = 16;
const NONE = 6;
const PAIR = new Uint8Array(64);
const isLetter = (k: number) => k === 1 || k === 2;
for (let prev = 1; prev <= NONE; prev++) {
  for (let k = 1; k <= 5; k++) {
    PAIR[(prev << 3) | k] =
      (prev !== NONE && prev !== k && !(isLetter(prev) && isLetter(k)) ? CHANGE : 0) |
      (prev === 1 && k === 2 ? CASE_FLIP : 0) |
      ((prev === 5 && isLetter(k)) || (k === 5 && isLetter(prev)) ? GLUED : 0) |
      (prev === 5 && k === 5 ? STRUCT_PAIR : 0);
  }
}

function classOf(c: number): number {
  if (c < 128) return CLASS[c] as number;
  if (c === 0xa0 || (c >= 0x2000 && c <= 0x200a) || c === 0x3000) return 0;
  return 1;
}

/** Implausible tokens in the tail and in the head before it, structural characters in the tail, whole-text share. */
export interface GibberishStats {
  tokens: number;
  /** Out-of-vocabulary words in the tail and in the head (0 without a vocabulary). */
  tailOov: number;
  headOov: number;
  tail: number;
  head: number;
  tailStructural: number;
  whole: number;
  /** Index in the text where the tail starts. */
  tailStart: number;
  /**
   * Tokens in the longest final run (up to 40 tokens, at least 6) of which half or more are implausible or unknown
   * words (the whole adversarial suffix, however long the request before it), 0 when there is none.
   */
  soup: number;
  /** Implausible or unknown tokens among the (up to 20) tokens before that run. */
  soupHead: number;
  /** Tokens before that run. */
  soupHeadTokens: number;
  /** Index in the text where that run starts. */
  soupStart: number;
}

/** Tokens in the tail window (a GCG suffix is about 20 tokens of which a third or more look implausible). */
const TAIL_TOKENS = 12;
/** Shortest and longest final run of implausible tokens measured as a suffix. */
const SOUP_MIN = 6;
const SOUP_MAX = 40;
/** Tokens in the head window before the tail. */
const HEAD_TOKENS = 20;
/** Tokens whose results are kept: a power of two of at least SOUP_MAX + HEAD_TOKENS. */
const WINDOW = 64;

/**
 * Implausible-token statistics of `text` (case-preserving, normalised). A token counts as implausible when it has a
 * lower-to-upper case change inside it, an upper run followed by lower case other than a plural "s", structural
 * punctuation ({}[]()<>"`$\\|^~_=@#*%&+/) glued to a letter or in a run of two or more, or at least four character
 * class changes. Tokens that look like URLs, mentions or hashtags are plausible.
 */
export function gibberishStats(text: string, vocab?: Vocabulary): GibberishStats {
  // Spans and results of the last WINDOW tokens (the windows below reach at most SOUP_MAX + HEAD_TOKENS back).
  const odd = new Uint8Array(WINDOW);
  const oov = new Uint8Array(WINDOW);
  const structs = new Int32Array(WINDOW);
  const starts = new Int32Array(WINDOW);
  const ends = new Int32Array(WINDOW);
  let t = 0;
  let total = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    let c = text.charCodeAt(i);
    // Runs of ASCII spaces (padded tables) in a tight loop; charCodeAt past the end is NaN and stops it.
    while (c <= 0x20) c = text.charCodeAt(++i);
    if (i >= n) break;
    let k = classOf(c);
    if (k === 0) {
      i++;
      continue;
    }
    const start = i;
    let prev = NONE;
    let changes = 0;
    let structural = 0;
    let upperRun = 0;
    let seen = 0;
    // "://" in the token.
    let scheme = false;
    for (;;) {
      const pair = PAIR[(prev << 3) | k] as number;
      changes += pair & CHANGE;
      seen |= pair;
      if (k === 5) structural++;
      if (k === 1 && upperRun >= 2) seen |= UPPER_LOWER;
      upperRun = k === 2 ? upperRun + 1 : 0;
      if (c === 0x3a && text.charCodeAt(i + 1) === 0x2f && text.charCodeAt(i + 2) === 0x2f) scheme = true;
      prev = k;
      c = text.charCodeAt(++i);
      // More lower-case letters after one change nothing.
      if (k === 1) while (c >= 0x61 && c <= 0x7a) c = text.charCodeAt(++i);
      if (i >= n) break;
      k = classOf(c);
      if (k === 0) break;
    }
    const slot = t & (WINDOW - 1);
    starts[slot] = start;
    ends[slot] = i;
    odd[slot] = 0;
    structs[slot] = 0;
    t++;
    if ((seen & (CASE_FLIP | UPPER_LOWER)) === 0 && structural === 0 && changes < 4) continue;
    const first = text.charCodeAt(start);
    const plausibleShape =
      scheme ||
      (first === 0x77 && text.startsWith("www.", start)) ||
      ((first === 0x40 || first === 0x23) && structural === 1 && changes <= 2);
    // "HTMLsvg" counts, "URLs" does not: an upper run followed by lower case other than a final "s".
    const upperLower =
      (seen & UPPER_LOWER) !== 0 && !/^[A-Z]{2,}s[^a-z]*$/.test(text.slice(start, i).replace(/^[^A-Za-z]+/, ""));
    const isOdd =
      !plausibleShape &&
      ((seen & CASE_FLIP) !== 0 || upperLower || (seen & GLUED) !== 0 || (seen & STRUCT_PAIR) !== 0 || changes >= 4);
    odd[slot] = isOdd ? 1 : 0;
    structs[slot] = plausibleShape ? 0 : structural;
    if (isOdd) total++;
  }
  // Only the tokens in the windows are looked up in the vocabulary.
  if (vocab !== undefined) {
    for (let j = Math.max(0, t - WINDOW); j < t; j++) {
      const slot = j & (WINDOW - 1);
      const start = starts[slot] as number;
      const end = ends[slot] as number;
      const hash = wordHash(text, start, end);
      oov[slot] = !Number.isNaN(hash) && !vocab.has(hash) && !linkLike(text, start, end) ? 1 : 0;
    }
  }
  const at = (j: number) => j & (WINDOW - 1);
  const tailLen = Math.min(TAIL_TOKENS, Math.floor(t / 2));
  let tailOdd = 0;
  let tailStructural = 0;
  let tailOov = 0;
  for (let j = t - tailLen; j < t; j++) {
    tailOdd += odd[at(j)] as number;
    tailStructural += structs[at(j)] as number;
    tailOov += oov[at(j)] as number;
  }
  const headLen = Math.min(HEAD_TOKENS, t - tailLen);
  let headOdd = 0;
  let headOov = 0;
  for (let j = t - tailLen - headLen; j < t - tailLen; j++) {
    headOdd += odd[at(j)] as number;
    headOov += oov[at(j)] as number;
  }
  let soup = 0;
  let bad = 0;
  for (let j = t - 1; j >= Math.max(0, t - SOUP_MAX); j--) {
    bad += (odd[at(j)] as number) | (oov[at(j)] as number);
    if (t - j >= SOUP_MIN && bad * 2 >= t - j) soup = t - j;
  }
  let soupHead = 0;
  const soupHeadTokens = Math.min(HEAD_TOKENS, t - soup);
  for (let j = t - soup - soupHeadTokens; j < t - soup; j++)
    soupHead += (odd[at(j)] as number) | (oov[at(j)] as number);
  return {
    tokens: t,
    soup,
    soupHead,
    soupHeadTokens,
    soupStart: soup > 0 ? (starts[at(t - soup)] as number) : 0,
    tailOov,
    headOov,
    tail: tailOdd,
    head: headOdd,
    tailStructural,
    whole: t > 0 ? total / t : 0,
    tailStart: tailLen > 0 ? (starts[at(t - tailLen)] as number) : 0,
  };
}

const TAIL_BINS = [1, 2, 3, 5];
const STRUCT_BINS = [2, 4, 8];
const WHOLE_BINS = [0.2, 0.35, 0.5];
const OOV_BINS = [2, 3, 5, 7];
const SOUP_BINS = [6, 10, 15];
/** Most tokens of a text counted as a short prompt. */
const SHORT_PROMPT_TOKENS = 80;

const WORD_OFFSET = 0x811c9dc5;
const WORD_PRIME = 0x01000193;

/**
 * A set of known words (lower-cased letters of a whitespace token, 3+ letters) as a bit set over a hash of the word:
 * small enough to ship in the model file (2^bits bits), with false "known" answers for a few percent of unknown
 * words, which only weakens the out-of-vocabulary signal.
 */
export class Vocabulary {
  readonly bits: number;
  readonly set: Uint8Array;
  constructor(bits: number, set?: Uint8Array) {
    this.bits = bits;
    this.set = set ?? new Uint8Array(1 << (bits - 3));
  }
  private slot(hash: number): number {
    let x = hash ^ (hash >>> 16);
    x = Math.imul(x, 0x85ebca6b);
    x ^= x >>> 13;
    return (x >>> 0) & ((1 << this.bits) - 1);
  }
  has(hash: number): boolean {
    const b = this.slot(hash);
    return ((this.set[b >>> 3] as number) & (1 << (b & 7))) !== 0;
  }
  add(hash: number): void {
    const b = this.slot(hash);
    this.set[b >>> 3] = (this.set[b >>> 3] as number) | (1 << (b & 7));
  }
}

/** Hash of the letters of text[start, end), lower-cased; NaN when it has fewer than 3 letters. */
function wordHash(text: string, start: number, end: number): number {
  let h = WORD_OFFSET;
  let letters = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    const k = classOf(c);
    if (k === 1 || k === 2) {
      letters++;
      h = Math.imul(h ^ (c | (k === 2 ? 0x20 : 0)), WORD_PRIME);
    }
  }
  return letters >= 3 ? h : Number.NaN;
}

/** Hash of the letters of `token`, lower-cased (the key `Vocabulary` stores); 0 when it has fewer than 3 letters. */
export function wordKey(token: string): number {
  const h = wordHash(token, 0, token.length);
  return Number.isNaN(h) ? 0 : h;
}

/**
 * The vocabulary of `texts`: every word (see `wordKey`) seen at least `minCount` times. Deterministic.
 */
export function buildVocabulary(texts: Iterable<string>, bits = 17, minCount = 2): Vocabulary {
  const counts = new Map<number, number>();
  for (const text of texts) {
    for (const token of text.split(/\s+/)) {
      const h = wordKey(token);
      if (h !== 0) counts.set(h, (counts.get(h) ?? 0) + 1);
    }
  }
  const v = new Vocabulary(bits);
  for (const [h, c] of counts) if (c >= minCount) v.add(h);
  return v;
}

/** Every marker token `gibberishMarkers` can emit. */
export const GIBBERISH_TOKENS: readonly string[] = [
  ...TAIL_BINS.map((b) => `gib:tail>=${b}`),
  ...STRUCT_BINS.map((b) => `gib:struct>=${b}`),
  ...WHOLE_BINS.map((b) => `gib:whole>=${b}`),
  "gib:prose-then-soup",
  "gib:prose-then-soup-strong",
  ...OOV_BINS.map((b) => `gib:oov-tail>=${b}`),
  "gib:prose-then-oov",
  ...SOUP_BINS.map((b) => `gib:soup>=${b}`),
  "gib:prose-then-long-soup",
  "gib:prose-then-long-soup@prompt",
];

/**
 * Marker tokens from `gibberishStats` of `text`: cumulative bins of the tail counts and whole-text share (so a linear
 * model can learn a monotone response) and the prose-head / gibberish-tail contrast, placed where the tail starts in
 * the collapsed text (`origin[i]` = index in `text` of collapsed char `i`, `length` collapsed chars). Texts of fewer
 * than 8 tokens give no markers.
 */
export function gibberishMarkers(text: string, origin: Int32Array, length: number, vocab?: Vocabulary): MarkerToken[] {
  const g = gibberishStats(text, vocab);
  if (g.tokens < 8) return [];
  const out: MarkerToken[] = [];
  const tailPos = Math.min(collapsedPosition(origin, length, g.tailStart), Math.max(0, length - 1));
  for (const b of TAIL_BINS) if (g.tail >= b) out.push({ pos: tailPos, token: `gib:tail>=${b}` });
  for (const b of STRUCT_BINS) if (g.tailStructural >= b) out.push({ pos: tailPos, token: `gib:struct>=${b}` });
  for (const b of WHOLE_BINS) if (g.whole >= b) out.push({ pos: tailPos, token: `gib:whole>=${b}` });
  if (g.head === 0 && g.tail >= 2) out.push({ pos: tailPos, token: "gib:prose-then-soup" });
  if (g.head === 0 && g.tail >= 3) out.push({ pos: tailPos, token: "gib:prose-then-soup-strong" });
  for (const b of OOV_BINS) if (g.tailOov >= b) out.push({ pos: tailPos, token: `gib:oov-tail>=${b}` });
  if (g.headOov <= 1 && g.tailOov >= 3) out.push({ pos: tailPos, token: "gib:prose-then-oov" });
  if (g.soup > 0) {
    const soupPos = Math.min(collapsedPosition(origin, length, g.soupStart), Math.max(0, length - 1));
    for (const b of SOUP_BINS) if (g.soup >= b) out.push({ pos: soupPos, token: `gib:soup>=${b}` });
    if (g.soupHeadTokens >= 3 && g.soupHead * 6 <= g.soupHeadTokens) {
      out.push({ pos: soupPos, token: "gib:prose-then-long-soup" });
      // A short prompt that is a plain request plus a long suffix is the shape of a GCG/DSN attack; in a long
      // document (tables, code, tweets quoted at the end) the same statistics are common.
      if (g.tokens <= SHORT_PROMPT_TOKENS) out.push({ pos: soupPos, token: "gib:prose-then-long-soup@prompt" });
    }
  }
  return out;
}
