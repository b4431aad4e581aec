/**
 * Square Attack, L∞ (Andriushchenko, Croce, Flammarion & Hein, "Square Attack: a query-efficient black-box
 * adversarial attack via random search", ECCV 2020): start from vertical stripes of ±ε, then repeatedly propose a
 * random square window (a random feature subset for non-image inputs) set to ±ε per channel and keep it if the margin
 * loss drops. Needs scores. All inputs are attacked together, one batched query per iteration.
 */
import { project, projectBall } from "../domain.ts";
import { argmax, distance } from "../vec.ts";
import { type AttackContext, requireScores, type SampleOutcome } from "./common.ts";

/** Square Attack parameters. */
export interface SquareOptions {
  epsilon: number;
  /** Maximum queries per input (default 5000). */
  budget?: number;
  /** Initial fraction of features changed per step (default 0.05). */
  pInit?: number;
}

/** The paper's schedule: p halves at fixed fractions of a 10 000-query run. */
function squareFraction(pInit: number, iteration: number, budget: number): number {
  const i = Math.floor((iteration / Math.max(budget, 1)) * 10_000);
  const marks = [10, 50, 200, 500, 1000, 2000, 4000, 6000, 8000];
  let p = pInit;
  for (const m of marks) if (i > m) p /= 2;
  return p;
}

/** Log-probability margin of the true class over the best other class (negative means misclassified). */
function margin(probs: readonly number[], label: number): number {
  let other = 0;
  probs.forEach((p, j) => {
    if (j !== label) other = Math.max(other, p);
  });
  return Math.log(Math.max(probs[label] as number, 1e-30)) - Math.log(Math.max(other, 1e-30));
}

/** Runs Square Attack at radius `epsilon` on inputs `xs` with labels `labels`. */
export async function squareAttack(
  ctx: AttackContext,
  xs: readonly number[][],
  labels: readonly number[],
  opts: SquareOptions,
): Promise<SampleOutcome[]> {
  requireScores(ctx.oracle, "Square Attack");
  const eps = opts.epsilon;
  const budget = opts.budget ?? 5000;
  const pInit = opts.pInit ?? 0.05;
  const shape = ctx.domain.shape;
  const mutable = ctx.domain.mutable.flatMap((m, i) => (m ? [i] : []));
  const sign = () => (ctx.rng.next() < 0.5 ? -eps : eps);
  const cur = xs.map((x) => {
    if (!shape)
      return project(
        ctx.domain,
        x,
        x.map((v, i) => v + sign() * (ctx.domain.mutable[i] ? 1 : 0)),
      );
    const [h, w, c] = shape;
    const stripes = Array.from({ length: w * c }, sign);
    const out = x.slice();
    for (let r = 0; r < h; r++)
      for (let col = 0; col < w; col++)
        for (let ch = 0; ch < c; ch++) {
          const i = (r * w + col) * c + ch;
          out[i] = (x[i] as number) + (stripes[col * c + ch] as number);
        }
    return project(ctx.domain, x, out);
  });
  const first = await ctx.oracle.scores(cur);
  const loss = first.map((p, n) => margin(p, labels[n] as number));
  const queries = xs.map(() => 1);
  const done = loss.map((l) => l < 0);
  for (let it = 1; it < budget; it++) {
    const active = done.flatMap((d, n) => (d ? [] : [n]));
    if (active.length === 0 || mutable.length === 0) break;
    const p = squareFraction(pInit, it, budget);
    const cands = active.map((n) => {
      const x = xs[n] as number[];
      const c = (cur[n] as number[]).slice();
      if (shape) {
        const [h, w, ch] = shape;
        const s = Math.max(1, Math.min(h, w, Math.round(Math.sqrt(p * h * w))));
        const r0 = ctx.rng.int(h - s + 1);
        const c0 = ctx.rng.int(w - s + 1);
        for (let k = 0; k < ch; k++) {
          const v = sign();
          for (let r = r0; r < r0 + s; r++)
            for (let col = c0; col < c0 + s; col++) {
              const i = (r * w + col) * ch + k;
              c[i] = (x[i] as number) + v;
            }
        }
      } else {
        const count = Math.max(1, Math.round(p * mutable.length));
        for (let k = 0; k < count; k++) {
          const i = mutable[ctx.rng.int(mutable.length)] as number;
          c[i] = (x[i] as number) + sign();
        }
      }
      return projectBall(ctx.domain, x, c, eps, "linf");
    });
    const out = await ctx.oracle.scores(cands);
    active.forEach((n, j) => {
      queries[n] = (queries[n] as number) + 1;
      const probs = out[j] as number[];
      const l = margin(probs, labels[n] as number);
      if (l < (loss[n] as number)) {
        loss[n] = l;
        cur[n] = cands[j] as number[];
        if (argmax(probs) !== labels[n]) done[n] = true;
      }
    });
  }
  return xs.map((x, n) =>
    done[n]
      ? {
          adversarial: cur[n] as number[],
          distance: distance(cur[n] as number[], x, "linf"),
          queries: queries[n] as number,
        }
      : { adversarial: null, distance: Number.POSITIVE_INFINITY, queries: queries[n] as number },
  );
}
