/**
 * Training of the prompt-attack classifier (used by `scripts/train-guard.ts`): multinomial logistic regression over
 * hashed features, AdaGrad (Duchi et al. 2011) with L2, class-balanced, fixed seed, fully deterministic. Long texts are
 * cut into the same windows inference scores; a window of a long attack text is labelled an attack only when it
 * overlaps a line that appears in no benign training text (the injected part of a poisoned document), and skipped
 * otherwise. The attack threshold is chosen from out-of-fold scores of a grouped k-fold cross-validation on the
 * training set (rows sharing a line stay in one fold, see `groupedFolds`). The vocabulary of benign words behind the
 * out-of-vocabulary suffix features is built here and shipped in the model file.
 */
import { WardenError } from "../core/errors.ts";
import {
  collapsedPosition,
  extractFeatures,
  type FeatureSettings,
  type FeatureStream,
  markerValueOf,
  tokenBucket,
} from "./features.ts";
import { buildVocabulary, GIBBERISH_TOKENS, type Vocabulary } from "./gibberish.ts";
import { attackMarkers } from "./markers.ts";
import {
  CLASSES,
  decodeModel,
  encodeWeights,
  type LinearModel,
  type ModelFile,
  NUM_CLASSES,
  scoreStream,
} from "./model.ts";
import { normalizeText } from "./normalize.ts";
import { SIGNATURE_TOKENS } from "./signatures.ts";

/** One labelled row of the prompt-attacks dataset. */
export interface TrainingRow {
  text: string;
  label: "attack" | "benign";
  kind: string;
}

export interface TrainSettings {
  features: FeatureSettings;
  window: number;
  /** Stride between training windows of long texts. */
  trainStride: number;
  /** Stride between inference windows. */
  stride: number;
  epochs: number;
  learningRate: number;
  l2: number;
  seed: number;
  folds: number;
  /** Buckets kept in the shipped file (largest weights). */
  maxFeatures: number;
  /** Largest out-of-fold false-positive rate allowed on benign prompts and documents when choosing the threshold. */
  targetFpr: number;
  /** Largest out-of-fold false-positive rate allowed on harmful-request rows. */
  targetHarmfulFpr: number;
  /** Size (log2 bits) of the shipped vocabulary of benign training words (out-of-vocabulary suffix features). */
  vocabularyBits: number;
  /** Occurrences in benign training text for a word to enter the vocabulary. */
  vocabularyMinCount: number;
}

/** Parts of the training rows for cross-fitting the vocabulary (see trainPromptAttackModel). */
const VOCABULARY_PARTS = 4;

export const DEFAULT_TRAIN_SETTINGS: TrainSettings = {
  features: { bits: 16, charMin: 3, charMax: 5, wordBigrams: true, markerValue: 6, dedupe: 128 },
  window: 512,
  trainStride: 256,
  stride: 64,
  epochs: 6,
  learningRate: 0.3,
  l2: 1e-5,
  seed: 20261125,
  folds: 3,
  maxFeatures: 60000,
  targetFpr: 0.0075,
  targetHarmfulFpr: 0.02,
  vocabularyBits: 17,
  vocabularyMinCount: 2,
};

/** Class index of a row: 0 benign, 1 injection (direct, indirect, encoding), 2 jailbreak. */
export function classOf(row: TrainingRow): number {
  if (row.label === "benign") return 0;
  return row.kind === "jailbreak" ? 2 : 1;
}

/** Mulberry32: a small deterministic PRNG. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Features of a text exactly as the detector computes them for the plain (undecoded) view. */
export function featuresOf(text: string, features: FeatureSettings, vocab?: Vocabulary): FeatureStream {
  const n = normalizeText(text);
  return extractFeatures(n.text, features, (c, origin) => attackMarkers(n.text, c, origin, vocab).markers);
}

interface Example {
  idx: Int32Array;
  val: Float32Array;
  y: number;
  row: number;
}

function lineKey(line: string): string {
  return line.trim().replace(/\s+/g, " ").toLowerCase();
}

