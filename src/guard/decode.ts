/**
 * Decoding of obfuscated segments for rescanning: base64/base64url, base32, hex, URL percent-encoding, ROT13 and
 * leetspeak. Each decoder returns "views" of the text; the detector normalises and rescans every view, recursively up to
 * a depth limit and within a total byte budget, so nested encodings cannot blow up time or memory.
 */
import { isUtf8 } from "node:buffer";

/** One decoded rendition of (part of) a text. */
export interface DecodedView {
  /** How it was obtained, e.g. "base64", "hex", "rot13", "leet", "tags". */
  encoding: string;
  text: string;
  /** Span of the encoded segment in the text it was decoded from. */
  start: number;
  end: number;
}

export interface DecodeLimits {
  /** Longest encoded segment decoded, in chars. */
  maxSegment: number;
  /** Most segments decoded per text. */
  maxSegments: number;
}

export const DEFAULT_DECODE_LIMITS: DecodeLimits = { maxSegment: 262_144, maxSegments: 16 };

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Decoded bytes count only when they are valid UTF-8, 95 % printable and 10 % letters (space-padded tables have few). */
function asText(bytes: Uint8Array): string | null {
  if (bytes.length < 4 || !isUtf8(bytes)) return null;
  const text = utf8.decode(bytes);
  let printable = 0;
  let letters = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c >= 0x20 && c !== 0x7f) || c === 0x09 || c === 0x0a || c === 0x0d) printable++;
    if ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c > 0xbf) letters++;
  }
  if (printable < text.length * 0.95 || letters < Math.max(3, text.length * 0.1)) return null;
  return text;
}

/*
 * Segment shapes. Base64 segments are the maximal runs of 16+ base64(url) chars plus up to two "=", base32 segments
 * the maximal runs of 16+ [A-Z2-7] plus up to six "=" (always inside a base64 run), so both are found without regexes.
 * Hex and percent segments are matched with sticky copies of these regexes, tried only where a match can start: in a
 * chain of 16+ hex digits and at a "%" followed by two hex digits. A run or chain of 16+ chars covers one of every
 * 16th char, so only the runs and chains around those are measured.
 */
const HEX_AT = /(?:(?:0x|\\x)?[0-9a-fA-F]{2}[\s,:]?){8,}/y;
const PERCENT_AT = /(?:%[0-9a-fA-F]{2}[^%\s]{0,3}){3,}/y;

/** Char flags: base64(url) alphabet, base32 alphabet, hex digit, hex separator or prefix char. */
const B64 = 1;
const B32 = 2;
const HEX = 4;
const HEX_GAP = 8;
/** [0-9+/a-z]: a base64 segment without any is all capitals and "-_" and is not decoded. */
const B64_SIGNAL = 16;
/** [2-7]: a base32 segment without any is not decoded. */
const B32_DIGIT = 32;
const CHAR = new Uint8Array(128);
const VALUE = new Int8Array(128).fill(-1);
const BASE32_VALUE = new Int8Array(128).fill(-1);
const flag = (chars: string, f: number) => {
  for (const ch of chars) {
    const c = ch.charCodeAt(0);
    CHAR[c] = (CHAR[c] as number) | f;
  }
};
const UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const LOWER = "abcdefghijklmnopqrstuvwxyz";
const DIGITS = "0123456789";
flag(`${UPPER}${LOWER}${DIGITS}+/_-`, B64);
flag(`${UPPER}234567`, B32);
flag(`${DIGITS}abcdefABCDEF`, HEX);
flag(" \t\n\r\v\f,:x\\", HEX_GAP);
flag(`${DIGITS}+/${LOWER}`, B64_SIGNAL);
flag("234567", B32_DIGIT);
[...`${UPPER}${LOWER}${DIGITS}`].forEach((ch, v) => {
  VALUE[ch.charCodeAt(0)] = v;
});
VALUE[0x2b] = VALUE[0x2d] = 62;
VALUE[0x2f] = VALUE[0x5f] = 63;
const NIBBLE = new Int8Array(128);
[..."0123456789abcdef"].forEach((ch, v) => {
  NIBBLE[ch.charCodeAt(0)] = v;
  NIBBLE[ch.toUpperCase().charCodeAt(0)] = v;
});
[...`${UPPER}234567`].forEach((ch, v) => {
  BASE32_VALUE[ch.charCodeAt(0)] = v;
});

