/**
 * SimBA (Guo, Gardner, You, Wilson & Weinberger, "Simple Black-box Adversarial Attacks", ICML 2019), pixel basis:
 * walk through the mutable features in random order and step ±ε along each, keeping a step whenever it lowers the
 * probability of the true class; stop at the first misclassification. When every feature has been tried (low-
 * dimensional tabular inputs) a new random order starts. Needs scores. Inputs are attacked together, one batched query
 * per step.
 */
import { project } from "../domain.ts";
import { shuffled } from "../rng.ts";
import { argmax, distance, type Norm } from "../vec.ts";
import { type AttackContext, requireScores, type SampleOutcome } from "./common.ts";

/** SimBA parameters. */
export interface SimbaOptions {
  /** Step size along each basis direction (default 0.2). */
  stepSize?: number;
  /** Maximum queries per input (default 10000). */
  budget?: number;
  /** Norm the perturbation is reported in (default l2). */
  norm?: Norm;
}

interface State {
  x: number[];
  p: number;
  order: number[];
  pos: number;
  queries: number;
  done: boolean;
  success: boolean;
}

/** Runs SimBA on correctly classified inputs `xs` with labels `labels`. */
export async function simba(
  ctx: AttackContext,
  xs: readonly number[][],
  labels: readonly number[],
  opts: SimbaOptions = {},
): Promise<SampleOutcome[]> {
  requireScores(ctx.oracle, "SimBA");
  const eps = opts.stepSize ?? 0.2;
  const budget = opts.budget ?? 10_000;
  const mutable = ctx.domain.mutable.flatMap((m, i) => (m ? [i] : []));
  const first = await ctx.oracle.scores(xs.map((x) => x.slice()));
  const states: State[] = xs.map((x, n) => ({
    x: x.slice(),
    p: (first[n] as number[])[labels[n] as number] as number,
    order: shuffled(mutable, ctx.rng),
    pos: 0,
    queries: 1,
    done: argmax(first[n] as number[]) !== labels[n],
    success: argmax(first[n] as number[]) !== labels[n],
  }));
  while (mutable.length > 0) {
    const active = states.flatMap((s, n) => (!s.done && s.queries + 2 <= budget ? [n] : []));
    if (active.length === 0) break;
    for (const sign of [-1, 1]) {
      const trying = active.filter((n) => !(states[n] as State).done && (states[n] as State).pos >= 0);
      if (trying.length === 0) break;
      const cands = trying.map((n) => {
        const s = states[n] as State;
        const q = s.order[s.pos] as number;
        const c = s.x.slice();
        c[q] = (c[q] as number) + sign * eps;
        return project(ctx.domain, xs[n] as number[], c);
      });
      const out = await ctx.oracle.scores(cands);
      trying.forEach((n, j) => {
        const s = states[n] as State;
        s.queries++;
        const probs = out[j] as number[];
        const p = probs[labels[n] as number] as number;
        if (p < s.p) {
          s.x = cands[j] as number[];
          s.p = p;
          s.pos = -1 - s.pos;
          if (argmax(probs) !== labels[n]) {
            s.done = true;
            s.success = true;
          }
        }
      });
    }
    for (const n of active) {
      const s = states[n] as State;
      s.pos = s.pos < 0 ? -s.pos : s.pos + 1;
      if (s.pos >= s.order.length) {
        s.order = shuffled(mutable, ctx.rng);
        s.pos = 0;
      }
    }
  }
  return states.map((s, n) =>
    s.success
      ? { adversarial: s.x, distance: distance(s.x, xs[n] as number[], opts.norm ?? "l2"), queries: s.queries }
      : { adversarial: null, distance: Number.POSITIVE_INFINITY, queries: s.queries },
  );
}
