/**
 * HopSkipJump (Chen, Jordan & Wainwright, "HopSkipJumpAttack: A Query-Efficient Decision-Based Attack", IEEE S&P
 * 2020): a decision-based (labels-only) attack that walks along the decision boundary, estimating the gradient
 * direction at the boundary from the signs of random probes, taking a geometric step and projecting back with a binary
 * search. L2 and L∞ versions. Minimises the perturbation; the result is always a verified adversarial example.
 */
import { mutableCount, project } from "../domain.ts";
import { distance, l2, type Norm } from "../vec.ts";
import { type AttackContext, boundarySearch, isAdversarial, randomAdversarial, type SampleOutcome } from "./common.ts";

/** HopSkipJump parameters (defaults follow the paper). */
export interface HopSkipJumpOptions {
  norm: Norm;
  /** Maximum queries for this input. */
  budget?: number;
  /** Maximum iterations (default 64). */
  iterations?: number;
  /** Probes for the first gradient estimate; grows with sqrt(t) (default 100). */
  initialEvals?: number;
  /** Cap on probes per estimate (default 1000). */
  maxEvals?: number;
  /** γ in θ = γ / d^{3/2} (L2) or γ / d² (L∞) (default 1). */
  gamma?: number;
}

/** Runs HopSkipJump on one correctly classified input `x` of class `label`. */
export async function hopSkipJump(
  ctx: AttackContext,
  x: readonly number[],
  label: number,
  opts: HopSkipJumpOptions,
): Promise<SampleOutcome> {
  const start = ctx.oracle.queries;
  const used = () => ctx.oracle.queries - start;
  const budget = opts.budget ?? 10_000;
  const norm = opts.norm;
  const d = Math.max(1, mutableCount(ctx.domain));
  const gamma = opts.gamma ?? 1;
  const theta = norm === "l2" ? gamma / d ** 1.5 : gamma / d ** 2;
  const init = await randomAdversarial(ctx, x, label, Math.min(200, budget));
  if (!init) return { adversarial: null, distance: Number.POSITIVE_INFINITY, queries: used() };
  let adv = await boundarySearch(ctx, x, init, label, norm, theta);
  let dist = distance(adv, x, norm);
  const iterations = opts.iterations ?? 64;
  for (let t = 1; t <= iterations && dist > 0; t++) {
    const evals = Math.min(opts.maxEvals ?? 1000, Math.round((opts.initialEvals ?? 100) * Math.sqrt(t)));
    if (used() + evals + 80 > budget) break;
    const delta = norm === "l2" ? Math.sqrt(d) * theta * dist : d * theta * dist;
    const grad = await estimateGradient(ctx, adv, label, evals, delta, norm);
    if (!grad) break;
    const v = norm === "l2" ? grad : grad.map(Math.sign);
    let step = dist / Math.sqrt(t);
    let candidate: number[] | null = null;
    for (let k = 0; k < 25 && used() < budget; k++) {
      const c = project(
        ctx.domain,
        x,
        adv.map((a, i) => a + step * (v[i] as number)),
      );
      if ((await isAdversarial(ctx.oracle, [c], label))[0]) {
        candidate = c;
        break;
      }
      step /= 2;
    }
    if (!candidate) break;
    const next = await boundarySearch(ctx, x, candidate, label, norm, theta);
    const nextDist = distance(next, x, norm);
    if (nextDist < dist) {
      adv = next;
      dist = nextDist;
    }
  }
  return { adversarial: adv, distance: dist, queries: used() };
}

/** Monte-Carlo estimate of the boundary's normal at `at` from `n` sign probes at radius `delta` (baseline-corrected). */
async function estimateGradient(
  ctx: AttackContext,
  at: readonly number[],
  label: number,
  n: number,
  delta: number,
  norm: Norm,
): Promise<number[] | null> {
  const dirs: number[][] = [];
  const probes: number[][] = [];
  for (let b = 0; b < n; b++) {
    const u = ctx.domain.mutable.map((m) => (m ? (norm === "l2" ? ctx.rng.normal() : 2 * ctx.rng.next() - 1) : 0));
    const un = l2(u) || 1;
    const probe = project(
      ctx.domain,
      at,
      at.map((a, i) => a + (delta * (u[i] as number)) / un),
    );
    dirs.push(probe.map((p, i) => (p - (at[i] as number)) / delta));
    probes.push(probe);
  }
  const phi = (await isAdversarial(ctx.oracle, probes, label)).map((a) => (a ? 1 : -1));
  let mean = 0;
  for (const p of phi) mean += p;
  mean /= n;
  const grad = new Array<number>(at.length).fill(0);
  for (let b = 0; b < n; b++) {
    const w = Math.abs(mean) === 1 ? mean : (phi[b] as number) - mean;
    const u = dirs[b] as number[];
    for (let i = 0; i < grad.length; i++) grad[i] = (grad[i] as number) + w * (u[i] as number);
  }
  const g = l2(grad);
  return g > 0 ? grad.map((v) => v / g) : null;
}
