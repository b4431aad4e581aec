/**
 * Person names and locations, by the means available offline: a gazetteer built from training data (see
 * gazetteer.ts), capitalisation features, name particles ("van der", "de la"), honorific and trigger words, and
 * context words (Presidio-style boost). Precision and recall are measured on held-out templates in BENCHMARKS.md;
 * this is a heuristic recogniser, not an NER model.
 */
import { boosted, ContextWords, hasContext } from "./context.ts";
import { gazetteer } from "./gazetteer.ts";
import type { Candidate } from "./recognizers.ts";

const words = (s: string): Set<string> => new Set(s.split(" "));
const contextWords = (s: string): ContextWords => new ContextWords(s.split(" "));

const PARTICLES = words("van der den de del della da di von la le du dos das ten ter bin ibn al el");
const TRIGGERS = words("mr mrs ms miss dr prof sir madam dear named name");
const NOT_NAMES = words(
  "i the a an my your his her our their this that these those it he she we they you and or but if when where what " +
    "who why how is are was were be please thanks hello hi dear yes no not mr mrs ms dr miss street road suite apt " +
    "box ltd inc llc name address phone email date monday tuesday wednesday thursday friday saturday sunday",
);
/** Street words: a capitalised run next to one of these is part of an address, not a person. */
const STREET = words(
  "street st avenue ave road rd lane ln drive dr boulevard blvd way place pl square sq court ct terrace close " +
    "rue via calle rua avenida piazza viale strasse straße str platz weg laan straat gade gata vej utca ulica " +
    "plaza camino allee chaussee highway hwy parkway",
);
const PERSON_CONTEXT = contextWords(
  "name named names mr mrs ms miss dr dear hi hello hey called sincerely regards partner friend wife husband mother " +
    "father son daughter brother sister mom dad uncle aunt colleague boss manager founders starring directed patient " +
    "customer employee signed author",
);
const LOCATION_CONTEXT = contextWords(
  "in at from near visit visiting lives live living city country town village moved travel trip arrived originally " +
    "grew born where located region province",
);

interface Tok {
  start: number;
  end: number;
  lower: string;
  cap: boolean;
  lowerCase: boolean;
}

const isUpperLetter = (ch: string): boolean => ch !== ch.toLowerCase() && ch === ch.toUpperCase();

/** Letter test without regexes: ASCII letters, and non-ASCII outside the punctuation, symbol and space blocks. */
function isLetter(c: number): boolean {
  if (c < 0x80) return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
  return !(c <= 0xbf || (c >= 0x2000 && c <= 0x2bff) || (c >= 0x3000 && c <= 0x303f) || c === 0xd7 || c === 0xf7);
}

const isInner = (c: number): boolean => c === 39 || c === 0x2019 || c === 46 || c === 45;

/** Reads the token starting at `start` (a letter) into `out` unless skipped; returns where the token ends. */
function readToken(text: string, start: number, capitalisedOnly: boolean, out: Tok[]): number {
  const n = text.length;
  let i = start + 1;
  while (i < n && (isLetter(text.charCodeAt(i)) || isInner(text.charCodeAt(i)))) i++;
  const c0 = text.charCodeAt(start);
  const upper = c0 < 0x80 ? c0 >= 65 && c0 <= 90 : isUpperLetter(text[start]!);
  if (capitalisedOnly && !upper && (i - start > 4 || !PARTICLES.has(text.slice(start, i)))) return i;
  let end = i;
  const last = text.charCodeAt(end - 1);
  const apos = text.charCodeAt(end - 2);
  if ((last === 115 || last === 83) && end - start > 2 && (apos === 39 || apos === 0x2019)) end -= 2;
  while (end > start + 1 && isInner(text.charCodeAt(end - 1))) end--;
  const w = text.slice(start, end);
  const lower = w.toLowerCase();
  out.push({ start, end, lower, cap: isUpperLetter(w[0]!), lowerCase: w === lower });
  return i;
}

/**
 * Where a capitalised token or a lower-case particle may start: an upper-case ASCII letter, any character from
 * U+00C0 (checked exactly by `readToken`), or a particle at the end of a run of ASCII letters.
 */
const CANDIDATE =
  /[A-Z\u00C0-\uFFFF]|(?:van|von|der|den|del|de|da|di|dos|das|du|la|le|ten|ter|bin|ibn|al|el)(?![A-Za-z])/g;

