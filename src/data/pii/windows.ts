/**
 * Candidate windows: a cheap JavaScript prefilter for the pattern recognisers that fire on most text (email, card,
 * IBAN, SSN, IPv4, phone). Instead of running each of these RE2 patterns over the whole text, the engine runs it once
 * over the concatenation of the short windows that could hold a match, found from the digit runs (or '@' signs).
 *
 * The windows are exact, not heuristic: every match of the pattern in the whole text lies inside a window; each
 * window is taken with one character of context on each side and the pieces are joined with NUL (which no windowed
 * pattern can consume), so the pattern finds the same matches, in the same order, as on the whole text. Two kinds:
 * - alphabet runs (digits: card, SSN, IPv4, phone; '@': email): a match consists only of characters of a small
 *   alphabet, so it lies inside a maximal run of them that contains its anchor (a digit, '@'). The context
 *   characters are outside the alphabet: RE2 cannot consume them and `\b` sees the same neighbours as in the text.
 *   Runs that cannot hold a match are skipped: every branch of these patterns has two digit groups or a group of
 *   eight digits or more (card: 13 digits; SSN: 9; IPv4: four groups; phone: `\(\d+\)\d`, `\d[ .-]\d` or `\d{8,15}`).
 * - fixed starts (IBAN): a match starts at two ASCII letters after a word boundary followed by a digit run and is
 *   at most 49 characters long; overlapping windows are merged, so RE2's left-to-right scan over a merged window is
 *   the whole text's. This needs a pattern without assertions at its end (the IBAN pattern has none).
 */

/** Windows of one text joined into one string: piece `k` starts at `joinedStarts[k]` and at `textStarts[k]`. */
export interface Windows {
  joined: string;
  joinedStarts: number[];
  textStarts: number[];
}

/** The windowing rules, by the recognisers that use them. */
export type WindowKind = "digits" | "email" | "iban";

/** Separator between pieces: no windowed pattern matches NUL, and it is not a word character. */
const SEP = "\u0000";

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isAsciiLetter = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
/** RE2's `\w` (ASCII): what `\b` looks at. */
const isWord = (c: number): boolean => isDigit(c) || isAsciiLetter(c) || c === 95;

/**
 * Characters of a phone match (digits, `[ .-]`, parentheses, '+', `\s` and the extension's "x"/"ext."); card
 * (`[0-9 -]`), SSN (`[0-9 .-]`) and IPv4 (`[0-9.]`) matches use a subset.
 */
function digitPatternChar(c: number): boolean {
  return (
    isDigit(c) ||
    c === 32 ||
    c === 46 ||
    c === 45 ||
    c === 40 ||
    c === 41 ||
    c === 43 ||
    (c >= 9 && c <= 13) ||
    c === 120 ||
    c === 101 ||
    c === 116
  );
}

/** Characters of an email match: `[A-Za-z0-9._%+'-]` and '@'. */
function emailChar(c: number): boolean {
  return (
    isDigit(c) || isAsciiLetter(c) || c === 46 || c === 95 || c === 37 || c === 43 || c === 39 || c === 45 || c === 64
  );
}

/** Longest match of the IBAN pattern `[A-Za-z]{2}\d{2} ?[A-Za-z0-9]{4}(?: ?[A-Za-z0-9]{1,4}){1,8}`. */
const IBAN_MAX_MATCH = 2 + 2 + 1 + 4 + 8 * 5;

const DIGIT_RUN = /\d+/g;

/** Maximal runs of `alphabet` around each anchor (flat `[start, end, ...]`), kept when `keep` says so. */
function alphabetRuns(
  text: string,
  anchors: Iterable<[number, number]>,
  alphabet: (c: number) => boolean,
  keep: (anchorCount: number, longestAnchor: number) => boolean,
): number[] {
  const out: number[] = [];
  let a = -1;
  let b = -1;
  let count = 0;
  let longest = 0;
  const flush = (): void => {
    if (b >= 0 && keep(count, longest)) out.push(a, b);
  };
  for (const [s, e] of anchors) {
    if (s < b) {
      count++;
      longest = Math.max(longest, e - s);
      continue;
    }
    flush();
    a = s;
    while (a > 0 && alphabet(text.charCodeAt(a - 1))) a--;
    b = e;
    while (b < text.length && alphabet(text.charCodeAt(b))) b++;
    count = 1;
    longest = e - s;
  }
  flush();
  return out;
}

/** The digit runs of `text` (ASCII 0-9, RE2's `\d`) as flat `[start, end, ...]` offsets. */
export function digitRunsOf(text: string): number[] {
  const out: number[] = [];
  DIGIT_RUN.lastIndex = 0;
  for (let m = DIGIT_RUN.exec(text); m !== null; m = DIGIT_RUN.exec(text)) out.push(m.index, DIGIT_RUN.lastIndex);
  return out;
}

function* pairs(flat: readonly number[]): Generator<[number, number]> {
  for (let k = 0; k < flat.length; k += 2) yield [flat[k]!, flat[k + 1]!];
}

function* atSigns(text: string): Generator<[number, number]> {
  for (let at = text.indexOf("@"); at >= 0; at = text.indexOf("@", at + 1)) yield [at, at + 1];
}

function ibanStarts(text: string, runs: readonly number[]): number[] {
  const out: number[] = [];
  for (const [s, e] of pairs(runs)) {
    if (e - s < 2 || s < 2) continue;
    if (!isAsciiLetter(text.charCodeAt(s - 1)) || !isAsciiLetter(text.charCodeAt(s - 2))) continue;
    if (s >= 3 && isWord(text.charCodeAt(s - 3))) continue;
    const a = s - 2;
    const b = Math.min(text.length, a + IBAN_MAX_MATCH);
    if (out.length > 0 && a <= out[out.length - 1]!) out[out.length - 1] = b;
    else out.push(a, b);
  }
  return out;
}

/** The windows of `text` for one rule, joined (see the file comment); `runs` gives the text's digit runs. */
export function windowsOf(text: string, kind: WindowKind, runs: () => readonly number[]): Windows {
  let flat: number[];
  if (kind === "email") flat = alphabetRuns(text, atSigns(text), emailChar, () => true);
  else if (kind === "iban") flat = ibanStarts(text, runs());
  else {
    flat = alphabetRuns(text, pairs(runs()), digitPatternChar, (count, longest) => count > 1 || longest >= 8);
  }
  const pieces: string[] = [];
  const joinedStarts: number[] = [];
  const textStarts: number[] = [];
  let at = 0;
  for (let k = 0; k < flat.length; k += 2) {
    const from = Math.max(0, flat[k]! - 1);
    const piece = text.slice(from, Math.min(text.length, flat[k + 1]! + 1));
    joinedStarts.push(at);
    textStarts.push(from);
    pieces.push(piece);
    at += piece.length + 1;
  }
  return { joined: pieces.join(SEP), joinedStarts, textStarts };
}