/** The non-ASCII code units that JavaScript's `\s` matches. */
function isUnicodeSpace(c: number): boolean {
  return (
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

function flagsAt(text: string, i: number): number {
  const c = text.charCodeAt(i);
  return c < 128 ? (CHAR[c] as number) : isUnicodeSpace(c) ? HEX_GAP : 0;
}

/** End of a segment ending at `end` followed by up to `max` "=". */
function padded(text: string, end: number, max: number): number {
  let e = end;
  while (e - end < max && text.charCodeAt(e) === 0x3d) e++;
  return e;
}

/** Where segments are or may start. */
interface Candidates {
  /** Base64 segments: start, end, 1 when it has a [0-9+/a-z] char. */
  base64: number[];
  /** Base32 segments: start, end, 1 when it has a [2-7] char. */
  base32: number[];
  /** First and last index where a hex segment may start, per chain of 16+ hex digits. */
  hex: number[];
  /** Indexes of "%" followed by two hex digits. */
  percent: number[];
}

/** Start and end of the maximal run of chars with one of `flags` around `i`. */
function runAround(text: string, i: number, flags: number): [number, number] {
  let start = i;
  while (start > 0 && (flagsAt(text, start - 1) & flags) !== 0) start--;
  let end = i + 1;
  while (end < text.length && (flagsAt(text, end) & flags) !== 0) end++;
  return [start, end];
}

/** The base64 segment of base64 run [start, end) and the base32 segments inside it. */
function base64Run(text: string, start: number, end: number, c: Candidates): void {
  let signal = 0;
  for (let i = start; i < end && signal === 0; i++) signal = (CHAR[text.charCodeAt(i)] as number) & B64_SIGNAL;
  c.base64.push(start, padded(text, end, 2), signal === 0 ? 0 : 1);
  for (let i = start; i < end; i++) {
    if (((CHAR[text.charCodeAt(i)] as number) & B32) === 0) continue;
    let j = i;
    let digit = 0;
    for (; j < end && ((CHAR[text.charCodeAt(j)] as number) & B32) !== 0; j++)
      digit |= CHAR[text.charCodeAt(j)] as number;
    if (j - i >= 16) c.base32.push(i, padded(text, j, 6), (digit & B32_DIGIT) === 0 ? 0 : 1);
    i = j;
  }
}

/**
 * The chain of hex digits joined by runs of at most 3 separator or prefix chars that holds index `i` (a hex digit or
 * separator), added when it has 16+ digits; the index after it, or after `i` when `i` is in no chain.
 */
function hexChain(text: string, i: number, c: Candidates): number {
  let digit = i;
  if ((flagsAt(text, i) & HEX) === 0) {
    // A separator is in a chain when its run of separators is at most 3 long with hex digits on both sides.
    let before = i - 1;
    while (before >= 0 && i - before <= 3 && (flagsAt(text, before) & HEX_GAP) !== 0) before--;
    let after = i + 1;
    while (after - before <= 4 && (flagsAt(text, after) & HEX_GAP) !== 0) after++;
    if (after - before > 4 || (flagsAt(text, before) & flagsAt(text, after) & HEX) === 0) return i + 1;
    digit = before;
  }
  let digits = 1;
  let first = digit;
  let gap = 0;
  for (let j = digit - 1; j >= 0; j--) {
    const f = flagsAt(text, j);
    if ((f & HEX) !== 0) {
      first = j;
      digits++;
      gap = 0;
    } else if ((f & HEX_GAP) === 0 || ++gap > 3) break;
  }
  let last = digit;
  gap = 0;
  for (let j = digit + 1; j < text.length; j++) {
    const f = flagsAt(text, j);
    if ((f & HEX) !== 0) {
      last = j;
      digits++;
      gap = 0;
    } else if ((f & HEX_GAP) === 0 || ++gap > 3) break;
  }
  // A segment may start 2 chars before its first digit, at a "\x" prefix.
  if (digits >= 16) c.hex.push(Math.max(0, first - 2), last);
  return last + 1;
}

function candidates(text: string): Candidates {
  const c: Candidates = { base64: [], base32: [], hex: [], percent: [] };
  const n = text.length;
  let base64End = 0;
  let hexEnd = 0;
  for (let i = 15; i < n; i += 16) {
    const f = flagsAt(text, i);
    if ((f & B64) !== 0 && i >= base64End) {
      const [start, end] = runAround(text, i, B64);
      if (end - start >= 16) base64Run(text, start, end, c);
      base64End = end;
    }
    if ((f & (HEX | HEX_GAP)) !== 0 && i >= hexEnd) hexEnd = hexChain(text, i, c);
  }
  for (let i = text.indexOf("%"); i >= 0; i = text.indexOf("%", i + 1)) {
    const h1 = text.charCodeAt(i + 1);
    const h2 = text.charCodeAt(i + 2);
    if (h1 < 128 && h2 < 128 && ((CHAR[h1] as number) & (CHAR[h2] as number) & HEX) !== 0) c.percent.push(i);
  }
  return c;
}

let scratch = new Uint8Array(1024);

/** A scratch byte array of at least `length` bytes (decoded bytes are copied out by `asText`). */
function scratchFor(length: number): Uint8Array {
  if (scratch.length < length) scratch = new Uint8Array(length);
  return scratch;
}

/** `bits`-bit digits of text[start, end) (until a "=") to bytes, as `Buffer.from(…, "base64")` and RFC 4648 base32. */
function decodeBits(text: string, start: number, end: number, values: Int8Array, bits: number): Uint8Array {
  const out = scratchFor(Math.ceil(((end - start) * bits) / 8));
  let n = 0;
  let value = 0;
  let held = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x3d) break;
    value = (value << bits) | (values[c] as number);
    held += bits;
    if (held >= 8) {
      held -= 8;
      out[n++] = (value >>> held) & 0xff;
    }
  }
  return out.subarray(0, n);
}