/** True when a token starts at `p`: a letter not continuing a token (directly or across dots, hyphens, apostrophes). */
function tokenStart(text: string, p: number): boolean {
  if (!isLetter(text.charCodeAt(p))) return false;
  let j = p - 1;
  while (j >= 0 && isInner(text.charCodeAt(j))) j--;
  return j < 0 || !isLetter(text.charCodeAt(j));
}

/**
 * Word tokens: a letter, then letters, apostrophes, dots or hyphens; trailing punctuation and "'s" dropped. When
 * `capitalisedOnly`, lower-case words are skipped (except name particles), and a regex jumps from one possible
 * capitalised token or particle to the next, which keeps long texts cheap.
 */
function tokenize(text: string, capitalisedOnly: boolean): Tok[] {
  const out: Tok[] = [];
  if (capitalisedOnly) {
    // One shared global regex: the scan is synchronous, so resetting lastIndex is enough (no per-call compile).
    CANDIDATE.lastIndex = 0;
    for (let m = CANDIDATE.exec(text); m !== null; m = CANDIDATE.exec(text)) {
      if (tokenStart(text, m.index)) CANDIDATE.lastIndex = readToken(text, m.index, true, out);
    }
    return out;
  }
  let i = 0;
  while (i < text.length) {
    if (isLetter(text.charCodeAt(i))) i = readToken(text, i, false, out);
    else i++;
  }
  return out;
}

function sentenceStart(text: string, start: number): boolean {
  let i = start - 1;
  while (i >= 0 && (text[i] === " " || text[i] === "\t" || text[i] === '"' || text[i] === "'")) i--;
  return i < 0 || ".!?\n:>".includes(text[i]!);
}

function hasUpperCase(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 65 && c <= 90) return true;
  }
  return false;
}

/**
 * "name is", "name:", "named" just before a word without dots ("Report.pdf" is a file): a trigger that also works in
 * normally cased text, where the lower-case trigger words of TRIGGERS are not tokens.
 */
