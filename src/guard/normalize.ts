/**
 * Text normalisation for detection: the first layer of the prompt-attack detector. Removes and counts invisible
 * characters (zero-width, bidi controls, variation selectors, Unicode tag characters U+E0000–E007F, whose ASCII payload
 * is recovered as hidden text), replaces lone UTF-16 surrogates, applies NFKC per code point, strips combining marks
 * and folds confusable homoglyphs (Unicode TR39 "confusables", a hand-picked subset of Cyrillic, Greek, Armenian and
 * small-capital look-alikes of Latin letters). The output keeps a map back to the original offsets.
 */

/** Counts of what normalisation removed or changed. */
export interface NormalizeStats {
  zeroWidth: number;
  tags: number;
  bidi: number;
  variationSelectors: number;
  controls: number;
  loneSurrogates: number;
  confusables: number;
}

export interface Normalized {
  /** The normalised text (case preserved). */
  text: string;
  /** `offsets[i]` is the index in the original text of normalised char `i`; null when the text was unchanged. */
  offsets: Int32Array | null;
  /** ASCII smuggled in Unicode tag characters, decoded; empty when there was none. */
  hidden: string;
  stats: NormalizeStats;
}

/** Confusable homoglyph → Latin letter; every key and value is one UTF-16 unit. */
export const CONFUSABLES: Readonly<Record<string, string>> = {
  // Cyrillic
  а: "a",
  в: "b",
  е: "e",
  ё: "e",
  к: "k",
  м: "m",
  н: "h",
  о: "o",
  р: "p",
  с: "c",
  т: "t",
  у: "y",
  х: "x",
  ѕ: "s",
  і: "i",
  ї: "i",
  ј: "j",
  ԁ: "d",
  ԛ: "q",
  ԝ: "w",
  ӏ: "l",
  ү: "y",
  һ: "h",
  ɡ: "g",
  ԍ: "g",
  ь: "b",
  п: "n",
  г: "r",
  А: "A",
  В: "B",
  Е: "E",
  К: "K",
  М: "M",
  Н: "H",
  О: "O",
  Р: "P",
  С: "C",
  Т: "T",
  Х: "X",
  У: "Y",
  Ѕ: "S",
  І: "I",
  Ј: "J",
  Ԛ: "Q",
  Ԝ: "W",
  Ү: "Y",
  Һ: "H",
  Ԍ: "G",
  Ӏ: "I",
  // Greek
  α: "a",
  β: "b",
  ε: "e",
  ι: "i",
  κ: "k",
  ν: "v",
  ο: "o",
  ρ: "p",
  τ: "t",
  υ: "u",
  χ: "x",
  γ: "y",
  ω: "w",
  η: "n",
  Α: "A",
  Β: "B",
  Ε: "E",
  Ζ: "Z",
  Η: "H",
  Ι: "I",
  Κ: "K",
  Μ: "M",
  Ν: "N",
  Ο: "O",
  Ρ: "P",
  Τ: "T",
  Υ: "Y",
  Χ: "X",
  // Armenian
  օ: "o",
  ս: "u",
  հ: "h",
  ո: "n",
  ց: "g",
  զ: "q",
  ա: "w",
  // Latin look-alikes and small capitals
  ı: "i",
  ȷ: "j",
  ɑ: "a",
  ɩ: "i",
  ɪ: "i",
  ᴀ: "a",
  ʙ: "b",
  ᴄ: "c",
  ᴅ: "d",
  ᴇ: "e",
  ꜰ: "f",
  ɢ: "g",
  ʜ: "h",
  ᴊ: "j",
  ᴋ: "k",
  ʟ: "l",
  ᴍ: "m",
  ɴ: "n",
  ᴏ: "o",
  ᴘ: "p",
  ʀ: "r",
  ꜱ: "s",
  ᴛ: "t",
  ᴜ: "u",
  ᴠ: "v",
  ᴡ: "w",
  ʏ: "y",
  ᴢ: "z",
  ƅ: "b",
  ɒ: "a",
  ꞵ: "b",
};

enum Kind {
  Keep = 0,
  ZeroWidth = 1,
  Bidi = 2,
  Variation = 3,
  Control = 4,
}

