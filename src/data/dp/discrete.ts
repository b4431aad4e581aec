/**
 * Exact samplers for the discrete Laplace and discrete Gaussian distributions over the integers, from
 * C. Canonne, G. Kamath, T. Steinke, "The Discrete Gaussian for Differential Privacy", NeurIPS 2020
 * (arXiv:2004.00010), Algorithms 1–3. Every step uses integer or rational arithmetic (BigInt) over a CSPRNG, so the
 * output distribution is exactly the one analysed: no floating-point artefacts of the kind Mironov (CCS 2012,
 * "On Significance of the Least Significant Bits for Differential Privacy") exploited in textbook Laplace samplers.
 */
import { bernoulliRational, type RandomSource, uniformBigInt } from "./random.ts";

/**
 * Bernoulli(exp(-num/den)) for a non-negative rational num/den (CKS 2020, Algorithm 1, with the reduction for
 * arguments above 1: exp(-x) = exp(-1)^floor(x) · exp(-(x - floor(x)))).
 */
export function bernoulliExp(rng: RandomSource, num: bigint, den: bigint): boolean {
  if (num < 0n || den <= 0n) throw new RangeError("bernoulliExp: needs num >= 0 and den > 0");
  let n = num;
  while (n > den) {
    if (!bernoulliExpUnit(rng, 1n, 1n)) return false;
    n -= den;
  }
  return bernoulliExpUnit(rng, n, den);
}

/** Bernoulli(exp(-g)) for g = num/den in [0, 1]: CKS 2020 Algorithm 1. */
function bernoulliExpUnit(rng: RandomSource, num: bigint, den: bigint): boolean {
  let k = 1n;
  while (bernoulliRational(rng, num, den * k)) k++;
  return k % 2n === 1n;
}

/**
 * A sample Z from the discrete Laplace distribution with scale t/s (t, s positive integers):
 * P[Z = z] ∝ exp(-|z| · s/t). CKS 2020, Algorithm 2.
 */
export function sampleDiscreteLaplace(rng: RandomSource, t: bigint, s: bigint): bigint {
  if (t <= 0n || s <= 0n) throw new RangeError("sampleDiscreteLaplace: t and s must be positive");
  for (;;) {
    const u = uniformBigInt(rng, t);
    if (!bernoulliExp(rng, u, t)) continue;
    let v = 0n;
    while (bernoulliExp(rng, 1n, 1n)) v++;
    const y = (u + t * v) / s;
    const negative = uniformBigInt(rng, 2n) === 1n;
    if (negative && y === 0n) continue;
    return negative ? -y : y;
  }
}

/**
 * A sample Z from the discrete Gaussian N_Z(0, σ²) with σ² = num/den (positive rational):
 * P[Z = z] ∝ exp(-z² / (2σ²)). CKS 2020, Algorithm 3, with t = floor(σ) + 1.
 */
export function sampleDiscreteGaussian(rng: RandomSource, num: bigint, den: bigint): bigint {
  if (num <= 0n || den <= 0n) throw new RangeError("sampleDiscreteGaussian: σ² must be positive");
  const t = BigInt(Math.floor(Math.sqrt(Number(num) / Number(den)))) + 1n;
  const rejectDen = 2n * num * den * t * t;
  for (;;) {
    const y = sampleDiscreteLaplace(rng, t, 1n);
    const abs = y < 0n ? -y : y;
    const diff = abs * den * t - num;
    if (bernoulliExp(rng, diff * diff, rejectDen)) return y;
  }
}
