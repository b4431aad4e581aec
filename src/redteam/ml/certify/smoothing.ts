/**
 * Randomized smoothing (Cohen, Rosenfeld & Kolter, "Certified Adversarial Robustness via Randomized Smoothing", ICML
 * 2019) for any classifier Warden can query. The smoothed classifier g(x) = argmax_c P(f(x + δ) = c), δ ~ N(0, σ²I).
 * CERTIFY draws n0 noisy copies to guess the top class, n more to count it, takes the one-sided Clopper–Pearson lower
 * bound p_A at confidence 1 − α, and certifies the L2 radius σ Φ⁻¹(p_A) when p_A > ½ (abstains otherwise).
 * PREDICT abstains unless a two-sided binomial test separates the top two classes at level α.
 */
import type { Rng } from "../rng.ts";
import type { Oracle } from "../targets/types.ts";
import { argmax } from "../vec.ts";
import { binomialTestP, clopperPearson, normalQuantile } from "./stats.ts";

/** Smoothing parameters. */
export interface SmoothingOptions {
  /** Noise standard deviation σ. */
  sigma: number;
  /** Samples to select the top class (default 100). */
  n0?: number;
  /** Samples to estimate its probability (default 1000). */
  n?: number;
  /** Failure probability α (default 0.001). */
  alpha?: number;
  /** Noisy copies per query batch (default 500). */
  batchSize?: number;
}

/** The certificate for one input. */
export interface Certificate {
  /** The smoothed prediction, or null when the procedure abstains. */
  prediction: number | null;
  /** Certified L2 radius (0 when abstaining). */
  radius: number;
  /** Clopper–Pearson lower bound on the top-class probability. */
  pALower: number;
  queries: number;
}

async function sampleCounts(
  oracle: Oracle,
  x: readonly number[],
  count: number,
  sigma: number,
  batchSize: number,
  rng: Rng,
): Promise<number[]> {
  const counts: number[] = [];
  for (let done = 0; done < count; ) {
    const m = Math.min(batchSize, count - done);
    const batch = Array.from({ length: m }, () => x.map((v) => v + sigma * rng.normal()));
    for (const l of await oracle.labels(batch)) counts[l] = (counts[l] ?? 0) + 1;
    done += m;
  }
  return Array.from(counts, (c) => c ?? 0);
}

/** CERTIFY (Cohen et al. 2019, Algorithm 1, left). */
export async function certify(
  oracle: Oracle,
  x: readonly number[],
  rng: Rng,
  opts: SmoothingOptions,
): Promise<Certificate> {
  const start = oracle.queries;
  const n0 = opts.n0 ?? 100;
  const n = opts.n ?? 1000;
  const alpha = opts.alpha ?? 0.001;
  const bs = opts.batchSize ?? 500;
  const guess = argmax(await sampleCounts(oracle, x, n0, opts.sigma, bs, rng));
  const counts = await sampleCounts(oracle, x, n, opts.sigma, bs, rng);
  const nA = counts[guess] ?? 0;
  const pALower = clopperPearson(nA, n, alpha, true).lower;
  if (pALower < 0.5) return { prediction: null, radius: 0, pALower, queries: oracle.queries - start };
  return { prediction: guess, radius: opts.sigma * normalQuantile(pALower), pALower, queries: oracle.queries - start };
}

/** PREDICT (Cohen et al. 2019, Algorithm 1, right): the smoothed label, or null (abstain). */
export async function predictSmoothed(
  oracle: Oracle,
  x: readonly number[],
  rng: Rng,
  opts: SmoothingOptions,
): Promise<number | null> {
  const counts = await sampleCounts(oracle, x, opts.n ?? 1000, opts.sigma, opts.batchSize ?? 500, rng);
  const order = counts.map((c, i) => [c, i] as const).sort((a, b) => b[0] - a[0]);
  const [nA, cA] = order[0] ?? [0, 0];
  const nB = order[1]?.[0] ?? 0;
  return binomialTestP(nA, nA + nB, 0.5) <= (opts.alpha ?? 0.001) ? cA : null;
}

/** Certified accuracy at each radius: the share of inputs certified correct with radius ≥ r. */
export function certifiedAccuracy(
  certs: readonly Certificate[],
  labels: readonly number[],
  radii: readonly number[],
): { radius: number; accuracy: number }[] {
  return radii.map((r) => ({
    radius: r,
    accuracy:
      certs.filter((c, i) => c.prediction !== null && c.prediction === labels[i] && c.radius >= r).length /
      Math.max(certs.length, 1),
  }));
}
