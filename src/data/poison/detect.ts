/**
 * `warden data poison`: runs every poisoning detector over a labelled training set and merges their reasons into one
 * finding per suspicious row, scored by its strongest reason. Text mode (a text column) or feature mode (feature
 * columns, numeric, categorical or embedding arrays); spectral signatures run in feature mode.
 *
 * Reference mode checks a data update against a trusted earlier version: a row is new when its content and label do
 * not match a reference row (as multisets, so extra copies of a trusted row are new). Only new rows are reported;
 * a trigger only when the reference does not already hold its tokens together (in at least 3 rows, at the trigger
 * purity) with the same label; a duplicate or similar group only when the update brings at least as many of its rows
 * as the reference holds (a new group, or an existing one at least doubled): a trusted version that already holds
 * near-copies of a document accepts them.
 */
import { WardenError } from "../../core/errors.ts";
import { seededRandom } from "../validate/prng.ts";
import { type DuplicateGroup, detectDuplicates, type SimilarGroup } from "./duplicates.ts";
import { type FeatureSet, tabularFeatures, textFeatures } from "./features.ts";
import { detectIsolationForest } from "./isolation-forest.ts";
import { nearestNeighbours } from "./knn.ts";
import { detectLabelNoise } from "./label-noise.ts";
import { detectRobustZ } from "./robust-z.ts";
import { detectSpectral } from "./spectral.ts";
import { DEFAULT_TRIGGER_OPTIONS, detectTriggers, type Trigger, type TriggerOptions } from "./triggers.ts";
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
  /** A trusted earlier version of the data, in the same mode (and with the same feature columns). */
  reference?: PoisonInput;
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
  /** Groups of exact or near-identical rows (0-based rows); their members are flagged. */
  duplicateGroups: DuplicateGroup[];
  /** Groups of similar rows that are not near-identical copies (for example one template, different sentences). */
  similarGroups: SimilarGroup[];
  /** Reference mode: rows of the reference and rows of the input that are new relative to it. */
  reference?: { rows: number; newRows: number };
  findings: PoisonFinding[];
}

export const MAX_LABELS = 100;
/** A trigger is known to the reference when its tokens occur together in this many reference rows, at the purity. */
const KNOWN_MIN_SUPPORT = 3;

function labelStringsOf(labels: readonly unknown[]): string[] {
  return labels.map((l) => (l === undefined || l === null ? "" : String(l)));
}

function featuresOf(input: PoisonInput, n: number): FeatureSet {
  return input.texts
    ? textFeatures(
        input.texts.map((t) => (t === undefined || t === null ? "" : typeof t === "string" ? t : JSON.stringify(t))),
      )
    : tabularFeatures(input.features!, n);
}

/** Which input rows are new relative to the reference, and which (token, label) associations it already holds. */
function compareWithReference(
  input: PoisonInput,
  reference: PoisonInput,
  features: FeatureSet,
  labelStrings: readonly string[],
  minPurity: number,
): { isNew: boolean[]; known: (tokens: readonly string[], label: string) => boolean } {
  if ((reference.texts === undefined) !== (input.texts === undefined) || reference.labels.length === 0) {
    throw new WardenError("E_USAGE", "the reference must be non-empty and in the same mode (text or features)");
  }
  let refInput = reference;
  if (input.features) {
    const missing = Object.keys(input.features).filter((c) => !(c in (reference.features ?? {})));
    if (missing.length > 0)
      throw new WardenError("E_USAGE", `the reference lacks feature column(s) ${missing.join(", ")}`);
    refInput = {
      labels: reference.labels,
      features: Object.fromEntries(Object.keys(input.features).map((c) => [c, reference.features![c]!])),
    };
  }
  const refFeatures = featuresOf(refInput, reference.labels.length);
  const refLabels = labelStringsOf(reference.labels);
  const remaining = new Map<string, number>();
  refFeatures.digests.forEach((d, i) => {
    const key = `${d}\u0000${refLabels[i]}`;
    remaining.set(key, (remaining.get(key) ?? 0) + 1);
  });
  const isNew = features.digests.map((d, i) => {
    const key = `${d}\u0000${labelStrings[i]}`;
    const left = remaining.get(key) ?? 0;
    if (left === 0) return true;
    remaining.set(key, left - 1);
    return false;
  });
  let index: Map<string, number[]> | undefined;
  const known = (tokens: readonly string[], label: string): boolean => {
    if (!index) {
      const built = new Map<string, number[]>();
      refFeatures.tokens.forEach((list, i) => {
        for (const t of list) {
          const rows = built.get(t);
          if (rows) rows.push(i);
          else built.set(t, [i]);
        }
      });
      index = built;
    }
    // Reference rows holding every token of the trigger (the whole phrase).
    let rows = index.get(tokens[0]!) ?? [];
    for (const t of tokens.slice(1)) {
      const other = new Set(index.get(t) ?? []);
      rows = rows.filter((r) => other.has(r));
    }
    const same = rows.filter((r) => refLabels[r] === label).length;
    return same >= KNOWN_MIN_SUPPORT && same / rows.length >= minPurity;
  };
  return { isNew, known };
}

