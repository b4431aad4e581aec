/**
 * The model under assessment, whatever it is (a JS function, an ONNX file, an HTTP endpoint), seen through one
 * interface: a batch of numeric inputs in, a batch of class-probability vectors out. Label-only models return one-hot
 * vectors and say so, so score-based attacks can refuse them. The Oracle wraps a target and counts every query.
 */
import { WardenError } from "../../../core/errors.ts";
import { argmax, oneHot, softmax } from "../vec.ts";

/** What a target's outputs carry. */
export type OutputKind = "scores" | "labels";

/** A model Warden can query. */
export interface Target {
  readonly name: string;
  /** "scores" when predictions are probabilities, "labels" when only the predicted class is visible (one-hot). */
  readonly output: OutputKind;
  /** Class probabilities (or one-hot labels) for each input of the batch. */
  predict(batch: number[][]): Promise<number[][]>;
  /** Gradient of the cross-entropy loss of `labels` with respect to each input (white-box targets only). */
  gradient?(batch: number[][], labels: number[]): Promise<number[][]>;
  /** Largest batch the target accepts in one call. */
  readonly maxBatch?: number;
  close?(): Promise<void>;
}

/** A text classifier: strings in, class probabilities out. */
export interface TextTarget {
  readonly name: string;
  readonly output: OutputKind;
  predict(batch: string[]): Promise<number[][]>;
}

/** Counts queries to a target and enforces a total budget. */
export class Oracle {
  /** Inputs sent to the model so far (one query per input). */
  queries = 0;

  constructor(
    readonly target: Target,
    readonly budget = Number.POSITIVE_INFINITY,
  ) {}

  /** Probabilities for `batch`, split into chunks of the target's maximum batch size. */
  async scores(batch: number[][]): Promise<number[][]> {
    if (batch.length === 0) return [];
    if (this.queries + batch.length > this.budget)
      throw new WardenError("E_REDTEAM_TARGET", `query budget of ${this.budget} exhausted on ${this.target.name}`, {
        details: { budget: this.budget, queries: this.queries },
      });
    this.queries += batch.length;
    const size = this.target.maxBatch ?? 1024;
    const out: number[][] = [];
    for (let i = 0; i < batch.length; i += size) {
      const chunk = batch.slice(i, i + size);
      const res = await this.target.predict(chunk);
      if (res.length !== chunk.length)
        throw new WardenError(
          "E_REDTEAM_TARGET",
          `${this.target.name} returned ${res.length} predictions for ${chunk.length} inputs`,
        );
      out.push(...res);
    }
    return out;
  }

  /** Loss gradients from a white-box target; each input costs one query. */
  async gradient(batch: number[][], labels: number[]): Promise<number[][]> {
    const g = this.target.gradient;
    if (!g) throw new WardenError("E_REDTEAM_TARGET", `${this.target.name} exposes no gradient`);
    if (this.queries + batch.length > this.budget)
      throw new WardenError("E_REDTEAM_TARGET", `query budget of ${this.budget} exhausted on ${this.target.name}`);
    this.queries += batch.length;
    return g.call(this.target, batch, labels);
  }

  /** Predicted labels for `batch`. */
  async labels(batch: number[][]): Promise<number[]> {
    return (await this.scores(batch)).map(argmax);
  }
}

/**
 * Turns whatever a model returned into probability rows: rows of probabilities pass through; rows that are not
 * distributions are treated as logits (softmax); a single score per row is a binary probability (or a logit if outside
 * [0, 1]); a flat list of integers is a list of labels (one-hot over `numClasses`).
 */
export function normaliseOutputs(raw: unknown, expected: number, numClasses?: number): number[][] {
  if (!Array.isArray(raw))
    throw new WardenError("E_REDTEAM_TARGET", "model output is not an array (check the scores path)");
  if (raw.length !== expected)
    throw new WardenError("E_REDTEAM_TARGET", `model returned ${raw.length} outputs for ${expected} inputs`);
  return raw.map((row, i) => {
    if (typeof row === "number") {
      if (!Number.isFinite(row)) throw new WardenError("E_REDTEAM_TARGET", `output ${i} is not a finite number`);
      if (Number.isInteger(row)) {
        const k = numClasses ?? 2;
        if (row < 0 || row >= k)
          throw new WardenError("E_REDTEAM_TARGET", `output ${i} is label ${row} outside 0..${k - 1} (set numClasses)`);
        return oneHot(row, k);
      }
      return binary(row);
    }
    if (!Array.isArray(row) || row.length === 0 || !row.every((v) => typeof v === "number" && Number.isFinite(v)))
      throw new WardenError("E_REDTEAM_TARGET", `output ${i} is not a non-empty array of finite numbers`);
    const r = row as number[];
    if (r.length === 1) return binary(r[0] as number);
    let sum = 0;
    let nonNegative = true;
    for (const v of r) {
      sum += v;
      if (v < 0) nonNegative = false;
    }
    return nonNegative && Math.abs(sum - 1) < 1e-3 ? r.map((v) => v / sum) : softmax(r);
  });
}

function binary(p: number): number[] {
  const q = p >= 0 && p <= 1 ? p : 1 / (1 + Math.exp(-p));
  return [1 - q, q];
}

/** The same model seen through its labels only: every prediction becomes one-hot, so no score leaks to an attack. */
export function labelsOnly(target: Target): Target {
  return {
    name: target.name,
    output: "labels",
    ...(target.maxBatch === undefined ? {} : { maxBatch: target.maxBatch }),
    async predict(batch) {
      return (await target.predict(batch)).map((p) => oneHot(argmax(p), p.length));
    },
  };
}

/** Wraps a plain predict function (and optional gradient) as a Target. */
export function functionTarget(
  predict: (batch: number[][]) => number[][] | Promise<number[][]>,
  opts: {
    name?: string;
    output?: OutputKind;
    gradient?: (batch: number[][], labels: number[]) => number[][] | Promise<number[][]>;
    numClasses?: number;
  } = {},
): Target {
  const base = {
    name: opts.name ?? "function",
    output: opts.output ?? "scores",
    async predict(batch: number[][]) {
      return normaliseOutputs(await predict(batch), batch.length, opts.numClasses);
    },
  };
  const gradient = opts.gradient;
  if (!gradient) return base;
  return { ...base, gradient: async (batch: number[][], labels: number[]) => gradient(batch, labels) };
}
