/**
 * Text evasion under an edit budget: character-level perturbations (typos: adjacent swaps, deletions, keyboard-neighbour
 * substitutions; homoglyphs: Latin letters replaced by look-alike Cyrillic/Greek code points) and word-level synonym
 * swaps from a small built-in list. Greedy search in the style of TextBugger (Li et al., NDSS 2019) and DeepWordBug
 * (Gao et al. 2018): rank words by how much deleting them lowers the true-class score, then edit the most important
 * words first, keeping the edit that lowers the score most, until the label flips or the budget is spent.
 */
import type { Rng } from "../rng.ts";
import type { TextTarget } from "../targets/types.ts";
import { argmax } from "../vec.ts";

/** Which perturbations the attack may use. */
export type TextPerturbation = "typo" | "homoglyph" | "synonym";

/** Look-alike code points for Latin letters. */
export const HOMOGLYPHS: Readonly<Record<string, string>> = {
  a: "\u0430",
  c: "\u0441",
  e: "\u0435",
  i: "\u0456",
  j: "\u0458",
  o: "\u043e",
  p: "\u0440",
  s: "\u0455",
  x: "\u0445",
  y: "\u0443",
  A: "\u0391",
  B: "\u0392",
  E: "\u0395",
  H: "\u0397",
  K: "\u039a",
  M: "\u039c",
  O: "\u039f",
  P: "\u03a1",
  T: "\u03a4",
  X: "\u03a7",
};

const KEYBOARD = ["qwertyuiop", "asdfghjkl", "zxcvbnm"];

/** Small built-in synonym list (symmetric groups). */
const SYNONYM_GROUPS: readonly (readonly string[])[] = [
  ["good", "fine", "decent", "nice"],
  ["great", "excellent", "superb", "terrific"],
  ["bad", "poor", "awful", "lousy"],
  ["terrible", "horrible", "dreadful"],
  ["happy", "glad", "pleased", "content"],
  ["sad", "unhappy", "gloomy"],
  ["love", "adore", "like"],
  ["hate", "detest", "loathe", "dislike"],
  ["big", "large", "huge"],
  ["small", "little", "tiny"],
  ["fast", "quick", "rapid"],
  ["slow", "sluggish"],
  ["movie", "film", "picture"],
  ["boring", "dull", "tedious"],
  ["funny", "amusing", "hilarious"],
  ["buy", "purchase"],
  ["cheap", "inexpensive"],
  ["free", "complimentary"],
  ["money", "cash", "funds"],
  ["win", "gain"],
  ["urgent", "pressing"],
  ["click", "press"],
  ["offer", "deal"],
  ["friend", "pal", "buddy"],
  ["best", "finest", "top"],
  ["worst", "poorest"],
  ["problem", "issue", "trouble"],
  ["help", "assist", "aid"],
  ["start", "begin"],
  ["stop", "halt", "cease"],
];

const SYNONYMS: ReadonlyMap<string, readonly string[]> = new Map(
  SYNONYM_GROUPS.flatMap((g) => g.map((w) => [w, g.filter((o) => o !== w)] as const)),
);

/** Synonyms of `word` from the built-in list (case kept for a leading capital). */
export function synonymsOf(word: string): string[] {
  const list = SYNONYMS.get(word.toLowerCase()) ?? [];
  const cap = word[0] !== undefined && word[0] !== word[0].toLowerCase();
  return list.map((s) => (cap ? s[0]?.toUpperCase() + s.slice(1) : s));
}

function neighbours(ch: string): string[] {
  const lower = ch.toLowerCase();
  for (let r = 0; r < KEYBOARD.length; r++) {
    const row = KEYBOARD[r] as string;
    const i = row.indexOf(lower);
    if (i < 0) continue;
    const out: string[] = [];
    if (i > 0) out.push(row[i - 1] as string);
    if (i < row.length - 1) out.push(row[i + 1] as string);
    return out;
  }
  return [];
}