/** The bytes of a hex segment: its hex digit pairs, without separators and "0x" / "\x" prefixes; null if odd. */
function decodeHex(text: string, start: number, end: number): Uint8Array | null {
  const out = scratchFor((end - start) >> 1);
  let n = 0;
  let digits = 0;
  let high = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if ((c === 0x30 || c === 0x5c) && i + 1 < end && text.charCodeAt(i + 1) === 0x78) i++;
    else if (c < 128 && ((CHAR[c] as number) & HEX) !== 0) {
      const nibble = NIBBLE[c] as number;
      if (digits++ % 2 === 0) high = nibble;
      else out[n++] = (high << 4) | nibble;
    }
  }
  return digits % 2 === 0 ? out.subarray(0, n) : null;
}

/** Adds the view of segment [start, end) when it decoded to text other than the segment itself. */
function add(out: DecodedView[], text: string, encoding: string, start: number, end: number, decoded: string | null) {
  if (decoded !== null && !(decoded.length === end - start && text.startsWith(decoded, start))) {
    out.push({ encoding, text: decoded, start, end });
  }
}

/** Tries sticky `re` at each index of [max(from, pos), to], adding the views of its matches; the index it got to. */
function matchAt(
  text: string,
  re: RegExp,
  from: number,
  to: number,
  pos: number,
  limits: DecodeLimits,
  out: DecodedView[],
  encoding: string,
  decode: (start: number, end: number) => string | null,
): number {
  let p = Math.max(from, pos);
  while (p <= to && out.length < limits.maxSegments) {
    re.lastIndex = p;
    if (re.exec(text) === null) {
      p++;
      continue;
    }
    const end = re.lastIndex;
    if (end - p <= limits.maxSegment) add(out, text, encoding, p, end, decode(p, end));
    p = end;
  }
  return p;
}