/** Collapsed-position spans of the lines of `text` that no benign row contains. */
function novelSpans(text: string, fs: FeatureStream, benignLines: Set<string>): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  let offset = 0;
  for (const line of text.split("\n")) {
    const key = lineKey(line);
    if (key.length >= 8 && !benignLines.has(key)) {
      spans.push([
        collapsedPosition(fs.origin, fs.length, offset),
        collapsedPosition(fs.origin, fs.length, offset + line.length),
      ]);
    }
    offset += line.length + 1;
  }
  return spans;
}

/** Lines of every benign row (normalised, lower-cased), to tell injected lines from the document around them. */
function benignLineSet(rows: readonly TrainingRow[]): Set<string> {
  const lines = new Set<string>();
  for (const r of rows) {
    if (r.label !== "benign") continue;
    for (const line of normalizeText(r.text).text.split("\n")) {
      const key = lineKey(line);
      if (key.length >= 8) lines.add(key);
    }
  }
  return lines;
}

function buildExamples(
  rows: readonly TrainingRow[],
  s: TrainSettings,
  benignLines: Set<string>,
  vocabOf: readonly Vocabulary[],
): Example[] {
  const buckets = 1 << s.features.bits;
  const scratch = new Float64Array(buckets);
  const touched = new Int32Array(buckets);
  const marker = new Uint8Array(buckets);
  const examples: Example[] = [];
  const mv = markerValueOf(s.features);
  const addWindow = (fs: FeatureStream, a: number, e: number, y: number, r: number) => {
    let nt = 0;
    let n = 0;
    for (let i = 0; i < fs.markerFrom; i++) {
      const p = fs.pos[i] as number;
      if (p < a || p >= e) continue;
      const b = fs.bucket[i] as number;
      if (scratch[b] === 0) touched[nt++] = b;
      scratch[b] = (scratch[b] as number) + 1;
      n++;
    }
    const inv = n > 0 ? 1 / Math.sqrt(n) : 0;
    for (let t = 0; t < nt; t++) {
      const b = touched[t] as number;
      scratch[b] = (scratch[b] as number) * inv;
    }
    for (let i = fs.markerFrom; i < fs.count; i++) {
      const p = fs.pos[i] as number;
      const b = fs.bucket[i] as number;
      if (p < a || p >= e || marker[b] === 1) continue;
      marker[b] = 1;
      if (scratch[b] === 0) touched[nt++] = b;
      scratch[b] = (scratch[b] as number) + mv;
    }
    const idx = new Int32Array(nt);
    const val = new Float32Array(nt);
    for (let t = 0; t < nt; t++) {
      const b = touched[t] as number;
      idx[t] = b;
      val[t] = scratch[b] as number;
      scratch[b] = 0;
      marker[b] = 0;
    }
    examples.push({ idx, val, y, row: r });
  };
  rows.forEach((row, r) => {
    const y = classOf(row);
    const vocab = vocabOf[r] as Vocabulary;
    if (row.kind === "indirect-injection") {
      // The injected instruction read alone is an ordinary request (BIPIA: it is an attack only because it sits in
      // a document); teach that, so the model learns the document-plus-instruction pattern, not the sentence.
      // Lines that match an attack signature (e.g. addressed to the AI) stay suspicious and are not added. One benign
      // example per poisoned row, so the sentence alone weighs as much for benign as its documents do for attack.
      for (const line of normalizeText(row.text).text.split("\n")) {
        const key = lineKey(line);
        if (key.length < 8 || key.length > 400 || benignLines.has(key)) continue;
        const lf = featuresOf(line, s.features, vocab);
        if (lf.markerFrom === lf.count) addWindow(lf, 0, lf.length, 0, r);
      }
    }
    const fs = featuresOf(row.text, s.features, vocab);
    const starts: number[] = [];
    if (fs.length <= s.window) starts.push(0);
    else {
      for (let a = 0; a + s.window <= fs.length; a += s.trainStride) starts.push(a);
      if ((fs.length - s.window) % s.trainStride !== 0) starts.push(fs.length - s.window);
    }
    const spans = y !== 0 && starts.length > 1 ? novelSpans(normalizeText(row.text).text, fs, benignLines) : null;
    for (const a of starts) {
      const e = Math.min(fs.length, a + s.window);
      if (spans !== null && !spans.some(([ss, se]) => ss < e && se > a)) continue;
      addWindow(fs, a, e, y, r);
    }
  });
  return examples;
}