function classify(cp: number): Kind {
  if (cp < 0x20) return cp === 0x09 || cp === 0x0a || cp === 0x0d ? Kind.Keep : Kind.Control;
  if (cp === 0x7f || (cp >= 0x80 && cp < 0xa0)) return Kind.Control;
  if (cp === 0xad || cp === 0x034f || cp === 0x180e || cp === 0x115f || cp === 0x1160 || cp === 0x3164) {
    return Kind.ZeroWidth;
  }
  if (cp === 0xffa0 || cp === 0xfeff || (cp >= 0x200b && cp <= 0x200d) || (cp >= 0x2060 && cp <= 0x2064)) {
    return Kind.ZeroWidth;
  }
  if (cp === 0x200e || cp === 0x200f || cp === 0x061c || (cp >= 0x202a && cp <= 0x202e)) return Kind.Bidi;
  if (cp >= 0x2066 && cp <= 0x2069) return Kind.Bidi;
  if ((cp >= 0xfe00 && cp <= 0xfe0f) || (cp >= 0xe0100 && cp <= 0xe01ef)) return Kind.Variation;
  return Kind.Keep;
}

/** Fold of one code point: NFKC with combining marks removed. */
interface Fold {
  text: string;
  /** Whether `text` holds a confusable. */
  confusable: boolean;
}

const foldCache = new Map<number, Fold>();
const MARKS = /\p{M}/gu;

/** NFKC of one code point, combining marks removed; cached. */
function foldCodePoint(cp: number): Fold {
  let out = foldCache.get(cp);
  if (out === undefined) {
    const nfkc = String.fromCodePoint(cp).normalize("NFKC");
    let text = nfkc.normalize("NFD").replace(MARKS, "").normalize("NFC");
    if (text === "" && nfkc !== "") text = nfkc.replace(MARKS, "");
    let confusable = false;
    for (const ch of text) if (CONFUSABLES[ch] !== undefined) confusable = true;
    out = { text, confusable };
    if (foldCache.size < 65536) foldCache.set(cp, out);
  }
  return out;
}

/** Every confusable, to fold them all in one replace once the text's scripts are known. */
const CONFUSABLE_G = new RegExp(`[${Object.keys(CONFUSABLES).join("")}]`, "g");

/**
 * Per BMP code unit outside ASCII and the surrogates, filled on first sight: 1 when the unit normalises to itself and
 * can be copied as part of a run (2 when it is also a confusable, folded at the end), 3 when it needs the code point
 * path (invisible, control, or changed by NFKC or mark removal), 0 not looked at yet.
 */
const STABLE = new Uint8Array(65536);

function stability(c: number): number {
  if (classify(c) !== Kind.Keep) return 3;
  const fold = foldCodePoint(c);
  if (fold.text !== String.fromCharCode(c)) return 3;
  return fold.confusable ? 2 : 1;
}

/** Any char other than tab, LF, CR and printable ASCII. */
const NOT_PLAIN = /[^\t\n\r\x20-\x7e]/;
const NOT_PLAIN_G = /[^\t\n\r\x20-\x7e]/g;
const HIDDEN_SEPARATOR = /[ \n\t]/;

/** 0, 1, 2, …: a run of plain ASCII copies its offsets from here. Grown on demand, up to 2^18 entries. */
let iota = new Int32Array(0);

function growIota(n: number): void {
  const size = Math.min(1 << 18, Math.max(n, 2 * iota.length));
  if (size <= iota.length) return;
  iota = new Int32Array(size);
  for (let i = 0; i < size; i++) iota[i] = i;
}

function isAsciiPlain(s: string): boolean {
  return !NOT_PLAIN.test(s);
}

/** True when ASCII Latin letters are at least `foreign` in number; stops counting once they are. */
function latinAtLeast(s: string, foreign: number): boolean {
  let latin = 0;
  for (let i = 0; i < s.length && latin < foreign; i++) {
    const c = s.charCodeAt(i) | 0x20;
    if (c >= 0x61 && c <= 0x7a) latin++;
  }
  return latin >= foreign;
}

function emptyStats(): NormalizeStats {
  return { zeroWidth: 0, tags: 0, bidi: 0, variationSelectors: 0, controls: 0, loneSurrogates: 0, confusables: 0 };
}

/**
 * Normalises `input` for detection. Never throws; linear time. Confusables are folded only when Latin letters
 * outnumber Cyrillic and Greek ones, so genuine Russian or Greek text is left alone.
 */