/** Finds and decodes base64, base32, hex and percent-encoded segments of `text`. */
export function decodeSegments(text: string, limits: DecodeLimits = DEFAULT_DECODE_LIMITS): DecodedView[] {
  const out: DecodedView[] = [];
  const { base64, base32, hex, percent } = candidates(text);
  for (let j = 0; j < base64.length && out.length < limits.maxSegments; j += 3) {
    const start = base64[j] as number;
    const end = base64[j + 1] as number;
    if (end - start > limits.maxSegment || base64[j + 2] === 0) continue;
    add(out, text, "base64", start, end, asText(decodeBits(text, start, end, VALUE, 6)));
  }
  for (let j = 0; j < base32.length && out.length < limits.maxSegments; j += 3) {
    const start = base32[j] as number;
    const end = base32[j + 1] as number;
    if (end - start > limits.maxSegment || base32[j + 2] === 0) continue;
    add(out, text, "base32", start, end, asText(decodeBits(text, start, end, BASE32_VALUE, 5)));
  }
  let pos = 0;
  for (let j = 0; j < hex.length; j += 2) {
    pos = matchAt(text, HEX_AT, hex[j] as number, hex[j + 1] as number, pos, limits, out, "hex", (start, end) => {
      const bytes = decodeHex(text, start, end);
      return bytes === null ? null : asText(bytes);
    });
  }
  if (percent.length >= 3) {
    pos = 0;
    for (const p of percent) {
      pos = matchAt(text, PERCENT_AT, p, p, pos, limits, out, "url", (start, end) => {
        try {
          return decodeURIComponent(text.slice(start, end));
        } catch {
          return null;
        }
      });
    }
  }
  return out;
}

/** ROT13 of ASCII letters. */
export function rot13(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) out += String.fromCharCode(((c - 0x41 + 13) % 26) + 0x41);
    else if (c >= 0x61 && c <= 0x7a) out += String.fromCharCode(((c - 0x61 + 13) % 26) + 0x61);
    else out += text[i];
  }
  return out;
}

const COMMON_WORDS = new Set(
  (
    "the be to of and a in that have i it for not on with he as you do at this but his by from they we say her she or " +
    "an will my one all would there their what so up out if about who get which go me when make can like time no just " +
    "him know take people into year your good some could them see other than then now look only come its over think " +
    "also back after use two how our work first well way even new want because any these give day most us is are was " +
    "ignore instructions previous tell please write answer print say"
  ).split(" "),
);

/** Fraction of the words of `text` (letters only, length ≥ 1) that are common English words. */
export function commonWordRatio(text: string, maxWords = 400): number {
  let words = 0;
  let common = 0;
  const re = /[A-Za-z]+/g;
  for (let m = re.exec(text); m !== null && words < maxWords; m = re.exec(text)) {
    words++;
    if (COMMON_WORDS.has(m[0].toLowerCase())) common++;
  }
  return words === 0 ? 0 : common / words;
}

/**
 * A ROT13 view when the text looks like rotated English: few common words as written, many after rotation. Only the
 * first `maxChars` are considered for the decision.
 */
export function rot13View(text: string, maxChars = 4096): DecodedView | null {
  const head = text.length > maxChars ? text.slice(0, maxChars) : text;
  const before = commonWordRatio(head);
  if (before > 0.2) return null;
  const rotatedHead = rot13(head);
  const after = commonWordRatio(rotatedHead);
  if (after < 0.25 || after < before + 0.15) return null;
  return { encoding: "rot13", text: rot13(text), start: 0, end: text.length };
}