/** Trains dense weights and biases on the given examples. */
function fit(examples: readonly Example[], s: TrainSettings): { weights: Float32Array; bias: number[] } {
  const buckets = 1 << s.features.bits;
  const K = NUM_CLASSES;
  const weights = new Float32Array(buckets * K);
  const g2 = new Float32Array(buckets * K).fill(1e-8);
  const bias = new Float64Array(K);
  const bg2 = new Float64Array(K).fill(1e-8);
  const counts = new Array<number>(K).fill(0);
  for (const e of examples) counts[e.y] = (counts[e.y] as number) + 1;
  const classWeight = counts.map((c) => (c === 0 ? 0 : examples.length / (K * c)));
  const order = examples.map((_, i) => i);
  const rand = prng(s.seed);
  const logits = new Float64Array(K);
  const grad = new Float64Array(K);
  for (let epoch = 0; epoch < s.epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      const t = order[i] as number;
      order[i] = order[j] as number;
      order[j] = t;
    }
    for (const oi of order) {
      const ex = examples[oi] as Example;
      for (let k = 0; k < K; k++) logits[k] = bias[k] as number;
      for (let t = 0; t < ex.idx.length; t++) {
        const base = (ex.idx[t] as number) * K;
        const v = ex.val[t] as number;
        for (let k = 0; k < K; k++) logits[k] = (logits[k] as number) + (weights[base + k] as number) * v;
      }
      let max = Number.NEGATIVE_INFINITY;
      for (let k = 0; k < K; k++) max = Math.max(max, logits[k] as number);
      let sum = 0;
      for (let k = 0; k < K; k++) {
        logits[k] = Math.exp((logits[k] as number) - max);
        sum += logits[k] as number;
      }
      const cw = classWeight[ex.y] as number;
      for (let k = 0; k < K; k++) grad[k] = ((logits[k] as number) / sum - (k === ex.y ? 1 : 0)) * cw;
      for (let k = 0; k < K; k++) {
        const g = grad[k] as number;
        bg2[k] = (bg2[k] as number) + g * g;
        bias[k] = (bias[k] as number) - (s.learningRate * g) / Math.sqrt(bg2[k] as number);
      }
      for (let t = 0; t < ex.idx.length; t++) {
        const base = (ex.idx[t] as number) * K;
        const v = ex.val[t] as number;
        for (let k = 0; k < K; k++) {
          const wi = base + k;
          const g = (grad[k] as number) * v + s.l2 * (weights[wi] as number);
          const acc = (g2[wi] as number) + g * g;
          g2[wi] = acc;
          weights[wi] = (weights[wi] as number) - (s.learningRate * g) / Math.sqrt(acc);
        }
      }
    }
  }
  return { weights, bias: Array.from(bias) };
}

/** Buckets of every structural marker token (signature families, symbol bursts, gibberish bins): never pruned. */
function markerBuckets(f: FeatureSettings): Set<number> {
  const tokens = [...SIGNATURE_TOKENS, ...GIBBERISH_TOKENS];
  return new Set(tokens.map((t) => tokenBucket(t, f.bits)));
}

function makeFile(
  weights: Float32Array,
  bias: number[],
  vocab: Vocabulary,
  s: TrainSettings,
  threshold: number,
  training: Record<string, unknown>,
  metrics: Record<string, unknown>,
): ModelFile {
  return {
    format: "warden-guard-linear/1",
    classes: CLASSES,
    features: s.features,
    window: s.window,
    stride: s.stride,
    threshold,
    training,
    metrics,
    bias: bias.map((b) => Number(b.toPrecision(8))),
    vocabulary: { bits: vocab.bits, set: Buffer.from(vocab.set).toString("base64") },
    weights: encodeWeights(weights, 1 << s.features.bits, s.maxFeatures, markerBuckets(s.features)),
  };
}

/**
 * Threshold tuned on a labelled tuning set (dev): the smallest whose false-positive rate is at most `targetFpr` on
 * benign prompts and documents and at most `targetHarmfulFpr` on harmful-request rows, given detector scores.
 */
