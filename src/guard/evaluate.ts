/**
 * Evaluation of a detector on labelled JSONL (`{text, label: attack|benign, kind?}` per line): precision, recall, F1
 * and false-positive rate overall and per `kind`, and latency percentiles. Used by `warden guard eval`, the training
 * script (dev metrics in the model file) and the benchmark.
 */
import { WardenError } from "../core/errors.ts";

/** One labelled row. */
export interface LabelledRow {
  text: string;
  label: "attack" | "benign";
  kind: string;
  license?: string;
}

/** Parses labelled JSONL; a bad line is a WardenError naming the file and line. */
export function readLabelledJsonl(content: string, source: string): LabelledRow[] {
  const rows: LabelledRow[] = [];
  const lines = content.split("\n");
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    const where = `${source}:${i + 1}`;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (e) {
      throw new WardenError(
        "E_DATA_PARSE",
        `${where}: not valid JSON (${(e as Error).message}); fix or remove the line`,
      );
    }
    const o = v as Record<string, unknown>;
    if (typeof o !== "object" || o === null || typeof o.text !== "string") {
      throw new WardenError("E_DATA_PARSE", `${where}: each line needs a string "text" field`);
    }
    if (o.label !== "attack" && o.label !== "benign") {
      throw new WardenError("E_DATA_PARSE", `${where}: "label" must be "attack" or "benign"`);
    }
    const row: LabelledRow = { text: o.text, label: o.label, kind: typeof o.kind === "string" ? o.kind : o.label };
    if (typeof o.license === "string") row.license = o.license;
    rows.push(row);
  });
  return rows;
}

/** Latency percentiles in milliseconds. */
export interface Latency {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentiles of `ms`. */
export function percentiles(ms: readonly number[]): Latency {
  if (ms.length === 0) return { p50: 0, p90: 0, p99: 0, max: 0, mean: 0 };
  const s = [...ms].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))] as number;
  const r = (x: number) => Number(x.toFixed(4));
  return {
    p50: r(at(0.5)),
    p90: r(at(0.9)),
    p99: r(at(0.99)),
    max: r(at(1)),
    mean: r(s.reduce((a, b) => a + b, 0) / s.length),
  };
}

export interface KindReport {
  label: "attack" | "benign";
  n: number;
  flagged: number;
  /** Recall for attack kinds, false-positive rate for benign kinds. */
  rate: number;
}

export interface EvalReport {
  overall: {
    n: number;
    attacks: number;
    benign: number;
    precision: number;
    recall: number;
    f1: number;
    fpr: number;
    latencyMs: Latency;
  };
  byKind: Record<string, KindReport>;
}

const r4 = (x: number) => Number(x.toFixed(4));

/** Runs `detect` on every row and reports quality and latency. */
export function evaluateDetector(
  rows: readonly LabelledRow[],
  detect: (text: string) => { flagged: boolean },
): EvalReport {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  const ms: number[] = [];
  const byKind: Record<string, KindReport> = {};
  for (const row of rows) {
    const t0 = process.hrtime.bigint();
    const flagged = detect(row.text).flagged;
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
    const k = byKind[row.kind] ?? { label: row.label, n: 0, flagged: 0, rate: 0 };
    k.n++;
    if (flagged) k.flagged++;
    byKind[row.kind] = k;
    if (row.label === "attack") {
      if (flagged) tp++;
      else fn++;
    } else if (flagged) fp++;
    else tn++;
  }
  for (const k of Object.values(byKind)) k.rate = r4(k.n === 0 ? 0 : k.flagged / k.n);
  const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
  return {
    overall: {
      n: rows.length,
      attacks: tp + fn,
      benign: fp + tn,
      precision: r4(precision),
      recall: r4(recall),
      f1: r4(precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall)),
      fpr: r4(fp + tn === 0 ? 0 : fp / (fp + tn)),
      latencyMs: percentiles(ms),
    },
    byKind,
  };
}