/** Runs all detectors. Throws `E_USAGE` when the input cannot be analysed (no rows, too many labels, both modes). */
export function detectPoisoning(input: PoisonInput, options: PoisonOptions = {}): PoisonReport {
  const n = input.labels.length;
  if ((input.texts === undefined) === (input.features === undefined)) {
    throw new WardenError("E_USAGE", "give either a text column or feature columns");
  }
  if (n < 2) throw new WardenError("E_USAGE", `need at least 2 labelled rows, got ${n}`);
  const labelStrings = labelStringsOf(input.labels);
  const labelNames = [...new Set(labelStrings)].sort();
  if (labelNames.length > MAX_LABELS) {
    throw new WardenError(
      "E_USAGE",
      `the label column has ${labelNames.length} distinct values (at most ${MAX_LABELS}); is it the right column?`,
    );
  }
  const labelIndex = new Map(labelNames.map((l, i) => [l, i]));
  const labels = labelStrings.map((l) => labelIndex.get(l)!);
  const features = featuresOf(input, n);
  const ref = options.reference
    ? compareWithReference(
        input,
        options.reference,
        features,
        labelStrings,
        options.trigger?.minPurity ?? DEFAULT_TRIGGER_OPTIONS.minPurity,
      )
    : undefined;
  const isNew = (row: number) => ref === undefined || ref.isNew[row]!;
  // A group is new when the update brings at least as many of its rows as the reference holds: a group absent from
  // the reference (or one trusted row and its new copies), or one the update at least doubles.
  const isNewGroup = (rows: readonly number[]) => {
    const fresh = rows.filter(isNew).length;
    return fresh > 0 && fresh >= rows.length - fresh;
  };
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
  const dups = detectDuplicates(features.digests, features.shingles, labelStrings, refer, features.nearCopy);
  const duplicateGroups = dups.groups.filter((g) => isNewGroup(g.rows));
  const inNewGroup = new Set(duplicateGroups.flatMap((g) => g.rows));
  all.push(...dups.reasons.filter((r) => inNewGroup.has(r.row)));
  const trig = detectTriggers(features, labels, labelNames, options.trigger, ref?.known);
  all.push(...trig.reasons);
  if (features.dense) all.push(...detectSpectral(features.dense, labels, labelNames));

  const byRow = new Map<number, Reason[]>();
  const byDetector: Partial<Record<DetectorName, number>> = {};
  for (const { row, reason } of all) {
    if (!isNew(row)) continue;
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
    triggers: trig.triggers.filter((t) => t.rows.some(isNew)),
    duplicateGroups,
    similarGroups: dups.similar.filter((g) => isNewGroup(g.rows)),
    ...(ref
      ? { reference: { rows: options.reference!.labels.length, newRows: ref.isNew.filter(Boolean).length } }
      : {}),
    findings,
  };
}
