/**
 * `warden data poison`: runs every poisoning detector over a labelled training set and merges their reasons into one
 * finding per suspicious row, scored by its strongest reason. Text mode (a text column) or feature mode (feature
 * columns, numeric, categorical or embedding arrays); spectral signatures run in feature mode.
 */
import { WardenError } from "../../core/errors.ts";
import { seededRandom } from "../validate/prng.ts";
import { type DuplicateGroup, detectDuplicates } from "./duplicates.ts";
import { type FeatureSet, tabularFeatures, textFeatures } from "./features.ts";
import { detectIsolationForest } from "./isolation-forest.ts";
import { nearestNeighbours } from "./knn.ts";
import { detectLabelNoise } from "./label-noise.ts";
import { detectRobustZ } from "./robust-z.ts";
import { detectSpectral } from "./spectral.ts";
import { detectTriggers, type Trigger, type TriggerOptions } from "./triggers.ts";
import type { DetectorName, Reason, RowReason } from "./types.ts";

/** A labelled training set, column-wise. Give `texts` (text mode) or `features` (feature mode). */
export interface PoisonInput {
  labels: readonly unknown[];
  texts?: readonly unknown[];
  features?: Readonly<Record<string, readonly unknown[]>>;
  /** File line of each row, for messages. */
  lines?: readonly number[];
}

/** Options of {@link detectPoisoning}. */
export interface PoisonOptions {
  /** Neighbours for label noise and triggers (default 10). */
  k?: number;
  /** Largest neighbour pool; above it a seeded sample of rows is the pool (default 10,000). */
  maxPool?: number;
  trigger?: Partial<TriggerOptions>;
  seed?: number;
}

/** One suspicious row. `row` is the 0-based data row, `line` the file line. */
export interface PoisonFinding {
  row: number;
  line?: number;
  label: string;
  score: number;
  reasons: Reason[];
}

/** The detectors' combined report. */
export interface PoisonReport {
  mode: "text" | "features";
  rows: number;
  labels: { label: string; count: number }[];
  flagged: number;
  byDetector: Partial<Record<DetectorName, number>>;
  triggers: Trigger[];
  /** Groups of exact or near-duplicate rows (0-based rows). */
  duplicateGroups: DuplicateGroup[];
  findings: PoisonFinding[];
}

export const MAX_LABELS = 100;

/** Runs all detectors. Throws `E_USAGE` when the input cannot be analysed (no rows, too many labels, both modes). */
export function detectPoisoning(input: PoisonInput, options: PoisonOptions = {}): PoisonReport {
  const n = input.labels.length;
  if ((input.texts === undefined) === (input.features === undefined)) {
    throw new WardenError("E_USAGE", "give either a text column or feature columns");
  }
  if (n < 2) throw new WardenError("E_USAGE", `need at least 2 labelled rows, got ${n}`);
  const labelStrings = input.labels.map((l) => (l === undefined || l === null ? "" : String(l)));
  const labelNames = [...new Set(labelStrings)].sort();
  if (labelNames.length > MAX_LABELS) {
    throw new WardenError(
      "E_USAGE",
      `the label column has ${labelNames.length} distinct values (at most ${MAX_LABELS}); is it the right column?`,
    );
  }
  const labelIndex = new Map(labelNames.map((l, i) => [l, i]));
  const labels = labelStrings.map((l) => labelIndex.get(l)!);
  const features: FeatureSet = input.texts
    ? textFeatures(
        input.texts.map((t) => (t === undefined || t === null ? "" : typeof t === "string" ? t : JSON.stringify(t))),
      )
    : tabularFeatures(input.features!, n);
  const refer = (i: number) => (input.lines ? `line ${input.lines[i]}` : `row ${i}`);

  const k = options.k ?? 10;
  const maxPool = options.maxPool ?? 10_000;
  let pool: number[] | undefined;
  if (n > maxPool) {
    const rng = seededRandom(options.seed ?? 1);
    const all = Array.from({ length: n }, (_, i) => i);
    for (let i = 0; i < maxPool; i++) {
      const j = i + rng.int(n - i);
      [all[i], all[j]] = [all[j]!, all[i]!];
    }
    pool = all.slice(0, maxPool).sort((a, b) => a - b);
  }
  const rows = Array.from({ length: n }, (_, i) => i);
  const neighbours = nearestNeighbours(features.vectors, features.dims, 2 * k, rows, pool);

  const all: RowReason[] = [];
  all.push(...detectLabelNoise(neighbours, labels, labelNames, k).reasons);
  all.push(...detectRobustZ(features.numeric, features.numericNames));
  all.push(...detectIsolationForest(features.numeric, 0.65, options.seed ?? 1));
  const dups = detectDuplicates(
    features.digests,
    features.shingles,
    labelStrings,
    refer,
    features.kind === "text" ? 0.8 : 0.9,
  );
  all.push(...dups.reasons);
  const trig = detectTriggers(features, labels, labelNames, options.trigger);
  all.push(...trig.reasons);
  if (features.dense) all.push(...detectSpectral(features.dense, labels, labelNames));

  const byRow = new Map<number, Reason[]>();
  const byDetector: Partial<Record<DetectorName, number>> = {};
  for (const { row, reason } of all) {
    byDetector[reason.detector] = (byDetector[reason.detector] ?? 0) + 1;
    const list = byRow.get(row);
    if (list) list.push(reason);
    else byRow.set(row, [reason]);
  }
  const findings: PoisonFinding[] = [...byRow.entries()].map(([row, reasons]) => {
    reasons.sort((a, b) => b.score - a.score);
    return {
      row,
      ...(input.lines ? { line: input.lines[row]! } : {}),
      label: labelStrings[row]!,
      score: reasons[0]!.score,
      reasons,
    };
  });
  findings.sort((a, b) => b.score - a.score || a.row - b.row);
  const counts = labelNames.map((label, c) => ({ label, count: labels.filter((y) => y === c).length }));
  return {
    mode: input.texts ? "text" : "features",
    rows: n,
    labels: counts,
    flagged: findings.length,
    byDetector,
    triggers: trig.triggers,
    duplicateGroups: dups.groups,
    findings,
  };
}
