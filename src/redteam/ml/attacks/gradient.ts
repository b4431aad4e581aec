/**
 * White-box evasion: FGSM (Goodfellow, Shlens & Szegedy, "Explaining and Harnessing Adversarial Examples", ICLR 2015)
 * and PGD (Madry et al., "Towards Deep Learning Models Resistant to Adversarial Attacks", ICLR 2018), in L∞ and L2.
 * They use the target's own loss gradient when it exposes one; otherwise they estimate it by central finite
 * differences of the cross-entropy loss (2 queries per mutable feature), and the report says which was used.
 */
import { projectBall } from "../domain.ts";
import { distance, l2, type Norm } from "../vec.ts";
import type { AttackContext, SampleOutcome } from "./common.ts";

/** Where the gradient came from. */
export type GradientSource = "analytic" | "finite-difference";

/** The gradient source an oracle's target allows. */
export function gradientSource(ctx: AttackContext): GradientSource {
  return ctx.oracle.target.gradient ? "analytic" : "finite-difference";
}

/** Finite-difference step for features of scale 1. */
const FD_STEP = 1e-4;

/** Cross-entropy loss gradients of `labels` at `xs`, analytic or by central finite differences. */
export async function lossGradients(
  ctx: AttackContext,
  xs: readonly number[][],
  labels: readonly number[],
): Promise<number[][]> {
  if (ctx.oracle.target.gradient)
    return ctx.oracle.gradient(
      xs.map((x) => x.slice()),
      labels.slice(),
    );
  const out: number[][] = [];
  for (let n = 0; n < xs.length; n++) {
    const x = xs[n] as number[];
    const y = labels[n] as number;
    const idx = ctx.domain.mutable.flatMap((m, i) => (m ? [i] : []));
    const probes: number[][] = [];
    for (const i of idx) {
      const h = FD_STEP * Math.max(1, Math.abs(x[i] as number));
      const plus = x.slice();
      plus[i] = (x[i] as number) + h;
      const minus = x.slice();
      minus[i] = (x[i] as number) - h;
      probes.push(plus, minus);
    }
    const scores = await ctx.oracle.scores(probes);
    const g = new Array<number>(x.length).fill(0);
    idx.forEach((i, k) => {
      const h = FD_STEP * Math.max(1, Math.abs(x[i] as number));
      const lp = -Math.log(Math.max((scores[2 * k] as number[])[y] as number, 1e-30));
      const lm = -Math.log(Math.max((scores[2 * k + 1] as number[])[y] as number, 1e-30));
      g[i] = (lp - lm) / (2 * h);
    });
    out.push(g);
  }
  return out;
}

function ascent(g: readonly number[], norm: Norm): number[] {
  if (norm === "linf") return g.map(Math.sign);
  const n = l2(g) || 1;
  return g.map((v) => v / n);
}

/** Gradient-attack parameters. */
export interface GradientAttackOptions {
  norm: Norm;
  epsilon: number;
  /** PGD iterations (default 20). */
  steps?: number;
  /** PGD step size (default 2.5 ε / steps). */
  stepSize?: number;
  /** PGD starts from a random point of the ball (default true). */
  randomStart?: boolean;
}

/** FGSM: one signed (L∞) or normalised (L2) gradient step of size ε. */
export async function fgsm(
  ctx: AttackContext,
  xs: readonly number[][],
  labels: readonly number[],
  opts: GradientAttackOptions,
): Promise<SampleOutcome[]> {
  const before = ctx.oracle.queries;
  const grads = await lossGradients(ctx, xs, labels);
  const advs = xs.map((x, n) => {
    const step = ascent(grads[n] as number[], opts.norm);
    return projectBall(
      ctx.domain,
      x,
      x.map((v, i) => v + opts.epsilon * (step[i] as number)),
      opts.epsilon,
      opts.norm,
    );
  });
  const preds = await ctx.oracle.labels(advs);
  const per = (ctx.oracle.queries - before) / Math.max(xs.length, 1);
  return xs.map((x, n) =>
    preds[n] !== labels[n]
      ? { adversarial: advs[n] as number[], distance: distance(advs[n] as number[], x, opts.norm), queries: per }
      : { adversarial: null, distance: Number.POSITIVE_INFINITY, queries: per },
  );
}

/** PGD: iterated gradient steps projected back into the ε-ball and the domain; stops per input at success. */
export async function pgd(
  ctx: AttackContext,
  xs: readonly number[][],
  labels: readonly number[],
  opts: GradientAttackOptions,
): Promise<SampleOutcome[]> {
  const steps = opts.steps ?? 20;
  const alpha = opts.stepSize ?? (2.5 * opts.epsilon) / steps;
  const eps = opts.epsilon;
  const cur = xs.map((x) => {
    if (opts.randomStart === false) return x.slice();
    const r = ctx.domain.mutable.map((m) =>
      m ? (opts.norm === "linf" ? 2 * ctx.rng.next() - 1 : ctx.rng.normal()) : 0,
    );
    const scaleBy = opts.norm === "linf" ? eps : (eps * ctx.rng.next()) / (l2(r) || 1);
    return projectBall(
      ctx.domain,
      x,
      x.map((v, i) => v + scaleBy * (r[i] as number)),
      eps,
      opts.norm,
    );
  });
  const queries = xs.map(() => 0);
  const found: (number[] | null)[] = xs.map(() => null);
  let active = xs.map((_, n) => n);
  for (let s = 0; s < steps && active.length > 0; s++) {
    const before = ctx.oracle.queries;
    const grads = await lossGradients(
      ctx,
      active.map((n) => cur[n] as number[]),
      active.map((n) => labels[n] as number),
    );
    active.forEach((n, j) => {
      const step = ascent(grads[j] as number[], opts.norm);
      cur[n] = projectBall(
        ctx.domain,
        xs[n] as number[],
        (cur[n] as number[]).map((v, i) => v + alpha * (step[i] as number)),
        eps,
        opts.norm,
      );
    });
    const preds = await ctx.oracle.labels(active.map((n) => cur[n] as number[]));
    const per = (ctx.oracle.queries - before) / active.length;
    active.forEach((n, j) => {
      queries[n] = (queries[n] as number) + per;
      if (preds[j] !== labels[n]) found[n] = (cur[n] as number[]).slice();
    });
    active = active.filter((n) => found[n] === null);
  }
  return xs.map((x, n) => {
    const adv = found[n];
    return adv
      ? { adversarial: adv, distance: distance(adv, x, opts.norm), queries: queries[n] as number }
      : { adversarial: null, distance: Number.POSITIVE_INFINITY, queries: queries[n] as number };
  });
}