export function tuneThreshold(
  rows: ReadonlyArray<{ label: string; kind: string }>,
  scores: readonly number[],
  s: Pick<TrainSettings, "targetFpr" | "targetHarmfulFpr">,
): number {
  const benign = rows.flatMap((r, i) =>
    r.label === "benign" && r.kind !== "harmful-request" ? [scores[i] as number] : [],
  );
  const harmful = rows.flatMap((r, i) => (r.kind === "harmful-request" ? [scores[i] as number] : []));
  return Number(
    Math.max(thresholdForFpr(benign, s.targetFpr), thresholdForFpr(harmful, s.targetHarmfulFpr)).toFixed(6),
  );
}

/** Smallest threshold whose false-positive rate over `scores` is at most `fpr`. */
export function thresholdForFpr(scores: readonly number[], fpr: number): number {
  if (scores.length === 0) return 0.5;
  const sorted = [...scores].sort((a, b) => b - a);
  const allowed = Math.floor(scores.length * fpr);
  const above = sorted[allowed] ?? 0;
  return Math.min(0.999, above + 1e-6);
}

/**
 * Fold of each row for grouped cross-validation: rows that share a line of 40+ chars (a document and its poisoned
 * copies, the fills of one jailbreak template, prompts built on the same base prompt) form one group (union-find), and
 * each group goes whole to a fold chosen by a seeded shuffle of the groups, so no fold is scored by a model that saw
 * its documents or templates.
 */
export function groupedFolds(
  rows: readonly TrainingRow[],
  folds: number,
  seed: number,
): { fold: number[]; groups: number } {
  const parent = rows.map((_, i) => i);
  const find = (i: number): number => {
    let r = i;
    while (parent[r] !== r) r = parent[r] as number;
    for (let j = i; parent[j] !== r; ) {
      const next = parent[j] as number;
      parent[j] = r;
      j = next;
    }
    return r;
  };
  const owner = new Map<string, number>();
  rows.forEach((row, i) => {
    for (const line of row.text.split("\n")) {
      const key = lineKey(line);
      if (key.length < 40) continue;
      const o = owner.get(key);
      if (o === undefined) owner.set(key, i);
      else parent[find(i)] = find(o);
    }
  });
  const roots = [...new Set(rows.map((_, i) => find(i)))];
  const rand = prng(seed ^ 0x5eed);
  for (let i = roots.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = roots[i] as number;
    roots[i] = roots[j] as number;
    roots[j] = t;
  }
  // Largest groups first, each to the currently smallest fold: folds of about equal size.
  const size = new Map<number, number>();
  for (let i = 0; i < rows.length; i++) size.set(find(i), (size.get(find(i)) ?? 0) + 1);
  roots.sort((a, b) => (size.get(b) as number) - (size.get(a) as number));
  const load = new Array<number>(folds).fill(0);
  const foldOf = new Map<number, number>();
  for (const r of roots) {
    let best = 0;
    for (let f = 1; f < folds; f++) if ((load[f] as number) < (load[best] as number)) best = f;
    foldOf.set(r, best);
    load[best] = (load[best] as number) + (size.get(r) as number);
  }
  return { fold: rows.map((_, i) => foldOf.get(find(i)) as number), groups: roots.length };
}

export interface TrainResult {
  file: ModelFile;
  model: LinearModel;
  crossValidation: { threshold: number; oofRecall: number; oofFpr: number; oofHarmfulFpr: number };
  /** Out-of-fold classifier score of every training row (grouped cross-validation). */
  oof: number[];
}

/** Share of rows flagged at `threshold` per kind (recall for attack kinds, false-positive rate for benign ones). */
export function ratesByKind(
  rows: ReadonlyArray<{ kind: string }>,
  scores: readonly number[],
  threshold: number,
): Record<string, number> {
  const n: Record<string, number> = {};
  const hit: Record<string, number> = {};
  rows.forEach((r, i) => {
    n[r.kind] = (n[r.kind] ?? 0) + 1;
    if ((scores[i] as number) >= threshold) hit[r.kind] = (hit[r.kind] ?? 0) + 1;
  });
  return Object.fromEntries(
    Object.keys(n)
      .sort()
      .map((k) => [k, Number(((hit[k] ?? 0) / (n[k] as number)).toFixed(4))]),
  );
}

