/**
 * Adversarial-suffix ("token soup") features for the prompt-attack classifier. GCG (Zou et al. 2023) and DSN suffixes
 * are optimised token sequences with high perplexity; perplexity filtering detects them (Jain et al. 2023, Alon &
 * Kamfonas 2023). With no language model here, the perplexity is approximated by character statistics per
 * whitespace token: a token is implausible when it mixes case inside a word ("HereWrite", "HTMLsvg"), glues letters to
 * brackets or quotes ("({[HTMLsvg", "Five\"))"), contains runs of structural punctuation, or switches character class
 * several times. The share of implausible tokens over the tail of the text and over the whole text, and the contrast
 * between a plain-prose head and a gibberish tail (a request followed by a suffix), become binary marker features.
 * One linear pass over the case-preserving normalised text.
 */
import type { MarkerToken } from "./features.ts";

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

function classOf(c: number): number {
  if (c < 128) return CLASS[c] as number;
  if (c === 0xa0 || (c >= 0x2000 && c <= 0x200a) || c === 0x3000) return 0;
  return 1;
}

/** Implausible tokens in the tail and in the head before it, structural characters in the tail, whole-text share. */
export interface GibberishStats {
  tokens: number;
  tail: number;
  head: number;
  tailStructural: number;
  whole: number;
  /** Index in the text where the tail starts. */
  tailStart: number;
}

/** Tokens in the tail window (a GCG suffix is about 20 tokens of which a third or more look implausible). */
const TAIL_TOKENS = 12;
/** Tokens in the head window before the tail. */
const HEAD_TOKENS = 20;

/**
 * Implausible-token statistics of `text` (case-preserving, normalised). A token counts as implausible when it has a
 * lower-to-upper case change inside it, an upper run followed by lower case other than a plural "s", structural
 * punctuation ({}[]()<>"`$\\|^~_=@#*%&+/) glued to a letter or in a run of two or more, or at least four character
 * class changes. Tokens that look like URLs, mentions or hashtags are plausible.
 */
export function gibberishStats(text: string): GibberishStats {
  const odd: number[] = [];
  const structs: number[] = [];
  const starts: number[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    while (i < n && classOf(text.charCodeAt(i)) === 0) i++;
    if (i >= n) break;
    const start = i;
    let prev = -1;
    let changes = 0;
    let caseFlip = false;
    let upperRun = 0;
    let upperThenLower = 0;
    let structural = 0;
    let structRun = 0;
    let maxStructRun = 0;
    let glued = false;
    let letters = 0;
    while (i < n) {
      const c = text.charCodeAt(i);
      const k = classOf(c);
      if (k === 0) break;
      if (k === 1 || k === 2) letters++;
      if (prev !== -1 && prev !== k && !(prev <= 2 && k <= 2 && prev >= 1 && k >= 1)) changes++;
      if (prev === 1 && k === 2) caseFlip = true;
      if (k === 2) upperRun++;
      else {
        if (k === 1 && upperRun >= 2) upperThenLower++;
        upperRun = 0;
      }
      if (k === 5) {
        structural++;
        structRun++;
        if (structRun > maxStructRun) maxStructRun = structRun;
        if (prev === 1 || prev === 2) glued = true;
      } else {
        if (structRun > 0 && (k === 1 || k === 2)) glued = true;
        structRun = 0;
      }
      prev = k;
      i++;
    }
    starts.push(start);
    if (!caseFlip && upperThenLower === 0 && structural === 0 && changes < 4) {
      odd.push(0);
      structs.push(0);
      continue;
    }
    const token = text.slice(start, i);
    const first = token.charCodeAt(0);
    const plausibleShape =
      token.includes("://") ||
      token.startsWith("www.") ||
      ((first === 0x40 || first === 0x23) && structural === 1 && changes <= 2);
    // "HTMLsvg" counts, "URLs" does not: an upper run followed by lower case other than a final "s".
    const upperLower = upperThenLower > 0 && !/^[A-Z]{2,}s[^a-z]*$/.test(token.replace(/^[^A-Za-z]+/, ""));
    const isOdd =
      !plausibleShape &&
      (caseFlip || upperLower || (structural > 0 && glued && letters > 0) || maxStructRun >= 2 || changes >= 4);
    odd.push(isOdd ? 1 : 0);
    structs.push(plausibleShape ? 0 : structural);
  }
  const t = odd.length;
  const tailLen = Math.min(TAIL_TOKENS, Math.floor(t / 2));
  let total = 0;
  for (const o of odd) total += o;
  let tailOdd = 0;
  let tailStructural = 0;
  for (let j = t - tailLen; j < t; j++) {
    tailOdd += odd[j] as number;
    tailStructural += structs[j] as number;
  }
  const headLen = Math.min(HEAD_TOKENS, t - tailLen);
  let headOdd = 0;
  for (let j = t - tailLen - headLen; j < t - tailLen; j++) headOdd += odd[j] as number;
  return {
    tokens: t,
    tail: tailOdd,
    head: headOdd,
    tailStructural,
    whole: t > 0 ? total / t : 0,
    tailStart: tailLen > 0 ? (starts[t - tailLen] as number) : 0,
  };
}

const TAIL_BINS = [1, 2, 3, 5];
const STRUCT_BINS = [2, 4, 8];
const WHOLE_BINS = [0.2, 0.35, 0.5];

/** Every marker token `gibberishMarkers` can emit. */
export const GIBBERISH_TOKENS: readonly string[] = [
  ...TAIL_BINS.map((b) => `gib:tail>=${b}`),
  ...STRUCT_BINS.map((b) => `gib:struct>=${b}`),
  ...WHOLE_BINS.map((b) => `gib:whole>=${b}`),
  "gib:prose-then-soup",
  "gib:prose-then-soup-strong",
];

/**
 * Marker tokens from `gibberishStats` of `text`: cumulative bins of the tail counts and whole-text share (so a linear
 * model can learn a monotone response) and the prose-head / gibberish-tail contrast, placed where the tail starts in
 * the collapsed text (`origin[i]` = index in `text` of collapsed char `i`, `length` collapsed chars). Texts of fewer
 * than 8 tokens give no markers.
 */
export function gibberishMarkers(text: string, origin: Int32Array, length: number): MarkerToken[] {
  const g = gibberishStats(text);
  if (g.tokens < 8) return [];
  const out: MarkerToken[] = [];
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((origin[mid] as number) < g.tailStart) lo = mid + 1;
    else hi = mid;
  }
  const tailPos = Math.min(lo, Math.max(0, length - 1));
  for (const b of TAIL_BINS) if (g.tail >= b) out.push({ pos: tailPos, token: `gib:tail>=${b}` });
  for (const b of STRUCT_BINS) if (g.tailStructural >= b) out.push({ pos: tailPos, token: `gib:struct>=${b}` });
  for (const b of WHOLE_BINS) if (g.whole >= b) out.push({ pos: tailPos, token: `gib:whole>=${b}` });
  if (g.head === 0 && g.tail >= 2) out.push({ pos: tailPos, token: "gib:prose-then-soup" });
  if (g.head === 0 && g.tail >= 3) out.push({ pos: tailPos, token: "gib:prose-then-soup-strong" });
  return out;
}
