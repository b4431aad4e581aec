/**
 * Context-word score enhancement in the manner of Microsoft Presidio's context-aware enhancer: a weak pattern match is
 * raised when a word tied to its type (for example "ssn", "phone", "passport") appears in a small window around it.
 */

/** Characters before and after a match searched for context words. */
const BEFORE = 56;
const AFTER = 24;

/** Score increase when a context word is present (Presidio's default is 0.35). */
export const CONTEXT_BOOST = 0.35;
/** Floor for a match that has a context word (so weak patterns with clear context reach the default threshold). */
export const CONTEXT_FLOOR = 0.6;

function isWordChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c > 0x7f;
}

/** A set of context words with cheap pre-checks (first letters, longest word) to avoid slicing most words. */
export class ContextWords {
  readonly size: number;
  private readonly words: ReadonlySet<string>;
  private readonly firsts: ReadonlySet<number>;
  private readonly maxLength: number;

  constructor(words: Iterable<string>) {
    const list = [...words].map((w) => w.toLowerCase());
    this.words = new Set(list);
    this.size = this.words.size;
    this.firsts = new Set(list.map((w) => w.charCodeAt(0)));
    this.maxLength = Math.max(0, ...list.map((w) => w.length));
  }

  /** True when `text[s, e)`, lower-cased, is one of the words. */
  hasSlice(text: string, s: number, e: number): boolean {
    if (e - s > this.maxLength) return false;
    const c = text.charCodeAt(s);
    if (!this.firsts.has(c >= 65 && c <= 90 ? c + 32 : c) && c < 0x80) return false;
    return this.words.has(text.slice(s, e).toLowerCase());
  }

  has(word: string): boolean {
    return this.words.has(word);
  }
}

/** True when a word of `text[from, to)` (split on anything not a letter or digit) is in `context`. */
function anyWordIn(text: string, from: number, to: number, context: ContextWords): boolean {
  let i = from;
  while (i < to) {
    while (i < to && !isWordChar(text.charCodeAt(i))) i++;
    const s = i;
    while (i < to && isWordChar(text.charCodeAt(i))) i++;
    if (i > s && context.hasSlice(text, s, i)) return true;
  }
  return false;
}

/** True when one of `context` occurs as a whole word near `[start, end)`. */
export function hasContext(text: string, start: number, end: number, context: ContextWords): boolean {
  if (context.size === 0) return false;
  let from = Math.max(0, start - BEFORE);
  while (from > 0 && isWordChar(text.charCodeAt(from - 1))) from--;
  let to = Math.min(text.length, end + AFTER);
  while (to < text.length && isWordChar(text.charCodeAt(to))) to++;
  return anyWordIn(text, from, start, context) || anyWordIn(text, end, to, context);
}

/** Lower-cased words of a context string, splitting on non-letters and camelCase ("firstName" gives first, name). */
export function contextWordsOf(context: string): string[] {
  return context
    .replace(/([a-z])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w !== "" && w.length <= 40)
    .slice(0, 16);
}

/** Applies the context boost to a score. */
export function boosted(score: number): number {
  return Math.min(1, Math.max(score + CONTEXT_BOOST, CONTEXT_FLOOR));
}
