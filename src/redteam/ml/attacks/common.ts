/**
 * What every evasion attack shares: the context it runs in (a counting oracle, the input domain, a seeded RNG), the
 * per-sample outcome it reports, and the decision-based building blocks (a random adversarial starting point and the
 * binary search to the decision boundary) used by HopSkipJump and the boundary attack.
 */
import { WardenError } from "../../../core/errors.ts";
import { type InputDomain, project, randomPoint } from "../domain.ts";
import { type Rng, shuffled } from "../rng.ts";
import type { Oracle } from "../targets/types.ts";
import { distance, type Norm } from "../vec.ts";

/** Where an attack runs. */
export interface AttackContext {
  oracle: Oracle;
  domain: InputDomain;
  rng: Rng;
  /** Other inputs (e.g. the rest of the dataset) to start from when random noise is never adversarial. */
  starts?: readonly (readonly number[])[];
}

/** The result of attacking one input. */
export interface SampleOutcome {
  /** The adversarial example found, or null. */
  adversarial: number[] | null;
  /** Its distance to the original in the attack's norm (Infinity when none was found). */
  distance: number;
  /** Queries spent on this input. */
  queries: number;
}

/** Labels that differ from `label` (untargeted success). */
export async function isAdversarial(oracle: Oracle, batch: number[][], label: number): Promise<boolean[]> {
  return (await oracle.labels(batch)).map((l) => l !== label);
}

/** Throws when an attack that needs probabilities is pointed at a label-only model. */
export function requireScores(oracle: Oracle, attack: string): void {
  if (oracle.target.output !== "scores")
    throw new WardenError(
      "E_USAGE",
      `${attack} needs class scores but ${oracle.target.name} reveals labels only; use hopskipjump or boundary`,
    );
}

/**
 * Finds an adversarial starting point: uniform noise in the domain (or Gaussian noise of growing scale on unbounded
 * features), then, if noise is never adversarial (common for images, where noise looks like one class), the context's
 * other inputs in random order; at most `maxQueries` queries in batches. Returns null if none is found.
 */
export async function randomAdversarial(
  ctx: AttackContext,
  x: readonly number[],
  label: number,
  maxQueries = 200,
): Promise<number[] | null> {
  let spread = 1;
  const starts = ctx.starts ? shuffled(ctx.starts, ctx.rng) : [];
  const noiseQueries = starts.length > 0 ? Math.ceil(maxQueries / 2) : maxQueries;
  for (let used = 0; used < maxQueries; ) {
    const n = Math.min(20, maxQueries - used);
    const fromNoise = used < noiseQueries || starts.length === 0;
    const batch = fromNoise
      ? Array.from({ length: n }, () => project(ctx.domain, x, randomPoint(ctx.domain, x, ctx.rng, spread)))
      : starts.splice(0, n).map((s) => project(ctx.domain, x, s));
    if (batch.length === 0) break;
    const adv = await isAdversarial(ctx.oracle, batch, label);
    used += batch.length;
    const i = adv.indexOf(true);
    if (i >= 0) return batch[i] as number[];
    spread *= 2;
  }
  return null;
}

/** The point of the segment from `x` to `adv` (L2) or of the L∞ ball (L∞) at parameter `alpha`. */
export function towards(x: readonly number[], adv: readonly number[], alpha: number, norm: Norm): number[] {
  if (norm === "l2") return x.map((v, i) => v + alpha * ((adv[i] as number) - v));
  return x.map((v, i) => Math.min(v + alpha, Math.max(v - alpha, adv[i] as number)));
}

/**
 * Binary search between the original `x` (not adversarial) and `adv` (adversarial) for the boundary, returning the
 * adversarial end. For L2 the search is along the segment; for L∞ it shrinks the L∞ ball around `x` and clips `adv`
 * into it (HopSkipJump, Chen et al. 2020, Algorithm 1). Stops when the bracket is narrower than `tolerance`.
 */
export async function boundarySearch(
  ctx: AttackContext,
  x: readonly number[],
  adv: readonly number[],
  label: number,
  norm: Norm,
  tolerance: number,
): Promise<number[]> {
  let lo = 0;
  let hi = norm === "l2" ? 1 : distance(adv, x, "linf");
  const threshold = norm === "l2" ? tolerance : Math.min(tolerance, tolerance * hi);
  let best = adv.slice();
  for (let i = 0; i < 60 && hi - lo > threshold; i++) {
    const mid = (lo + hi) / 2;
    const cand = project(ctx.domain, x, towards(x, adv, mid, norm));
    if ((await isAdversarial(ctx.oracle, [cand], label))[0]) {
      hi = mid;
      best = cand;
    } else lo = mid;
  }
  return best;
}
