/**
 * The PII engine: one RE2 set pass tells which pattern recognisers can match, only those run (on candidate windows
 * when the recogniser has an exact prefilter, see windows.ts; else over the whole text), their matches are validated
 * (checksums, ranges) and raised by context words, names and places come from the name recogniser, and overlaps are
 * resolved by score (then length). Never throws on any string. `detectPii` (detect.ts) is the public door.
 */
import RE2 from "re2";
import { boosted, contextWordsOf, hasContext } from "./context.ts";
import { detectNames } from "./names.ts";
import { type Candidate, type Match, PATTERN_RECOGNIZERS, type PatternRecognizer } from "./recognizers.ts";
import { DEFAULT_MIN_SCORE, type DetectOptions, type PiiEntity } from "./types.ts";
import { digitRunsOf, type WindowKind, type Windows, windowsOf } from "./windows.ts";

const PREFILTER = new RE2.Set(PATTERN_RECOGNIZERS.map((r) => r.source));

interface Scored extends Candidate {
  type: string;
  order: number;
}

/**
 * The engine behind `detectPii`. With `windows` false every selected pattern scans the whole text: the reference the
 * windowed prefilter is tested against (same entities) and the benchmark's before/after baseline.
 */
export function detectWith(text: string, opts: DetectOptions, windows: boolean): PiiEntity[] {
  if (typeof text !== "string" || text.length === 0) return [];
  const want = opts.entities ? new Set(opts.entities) : undefined;
  const minScore = opts.minScore ?? DEFAULT_MIN_SCORE;
  const extra = opts.context ? contextWordsOf(opts.context) : [];
  const found: Scored[] = [];
  const windowed = new Map<WindowKind, Windows>();
  let digitRuns: number[] | undefined;
  const runs = (): number[] => {
    digitRuns ??= digitRunsOf(text);
    return digitRuns;
  };
  for (const idx of PREFILTER.match(text)) {
    const r = PATTERN_RECOGNIZERS[idx]!;
    if (want && !want.has(r.type)) continue;
    let scanned = text;
    let w: Windows | undefined;
    if (windows && r.windows) {
      w = windowed.get(r.windows) ?? windowsOf(text, r.windows, runs);
      windowed.set(r.windows, w);
      scanned = w.joined;
    }
    let piece = 0;
    for (const m of locate(r, scanned)) {
      if (w) {
        // Matches come in order: move to the window holding this one, then shift to text offsets.
        while (piece + 1 < w.joinedStarts.length && w.joinedStarts[piece + 1]! <= m.index) piece++;
        m.index += w.textStarts[piece]! - w.joinedStarts[piece]!;
      }
      const c = r.check(text, m);
      if (!c) continue;
      const ctx = hasContext(text, c.start, c.end, r.context) || extra.some((wd) => r.context.has(wd));
      const score = ctx ? boosted(c.score) : c.score;
      if (score >= minScore) found.push({ start: c.start, end: c.end, score, type: r.type, order: idx });
    }
  }
  if (!want || want.has("PERSON") || want.has("LOCATION")) {
    for (const n of detectNames(text, extra)) {
      if ((!want || want.has(n.type)) && n.score >= minScore) found.push({ ...n, order: PATTERN_RECOGNIZERS.length });
    }
  }
  return resolveOverlaps(found).map((c) => ({
    type: c.type,
    start: c.start,
    end: c.end,
    score: Math.round(c.score * 1000) / 1000,
    text: text.slice(c.start, c.end),
  }));
}

const isWordChar = (c: number): boolean =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;

/**
 * Every match of a recogniser with its position. One native `match` call returns all matched strings (node-re2 pays
 * a fixed cost per call, so per-match `exec` loops are several times slower); each string is then located with
 * `indexOf` from the end of the previous one. RE2's matches are leftmost and non-overlapping, so the first occurrence
 * is the match unless it sits against a word character where the pattern's `\b` could not hold; such occurrences
 * are skipped (a glued match would be rejected by every validator anyway).
 */
function* locate(r: PatternRecognizer, text: string): Generator<Match> {
  const found = text.match(r.re as unknown as RegExp);
  if (!found) return;
  let cursor = 0;
  for (const s of found) {
    if (s.length === 0) continue;
    const glueStart = isWordChar(s.charCodeAt(0));
    const glueEnd = r.endBoundary && isWordChar(s.charCodeAt(s.length - 1));
    let p = text.indexOf(s, cursor);
    while (
      p >= 0 &&
      ((glueStart && isWordChar(text.charCodeAt(p - 1))) || (glueEnd && isWordChar(text.charCodeAt(p + s.length))))
    ) {
      p = text.indexOf(s, p + 1);
    }
    if (p < 0) continue;
    cursor = p + s.length;
    const groups = r.groups?.exec(s);
    yield groups ? { 0: s, 1: groups[1], 2: groups[2], index: p } : { 0: s, index: p };
  }
}

const better = (a: Scored, b: Scored): number =>
  b.score - a.score || b.end - b.start - (a.end - a.start) || a.order - b.order || a.start - b.start;

/** Keeps, within each cluster of overlapping candidates, the best-scoring non-overlapping ones; sorted by start. */
function resolveOverlaps(cands: Scored[]): Scored[] {
  cands.sort((a, b) => a.start - b.start || b.end - a.end);
  const out: Scored[] = [];
  let i = 0;
  while (i < cands.length) {
    let clusterEnd = cands[i]!.end;
    let j = i + 1;
    while (j < cands.length && cands[j]!.start < clusterEnd) clusterEnd = Math.max(clusterEnd, cands[j++]!.end);
    if (j === i + 1) {
      out.push(cands[i]!);
      i = j;
      continue;
    }
    const cluster = cands.slice(i, j).sort(better);
    const kept: Scored[] = [];
    for (const c of cluster) if (kept.every((k) => c.end <= k.start || c.start >= k.end)) kept.push(c);
    out.push(...kept.sort((a, b) => a.start - b.start));
    i = j;
  }
  return out;
}
