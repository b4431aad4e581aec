/**
 * Model-extraction risk (Tramèr, Zhang, Juels, Reiter & Ristenpart, "Stealing Machine Learning Models via Prediction
 * APIs", USENIX Security 2016; Jagielski et al., "High Accuracy and High Fidelity Extraction of Neural Networks", USENIX
 * Security 2020): spend a query budget on inputs drawn from a pool of unlabelled in-distribution data (or uniformly
 * from the input bounds), label them with the target's predictions (labels only, as an API would give), train a
 * surrogate, and report its fidelity (agreement with the target) and accuracy on held-out data at each budget.
 */
import { WardenError } from "../../core/errors.ts";
import { type InputDomain, project, randomPoint } from "./domain.ts";
import { defaultTrainRoutine, type TrainRoutine } from "./models/mlp.ts";
import { type Rng, shuffled } from "./rng.ts";
import type { Oracle } from "./targets/types.ts";
import { argmax } from "./vec.ts";

/** Extraction options. */
export interface ExtractionOptions {
  /** Query budgets to evaluate, ascending (queries are reused across budgets). */
  budgets: readonly number[];
  /** Held-out inputs for fidelity, with true labels for accuracy when known. */
  test: { x: number[][]; y: number[] | null };
  /** Unlabelled inputs the attacker may query; jittered copies are used once it runs out. */
  pool?: readonly (readonly number[])[];
  domain: InputDomain;
  /** Surrogate training routine (default: one-hidden-layer network, 32 units). */
  surrogate?: TrainRoutine;
}

/** One point of the extraction curve. */
export interface ExtractionPoint {
  budget: number;
  /** Agreement of surrogate and target labels on the test inputs. */
  fidelity: number;
  /** Surrogate accuracy on the test labels (null without labels). */
  accuracy: number | null;
}

/** The extraction assessment. */
export interface ExtractionResult {
  points: ExtractionPoint[];
  /** Target accuracy on the test labels (null without labels). */
  targetAccuracy: number | null;
  /** Queries spent labelling attack inputs (the largest budget). */
  queries: number;
  /** Queries spent evaluating the target on the test inputs (not part of the attack). */
  evaluationQueries: number;
  querySource: "pool" | "uniform";
}

/** Runs the extraction assessment. */
export async function extractionRisk(oracle: Oracle, rng: Rng, opts: ExtractionOptions): Promise<ExtractionResult> {
  const budgets = [...opts.budgets].sort((a, b) => a - b);
  if (budgets.length === 0 || budgets.some((b) => !Number.isInteger(b) || b < 2))
    throw new WardenError("E_USAGE", "extraction budgets must be integers of at least 2");
  if (opts.test.x.length === 0) throw new WardenError("E_USAGE", "extraction needs held-out test inputs");
  const max = budgets[budgets.length - 1] as number;
  const evalStart = oracle.queries;
  const targetTest = await oracle.labels(opts.test.x);
  const evaluationQueries = oracle.queries - evalStart;
  const dim = (opts.test.x[0] as number[]).length;
  const pool = opts.pool && opts.pool.length > 0 ? shuffled(opts.pool, rng) : null;
  const spread = pool ? columnSpread(pool, dim) : null;
  const inputs: number[][] = [];
  for (let i = 0; i < max; i++) {
    if (pool && spread) {
      const base = pool[i % pool.length] as readonly number[];
      const jitter = i < pool.length ? 0 : 0.1;
      inputs.push(
        project(
          opts.domain,
          base,
          base.map((v, j) => v + jitter * (spread[j] as number) * rng.normal()),
        ),
      );
    } else inputs.push(randomPoint(opts.domain, new Array<number>(dim).fill(0), rng));
  }
  const start = oracle.queries;
  const labels = await oracle.labels(inputs);
  const queries = oracle.queries - start;
  const train = opts.surrogate ?? defaultTrainRoutine({ hidden: 32, epochs: 60, learningRate: 0.01 });
  const points: ExtractionPoint[] = [];
  for (const b of budgets) {
    const yb = labels.slice(0, b);
    const sur = await train(inputs.slice(0, b), yb, Math.floor(rng.next() * 2 ** 31));
    const pred = (await sur.predict(opts.test.x)).map(argmax);
    const fidelity = pred.filter((p, i) => p === targetTest[i]).length / pred.length;
    const y = opts.test.y;
    points.push({ budget: b, fidelity, accuracy: y ? pred.filter((p, i) => p === y[i]).length / pred.length : null });
  }
  const y = opts.test.y;
  return {
    points,
    targetAccuracy: y ? targetTest.filter((p, i) => p === y[i]).length / targetTest.length : null,
    queries,
    evaluationQueries,
    querySource: pool ? "pool" : "uniform",
  };
}

function columnSpread(rows: readonly (readonly number[])[], dim: number): number[] {
  const out: number[] = [];
  for (let j = 0; j < dim; j++) {
    let m = 0;
    for (const r of rows) m += (r[j] as number) / rows.length;
    let s = 0;
    for (const r of rows) s += ((r[j] as number) - m) ** 2 / rows.length;
    out.push(Math.sqrt(s));
  }
  return out;
}