/** Leet characters and the letters they stand for. */
export const LEET: Readonly<Record<string, string>> = {
  "0": "o",
  "1": "i",
  "3": "e",
  "4": "a",
  "5": "s",
  "7": "t",
  "8": "b",
  "9": "g",
  "@": "a",
  $: "s",
  "!": "i",
  "|": "l",
  "+": "t",
  "€": "e",
};
const LEET_TOKEN = /[A-Za-z0-9@$!|+€]+/g;
const LETTER = 1;
const LEET_CHAR = 2;
const LEET_CLASS = new Uint8Array(128);
for (let c = 0x41; c <= 0x7a; c++) if (c <= 0x5a || c >= 0x61) LEET_CLASS[c] = LETTER;
for (const ch of "0123456789@$!|+") LEET_CLASS[ch.charCodeAt(0)] = LEET_CHAR;

/** LETTER for [A-Za-z], LEET_CHAR for [0-9@$!|+€], 0 otherwise. */
function leetClass(c: number): number {
  return c < 128 ? (LEET_CLASS[c] as number) : c === 0x20ac ? LEET_CHAR : 0;
}

/**
 * A leetspeak-folded view. Tokens that mix letters with leet digits or symbols ("1gn0r3", "pr3v!0us") are mapped back
 * to letters; when such tokens are frequent (at least `denseShare` of all tokens) the text is treated as written in
 * leetspeak and short all-digit tokens are folded too ("15" → "is"). Null when fewer than `minShare` of the tokens are leet
 * (ordinary text with a few "Q3" or "B2B" tokens is not worth a second pass).
 */
export function leetView(text: string, minShare = 0.1, denseShare = 0.3): DecodedView | null {
  let tokens = 0;
  let mixed = 0;
  // One pass over the chars (the tokens of LEET_TOKEN); only tokens with both a letter and a leet char are checked
  // further, so ordinary prose costs no regex work.
  let kinds = 0;
  let start = 0;
  for (let i = 0; i <= text.length; i++) {
    // A space after the last char ends the last token.
    const k = i < text.length ? leetClass(text.charCodeAt(i)) : 0;
    if (k !== 0) {
      if (kinds === 0) start = i;
      kinds |= k;
    } else if (kinds !== 0) {
      tokens++;
      if (kinds === (LETTER | LEET_CHAR) && isMixed(text, start, i)) mixed++;
      kinds = 0;
    }
  }
  if (mixed < 2 || mixed < tokens * minShare) return null;
  const dense = mixed >= tokens * denseShare;
  const out = text.replace(LEET_TOKEN, (tok) => {
    const core = tok.replace(/[!+]+$/, "");
    if (!/[0-9@$!|+€]/.test(core)) return tok;
    if (!isMixed(tok, 0, tok.length) && !(dense && /^[0-9]{1,3}$/.test(core))) return tok;
    let folded = "";
    for (const ch of core) folded += LEET[ch] ?? ch;
    return folded + tok.slice(core.length);
  });
  return { encoding: "leet", text: out, start: 0, end: text.length };
}

/** Numbers with an ordinal or unit suffix ("21st", "3rd", "10kg", "5pm") are not leetspeak. */
const ORDINAL_OR_UNIT = /^[0-9]*(?:1st|2nd|3rd|[0-9]th|[0-9](?:k|m|g|kg|km|cm|mm|ml|am|pm|gb|mb|kb|px|ms|s|x|d|h|v))$/i;

/** Whether token text[start, end), without trailing "!" and "+", mixes letters and leet chars and is no ordinal or unit. */
function isMixed(text: string, start: number, end: number): boolean {
  let coreEnd = end;
  while (coreEnd > start && (text.charCodeAt(coreEnd - 1) === 0x21 || text.charCodeAt(coreEnd - 1) === 0x2b)) coreEnd--;
  let kinds = 0;
  for (let i = start; i < coreEnd; i++) kinds |= leetClass(text.charCodeAt(i));
  if (kinds !== (LETTER | LEET_CHAR)) return false;
  const first = text.charCodeAt(start);
  return !(first >= 0x30 && first <= 0x39 && ORDINAL_OR_UNIT.test(text.slice(start, coreEnd)));
}
