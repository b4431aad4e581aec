/**
 * Decoding of obfuscated segments for rescanning: base64/base64url, base32, hex, URL percent-encoding, ROT13 and
 * leetspeak. Each decoder returns "views" of the text; the detector normalises and rescans every view, recursively up to
 * a depth limit and within a total byte budget, so nested encodings cannot blow up time or memory.
 */

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
  if (bytes.length < 4) return null;
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return null;
  }
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

const BASE64 = /[A-Za-z0-9+/_-]{16,}={0,2}/g;
const BASE32 = /[A-Z2-7]{16,}={0,6}/g;
const HEX = /(?:(?:0x|\\x)?[0-9a-fA-F]{2}[\s,:]?){8,}/g;
const PERCENT = /(?:%[0-9a-fA-F]{2}[^%\s]{0,3}){3,}/g;

function decodeBase32(s: string): Uint8Array {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  const clean = s.replace(/=+$/, "");
  const out = new Uint8Array(Math.floor((clean.length * 5) / 8));
  let bits = 0;
  let value = 0;
  let index = 0;
  for (let i = 0; i < clean.length; i++) {
    value = (value << 5) | alphabet.indexOf(clean[i] as string);
    bits += 5;
    if (bits >= 8) {
      out[index++] = (value >>> (bits - 8)) & 0xff;
      bits -= 8;
    }
  }
  return out.subarray(0, index);
}

function scan(
  text: string,
  re: RegExp,
  limits: DecodeLimits,
  out: DecodedView[],
  encoding: string,
  decode: (segment: string) => string | null,
): void {
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (out.length >= limits.maxSegments) return;
    const seg = m[0];
    if (seg.length > limits.maxSegment) continue;
    const decoded = decode(seg);
    if (decoded !== null && decoded !== seg) {
      out.push({ encoding, text: decoded, start: m.index, end: m.index + seg.length });
    }
  }
}

const B64_CHAR = new Uint8Array(128);
for (const ch of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/_-") B64_CHAR[ch.charCodeAt(0)] = 1;
const HEX_CHAR = new Uint8Array(128);
for (const ch of "0123456789abcdefABCDEF") HEX_CHAR[ch.charCodeAt(0)] = 1;
const HEX_GAP = new Uint8Array(128);
for (const ch of " \t\n\r\v\f,:x\\") HEX_GAP[ch.charCodeAt(0)] = 1;

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

/**
 * Necessary conditions for the segment regexes, in one pass over the chars: a run of 16+ base64 chars (base64 and
 * base32), 16+ hex digits separated by at most 3 separator or prefix chars (hex), three or more "%" (URL encoding).
 * Prose rarely meets them, so most texts skip the regex scans.
 */
function candidateShapes(text: string): { base64Run: boolean; hexRun: boolean; percents: number } {
  let b64 = 0;
  let base64Run = false;
  let hexDigits = 0;
  let gap = 0;
  let hexRun = false;
  let percents = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 128 && B64_CHAR[c] === 1) {
      if (++b64 >= 16) base64Run = true;
    } else b64 = 0;
    if (c < 128 && HEX_CHAR[c] === 1) {
      gap = 0;
      if (++hexDigits >= 16) hexRun = true;
    } else if ((c < 128 ? HEX_GAP[c] === 1 : isUnicodeSpace(c)) && ++gap <= 3) {
      // a separator or 0x / \x prefix between hex pairs
    } else {
      hexDigits = 0;
      gap = 0;
    }
    if (c === 0x25) percents++;
  }
  return { base64Run, hexRun, percents };
}

/** Finds and decodes base64, base32, hex and percent-encoded segments of `text`. */
export function decodeSegments(text: string, limits: DecodeLimits = DEFAULT_DECODE_LIMITS): DecodedView[] {
  const out: DecodedView[] = [];
  const shape = candidateShapes(text);
  if (shape.base64Run) {
    scan(text, BASE64, limits, out, "base64", (seg) => {
      if (!/[0-9+/]/.test(seg) && !/[a-z]/.test(seg)) return null;
      return asText(Buffer.from(seg.replace(/-/g, "+").replace(/_/g, "/"), "base64"));
    });
    scan(text, BASE32, limits, out, "base32", (seg) => (/[2-7]/.test(seg) ? asText(decodeBase32(seg)) : null));
  }
  if (shape.hexRun) {
    scan(text, HEX, limits, out, "hex", (seg) => {
      const hex = seg.replace(/0x|\\x|[\s,:]/g, "");
      return hex.length % 2 === 0 ? asText(Buffer.from(hex, "hex")) : null;
    });
  }
  if (shape.percents >= 3)
    scan(text, PERCENT, limits, out, "url", (seg) => {
      try {
        return decodeURIComponent(seg);
      } catch {
        return null;
      }
    });
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

const LEET: Record<string, string> = {
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
  let inToken = false;
  let letter = false;
  let leet = false;
  let start = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 0x20;
    const isLetter = (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
    const isLeet =
      (c >= 0x30 && c <= 0x39) || c === 0x40 || c === 0x24 || c === 0x21 || c === 0x7c || c === 0x2b || c === 0x20ac;
    if (isLetter || isLeet) {
      if (!inToken) {
        inToken = true;
        letter = false;
        leet = false;
        start = i;
      }
      if (isLetter) letter = true;
      else leet = true;
      continue;
    }
    if (!inToken) continue;
    inToken = false;
    tokens++;
    if (letter && leet && isMixed(text.slice(start, i))) mixed++;
  }
  if (mixed < 2 || mixed < tokens * minShare) return null;
  const dense = mixed >= tokens * denseShare;
  const out = text.replace(LEET_TOKEN, (tok) => {
    const core = tok.replace(/[!+]+$/, "");
    if (!/[0-9@$!|+€]/.test(core)) return tok;
    if (!isMixed(tok) && !(dense && /^[0-9]{1,3}$/.test(core))) return tok;
    let folded = "";
    for (const ch of core) folded += LEET[ch] ?? ch;
    return folded + tok.slice(core.length);
  });
  return { encoding: "leet", text: out, start: 0, end: text.length };
}

/** Numbers with an ordinal or unit suffix ("21st", "3rd", "10kg", "5pm") are not leetspeak. */
const ORDINAL_OR_UNIT = /^[0-9]*(?:1st|2nd|3rd|[0-9]th|[0-9](?:k|m|g|kg|km|cm|mm|ml|am|pm|gb|mb|kb|px|ms|s|x|d|h|v))$/i;

function isMixed(tok: string): boolean {
  const core = tok.replace(/[!+]+$/, "");
  return /[A-Za-z]/.test(core) && /[0-9@$!|+€]/.test(core) && !ORDINAL_OR_UNIT.test(core);
}