const NAME_PHRASE = /\b(?:name(?:'s|\s+is|\s+was)?\s*:?|named)\s+$/i;

function namePhraseBefore(text: string, t: Tok): boolean {
  const c = text.charCodeAt(t.start - 1);
  if (!(c === 32 || c === 9) || t.lower.includes(".")) return false;
  // The phrase ends in "s", "e", "d" or ":" before the space: a cheap test that spares the regex for most words.
  const last = text.charCodeAt(t.start - 2) | 0x20;
  if (last !== 115 && last !== 101 && last !== 100 && last !== 58) return false;
  return NAME_PHRASE.test(text.slice(Math.max(0, t.start - 16), t.start));
}

const joined = (text: string, a: Tok, b: Tok): boolean => b.start - a.end === 1 && text[a.end] === " ";

/** Column words that make a short capitalised cell a name or a place. */
const NAME_COLUMN = words(
  "name names fullname firstname lastname surname forename given family customer patient person",
);
const PLACE_COLUMN = words("city town country location place region birthplace village municipality");

/** A cell of one to four capitalised words (particles allowed) and nothing else, or undefined. */
function wholeShortName(text: string, toks: Tok[]): Candidate | undefined {
  if (text.length > 120 || toks.length < 1 || toks.length > 4) return undefined;
  const first = toks[0]!;
  const last = toks.at(-1)!;
  if (text.slice(0, first.start).trim() !== "" || text.slice(last.end).replace(/\./g, "").trim() !== "")
    return undefined;
  for (const [i, t] of toks.entries()) {
    if (NOT_NAMES.has(t.lower) || !(t.cap || PARTICLES.has(t.lower))) return undefined;
    if (i > 0 && !joined(text, toks[i - 1]!, t)) return undefined;
  }
  return { start: first.start, end: last.end, score: 0.7 };
}

/**
 * Person and location candidates in `text` (before overlap resolution). `extra` holds whole-text context words (a
 * column name): they boost every candidate, and a cell of one to four capitalised words under a name-like or
 * place-like column is a PERSON or LOCATION.
 */
export function detectNames(text: string, extra: readonly string[] = []): (Candidate & { type: string })[] {
  const g = gazetteer();
  // In normally cased text names are capitalised, so lower-case words are only looked up in all-lower-case text.
  const toks = tokenize(text, hasUpperCase(text));
  const out: (Candidate & { type: string })[] = [];
  const personCtx = extra.some((w) => PERSON_CONTEXT.has(w) || NAME_COLUMN.has(w));
  const placeCtx = extra.some((w) => LOCATION_CONTEXT.has(w) || PLACE_COLUMN.has(w));
  if (extra.length > 0) {
    const cell = wholeShortName(text, toks);
    if (cell && extra.some((w) => NAME_COLUMN.has(w))) return [{ type: "PERSON", ...cell }];
    if (cell && extra.some((w) => PLACE_COLUMN.has(w))) return [{ type: "LOCATION", ...cell }];
  }
  const plain = (t: Tok): boolean => !NOT_NAMES.has(t.lower) && !PARTICLES.has(t.lower) && !STREET.has(t.lower);
  const isPerson = (t: Tok): boolean => g.personTokens.has(t.lower) && plain(t);
  const unknownCap = (t: Tok): boolean => t.cap && plain(t);

  // Persons: runs of gazetteer tokens, extended by capitalised unknowns and inner particles.
  for (let i = 0; i < toks.length; i++) {
    const ti = toks[i]!;
    const trigger = (i > 0 && TRIGGERS.has(toks[i - 1]!.lower)) || namePhraseBefore(text, ti);
    if (!isPerson(ti) && !(trigger && unknownCap(ti))) continue;
    let s = i;
    // A capitalised unknown word just before a name is a first name, even at the start of a sentence.
    while (s > 0 && joined(text, toks[s - 1]!, toks[s]!) && unknownCap(toks[s - 1]!) && toks[s]!.cap) {
      s--;
      if (sentenceStart(text, toks[s]!.start)) break;
    }
    let e = i;
    for (;;) {
      let k = e + 1;
      while (k < toks.length && PARTICLES.has(toks[k]!.lower) && joined(text, toks[k - 1]!, toks[k]!)) k++;
      const next = toks[k];
      if (!next || !joined(text, toks[k - 1]!, next)) break;
      if (isPerson(next) ? next.cap || ti.lowerCase : unknownCap(next) && ti.cap) e = k;
      else break;
    }
    let named = 0;
    let allCap = true;
    let allPerson = true;
    for (let k = s; k <= e; k++) {
      const t = toks[k]!;
      if (PARTICLES.has(t.lower)) continue;
      named++;
      allCap &&= t.cap;
      allPerson &&= isPerson(t);
    }
    let score: number;
    if (named >= 2) score = allCap ? 0.85 : allPerson ? 0.6 : 0.5;
    else if (trigger) score = 0.7;
    else if (ti.lowerCase) score = 0.35;
    else if (sentenceStart(text, ti.start) || text.slice(ti.start, ti.end) === ti.lower.toUpperCase()) score = 0.5;
    else score = 0.6;
    i = e;
    const before = toks[s - 1];
    const after = toks[e + 1];
    const inAddress =
      (before !== undefined && joined(text, before, toks[s]!) && STREET.has(before.lower)) ||
      (after !== undefined && joined(text, toks[e]!, after) && STREET.has(after.lower));
    if (inAddress) continue;
    const start = toks[s]!.start;
    let end = toks[e]!.end;
    if ((toks[e]!.lower === "jr" || toks[e]!.lower === "sr") && text[end] === ".") end++;
    out.push({
      type: "PERSON",
      start,
      end,
      score: personCtx || hasContext(text, start, end, PERSON_CONTEXT) ? boosted(score) : score,
    });
  }

  // Locations: longest gazetteer match of up to maxLocationWords words.
  for (let i = 0; i < toks.length; i++) {
    const first = toks[i]!;
    if (!g.locationFirstWords.has(first.lower)) continue;
    let key = first.lower;
    let best = g.locations.has(key) ? i : -1;
    for (let k = i + 1; k < toks.length && k - i < g.maxLocationWords && joined(text, toks[k - 1]!, toks[k]!); k++) {
      key += ` ${toks[k]!.lower}`;
      if (g.locations.has(key)) best = k;
    }
    if (best < 0) continue;
    const start = first.start;
    const end = toks[best]!.end;
    let allLower = true;
    for (let k = i; k <= best; k++) allLower &&= toks[k]!.lowerCase;
    const score = allLower ? 0.45 : 0.65;
    out.push({
      type: "LOCATION",
      start,
      end,
      score: placeCtx || hasContext(text, start, end, LOCATION_CONTEXT) ? boosted(score) : score,
    });
    i = best;
  }
  return out;
}