/**
 * Trains the shipped model on `rows`: k-fold cross-validation first (for the threshold), then the final model on all
 * rows. `log` receives progress lines. Deterministic for the same rows and settings.
 */
export function trainPromptAttackModel(
  rows: readonly TrainingRow[],
  s: TrainSettings,
  training: Record<string, unknown>,
  log: (line: string) => void = () => {},
): TrainResult {
  if (rows.length === 0) throw new WardenError("E_INPUT_INVALID", "no training rows");
  const { fold, groups } = groupedFolds(rows, s.folds, s.seed);
  const oof = new Array<number>(rows.length).fill(0);
  // Built from all rows, also for the folds: a held-out clean document must not make its poisoned copies in the
  // training folds look entirely injected.
  const benignLines = benignLineSet(rows);
  // The shipped vocabulary holds the words of all benign rows (no attack text, so suffix fragments stay unknown). A
  // row's own words would always be known to it, so training features are cross-fitted: each row is featurised with
  // the vocabulary of the benign rows outside its part, as unseen text is at inference.
  const benignTexts = rows.map((r) => (r.label === "benign" ? normalizeText(r.text).text : ""));
  const vocab = buildVocabulary(benignTexts, s.vocabularyBits, s.vocabularyMinCount);
  const part = rows.map((_, i) => i % VOCABULARY_PARTS);
  const partVocab = Array.from({ length: VOCABULARY_PARTS }, (_, p) =>
    buildVocabulary(
      benignTexts.filter((_, i) => part[i] !== p),
      s.vocabularyBits,
      s.vocabularyMinCount,
    ),
  );
  const vocabOf = part.map((p) => partVocab[p] as Vocabulary);
  for (let f = 0; f < s.folds; f++) {
    const trainRows = rows.filter((_, i) => fold[i] !== f);
    const ex = buildExamples(
      trainRows,
      s,
      benignLines,
      vocabOf.filter((_, i) => fold[i] !== f),
    );
    const { weights, bias } = fit(ex, s);
    const model = decodeModel(makeFile(weights, bias, vocab, s, 0.5, {}, {}));
    rows.forEach((row, i) => {
      if (fold[i] === f) oof[i] = scoreStream(model, featuresOf(row.text, s.features, vocabOf[i])).attack;
    });
    log(`fold ${f + 1}/${s.folds}: ${ex.length} windows`);
  }
  const benign = rows.flatMap((r, i) =>
    r.label === "benign" && r.kind !== "harmful-request" ? [oof[i] as number] : [],
  );
  const harmful = rows.flatMap((r, i) => (r.kind === "harmful-request" ? [oof[i] as number] : []));
  const attacks = rows.flatMap((r, i) => (r.label === "attack" ? [oof[i] as number] : []));
  const threshold = Math.max(thresholdForFpr(benign, s.targetFpr), thresholdForFpr(harmful, s.targetHarmfulFpr));
  const rate = (xs: number[]) => (xs.length === 0 ? 0 : xs.filter((x) => x >= threshold).length / xs.length);
  const crossValidation = {
    folds: s.folds,
    grouping: "rows sharing a line of 40+ chars in one fold",
    groups,
    threshold: Number(threshold.toFixed(6)),
    oofRecall: Number(rate(attacks).toFixed(4)),
    oofFpr: Number(rate(benign).toFixed(4)),
    oofHarmfulFpr: Number(rate(harmful).toFixed(4)),
    byKind: ratesByKind(rows, oof, threshold),
  };
  log(`cross-validation: ${JSON.stringify(crossValidation)}`);
  const ex = buildExamples(rows, s, benignLines, vocabOf);
  const { weights, bias } = fit(ex, s);
  log(`final model: ${ex.length} windows`);
  const file = makeFile(
    weights,
    bias,
    vocab,
    s,
    crossValidation.threshold,
    { ...training, settings: s },
    {
      crossValidation,
    },
  );
  return { file, model: decodeModel(file), crossValidation, oof };
}