export function normalizeText(input: string): Normalized {
  if (isAsciiPlain(input)) return { text: input, offsets: null, hidden: "", stats: emptyStats() };
  const stats = emptyStats();
  const n = input.length;
  // Runs of chars that normalise to themselves are copied as slices; only the other chars are looked at one by one.
  // Confusable folding is decided at the end (it needs the whole text's script counts) and replaces one unit by one,
  // so offsets hold.
  const parts: string[] = [];
  let confusable = false;
  if (iota.length < n) growIota(n);
  let offsets = new Int32Array(n + 16);
  let len = 0;
  let hidden = "";
  let foreign = 0;
  let run = 0;
  // Start of the current stretch of plain ASCII inside the run.
  let ascii = 0;
  let i = 0;
  for (;;) {
    let cp = i < n ? input.charCodeAt(i) : -1;
    if (cp < 0x7f && (cp >= 0x20 || cp === 0x09 || cp === 0x0a || cp === 0x0d)) {
      // Inside a plain ASCII stretch: past its first few chars, let the regex find where it ends.
      if (i - ascii < 16) i++;
      else {
        NOT_PLAIN_G.lastIndex = i;
        i = NOT_PLAIN_G.test(input) ? NOT_PLAIN_G.lastIndex - 1 : n;
      }
      continue;
    }
    if (cp >= 0x80 && (cp < 0xd800 || cp > 0xdfff)) {
      let stable = STABLE[cp] as number;
      if (stable === 0) {
        stable = stability(cp);
        STABLE[cp] = stable;
      }
      if (stable < 3) {
        if (stable === 2) confusable = true;
        if (cp >= 0x370 && cp <= 0x52f) foreign++;
        ascii = ++i;
        continue;
      }
    }
    if (i > run) {
      // Visible whitespace between runs of tag characters still separates the hidden words.
      if (hidden.length > 0 && !hidden.endsWith(" ") && HIDDEN_SEPARATOR.test(input.slice(run, i))) hidden += " ";
      parts.push(input.slice(run, i));
      if (i - run >= 32 && i <= iota.length) offsets.set(iota.subarray(run, i), len);
      else for (let p = run, q = len; p < i; p++, q++) offsets[q] = p;
      len += i - run;
    }
    if (i === n) break;
    const k = i++;
    if (cp >= 0xd800 && cp <= 0xdfff) {
      const next = i < n ? input.charCodeAt(i) : 0;
      if (cp <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (next - 0xdc00);
        i++;
      } else {
        stats.loneSurrogates++;
        parts.push("\ufffd");
        offsets[len++] = k;
        run = ascii = i;
        continue;
      }
    }
    run = ascii = i;
    if (cp >= 0x370 && cp <= 0x52f) foreign++;
    if (cp >= 0xe0000 && cp <= 0xe007f) {
      stats.tags++;
      if (cp >= 0xe0020 && cp <= 0xe007e && hidden.length < 1 << 20) hidden += String.fromCharCode(cp - 0xe0000);
      continue;
    }
    const kind = classify(cp);
    if (kind !== Kind.Keep) {
      if (kind === Kind.ZeroWidth) stats.zeroWidth++;
      else if (kind === Kind.Bidi) stats.bidi++;
      else if (kind === Kind.Variation) stats.variationSelectors++;
      else stats.controls++;
      continue;
    }
    const fold = foldCodePoint(cp);
    const out = fold.text;
    if (out.length === 0) continue;
    if (len + out.length + (n - i) > offsets.length) {
      const grown = new Int32Array(Math.max(offsets.length * 2, len + out.length + (n - i)));
      grown.set(offsets.subarray(0, len));
      offsets = grown;
    }
    if (fold.confusable) confusable = true;
    parts.push(out);
    for (let p = 0; p < out.length; p++) offsets[len++] = k;
  }
  let text = parts.join("");
  if (confusable && latinAtLeast(input, foreign)) {
    text = text.replace(CONFUSABLE_G, (ch) => {
      stats.confusables++;
      return CONFUSABLES[ch] as string;
    });
  }
  return { text, offsets: offsets.subarray(0, len), hidden, stats };
}

/** Maps a [start, end) span of normalised text back to the original text. */
export function mapSpan(n: Normalized, start: number, end: number, originalLength: number): [number, number] {
  if (n.offsets === null) return [start, end];
  const o = n.offsets;
  const s = start < o.length ? (o[start] ?? originalLength) : originalLength;
  const e = end <= 0 ? 0 : end - 1 < o.length ? (o[end - 1] ?? originalLength - 1) + 1 : originalLength;
  return [s, Math.max(s, e)];
}

/** Total number of invisible or smuggling characters removed. */
export function invisibleCount(s: NormalizeStats): number {
  return s.zeroWidth + s.tags + s.bidi + s.variationSelectors;
}