/** Candidate one-edit variants of a word for the allowed perturbations. */
export function wordCandidates(word: string, kinds: readonly TextPerturbation[], rng: Rng, max = 8): string[] {
  const out = new Set<string>();
  if (kinds.includes("synonym")) for (const s of synonymsOf(word)) out.add(s);
  if (kinds.includes("homoglyph")) {
    for (let i = 0; i < word.length; i++) {
      const h = HOMOGLYPHS[word[i] as string];
      if (h) out.add(word.slice(0, i) + h + word.slice(i + 1));
    }
  }
  if (kinds.includes("typo") && word.length > 1) {
    const typos: string[] = [];
    for (let i = 0; i < word.length - 1; i++) typos.push(word.slice(0, i) + word[i + 1] + word[i] + word.slice(i + 2));
    for (let i = 0; i < word.length; i++) typos.push(word.slice(0, i) + word.slice(i + 1));
    for (let i = 0; i < word.length; i++)
      for (const n of neighbours(word[i] as string)) typos.push(word.slice(0, i) + n + word.slice(i + 1));
    for (let k = 0; k < 4 && typos.length > 0; k++) out.add(typos.splice(rng.int(typos.length), 1)[0] as string);
  }
  out.delete(word);
  return [...out].slice(0, max);
}

/** Text attack parameters. */
export interface TextAttackOptions {
  /** Maximum words edited (default 3). */
  editBudget?: number;
  /** Allowed perturbations (default all). */
  perturbations?: readonly TextPerturbation[];
  /** Maximum queries per text (default 500). */
  queryBudget?: number;
}

/** The result of attacking one text. */
export interface TextOutcome {
  original: string;
  label: number;
  adversarial: string | null;
  edits: number;
  queries: number;
}

const WORD_RE = /[\p{L}\p{N}']+/gu;

/** Attacks one text classified as `label`. */
export async function textAttack(
  target: TextTarget,
  text: string,
  label: number,
  rng: Rng,
  opts: TextAttackOptions = {},
): Promise<TextOutcome> {
  const budget = opts.editBudget ?? 3;
  const queryBudget = opts.queryBudget ?? 500;
  const kinds = opts.perturbations ?? ["typo", "homoglyph", "synonym"];
  const spans = [...text.matchAll(WORD_RE)].map((m) => ({ start: m.index, word: m[0] }));
  let queries = 0;
  const ask = async (batch: string[]): Promise<number[][]> => {
    queries += batch.length;
    return target.predict(batch);
  };
  if (spans.length === 0) return { original: text, label, adversarial: null, edits: 0, queries };
  const words = spans.map((s) => s.word);
  const render = (ws: readonly string[]): string => {
    let out = "";
    let last = 0;
    spans.forEach((s, i) => {
      out += text.slice(last, s.start) + ws[i];
      last = s.start + s.word.length;
    });
    return out + text.slice(last);
  };
  const base = await ask([text]);
  let score = (base[0] as number[])[label] as number;
  const ablations = await ask(words.map((_, i) => render(words.map((w, j) => (j === i ? "" : w)))));
  const order = words.map((_, i) => i).sort((a, b) => rankOf(ablations, a, label) - rankOf(ablations, b, label));
  const current = words.slice();
  let edits = 0;
  for (const i of order) {
    if (edits >= budget || queries >= queryBudget) break;
    const cands = wordCandidates(current[i] as string, kinds, rng).slice(0, Math.max(0, queryBudget - queries));
    if (cands.length === 0) continue;
    const texts = cands.map((c) => render(current.map((w, j) => (j === i ? c : w))));
    const probs = await ask(texts);
    let best = -1;
    let bestKey = Number.POSITIVE_INFINITY;
    probs.forEach((p, k) => {
      const key = (p[label] as number) - (argmax(p) !== label ? 2 : 0);
      if (key < bestKey) {
        bestKey = key;
        best = k;
      }
    });
    if (best >= 0 && bestKey >= score) best = -1;
    if (best < 0) continue;
    current[i] = cands[best] as string;
    score = (probs[best] as number[])[label] as number;
    edits++;
    if (argmax(probs[best] as number[]) !== label)
      return { original: text, label, adversarial: render(current), edits, queries };
  }
  return { original: text, label, adversarial: null, edits, queries };
}

function rankOf(ablations: readonly number[][], i: number, label: number): number {
  return (ablations[i] as number[])[label] as number;
}
