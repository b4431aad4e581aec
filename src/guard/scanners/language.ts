/**
 * Scanner "language": an allow-list of languages. Detection is by Unicode script (Han, Hiragana/Katakana, Hangul,
 * Cyrillic, Greek, Arabic, Hebrew, Devanagari, Thai) and, for Latin-script text, by counts of the most frequent
 * function words of English, French, German, Spanish, Italian, Portuguese and Dutch. Codes are ISO 639-1.
 */
import type { Scanner } from "../types.ts";
import { makeResult } from "./result.ts";

const STOPWORDS: Record<string, string> = {
  en: "the and of to is in that it for you was with on are this be have not but what they his from",
  fr: "le la les et des est une pour que qui dans pas sur avec ce il elle nous vous sont mais ou du au",
  de: "der die das und ist nicht ein eine zu den mit sich auf für ich sie es dem von wir auch wird",
  es: "el la los las y es en que un una por con para del se no su al lo como pero más",
  it: "il lo la gli le e è di che un una per non con sono del della nel ma anche come questo",
  pt: "o a os as e é de que um uma para com não em do da no na por mais se como",
  nl: "de het een en is van dat niet op te zijn met voor hij ik je ze er maar ook als",
};
const WORDS = new Map<string, string[]>();
for (const [lang, list] of Object.entries(STOPWORDS)) {
  for (const w of list.split(" ")) WORDS.set(w, [...(WORDS.get(w) ?? []), lang]);
}

const SCRIPTS: Array<[string, RegExp]> = [
  ["ja", /[\u3040-\u30ff]/g],
  ["zh", /[\u4e00-\u9fff]/g],
  ["ko", /[\uac00-\ud7af]/g],
  ["ru", /[\u0400-\u04ff]/g],
  ["el", /[\u0370-\u03ff]/g],
  ["ar", /[\u0600-\u06ff]/g],
  ["he", /[\u0590-\u05ff]/g],
  ["hi", /[\u0900-\u097f]/g],
  ["th", /[\u0e00-\u0e7f]/g],
];

/** Best-guess language of `text` (ISO 639-1) with a confidence, or "und" when undecidable. */
export function detectLanguage(text: string): { language: string; confidence: number } {
  const sample = text.length > 20000 ? text.slice(0, 20000) : text;
  const latin = (sample.match(/[A-Za-z\u00c0-\u024f]/g) ?? []).length;
  let bestScript = "";
  let bestCount = 0;
  for (const [lang, re] of SCRIPTS) {
    const n = (sample.match(re) ?? []).length;
    if (n > bestCount) {
      bestScript = lang;
      bestCount = n;
    }
  }
  if (bestScript === "zh" && (sample.match(/[\u3040-\u30ff]/g) ?? []).length > 0) bestScript = "ja";
  if (bestCount > latin) return { language: bestScript, confidence: bestCount / (bestCount + latin) };
  const counts: Record<string, number> = {};
  let words = 0;
  for (const m of sample.toLowerCase().matchAll(/[a-zà-ÿ]+/g)) {
    words++;
    for (const lang of WORDS.get(m[0]) ?? []) counts[lang] = (counts[lang] ?? 0) + 1;
  }
  const ranked = Object.entries(counts).sort((a, b) => b[1] - a[1]);
  const top = ranked[0];
  if (!top || words < 3 || top[1] < 2) return { language: "und", confidence: 0 };
  const second = ranked[1]?.[1] ?? 0;
  return { language: top[0], confidence: (top[1] - second) / top[1] };
}

/** Flags text whose detected language is not in `allow` (undecidable text passes). */
export function languageScanner(opts: { allow: string[]; direction?: "input" | "output" }): Scanner {
  const allow = new Set(opts.allow.map((l) => l.toLowerCase()));
  return {
    name: "language",
    direction: opts.direction ?? "input",
    scan(text) {
      const { language, confidence } = detectLanguage(text);
      const bad = allow.size > 0 && language !== "und" && !allow.has(language);
      const findings = bad ? [{ type: "language", start: 0, end: text.length, detail: `detected ${language}` }] : [];
      return makeResult("language", bad ? Math.max(0.5, confidence) : 0, 0.5, findings);
    },
  };
}
