/**
 * Differential-privacy mechanisms: Laplace and Gaussian noise on a power-of-two grid with exact discrete samplers
 * (Canonne, Kamath & Steinke 2020), zero-concentrated DP calibration (Bun & Steinke 2016) and the exponential
 * mechanism (McSherry & Talwar 2007).
 *
 * Why a grid: a textbook sampler (b · ln(U) on doubles) leaks the input through which doubles it can output
 * (Mironov 2012). Here the true value is rounded to a multiple of γ = 2^k (k chosen so the noise scale is about 2^20 γ),
 * integer noise from an exact discrete sampler is added in grid units with BigInt arithmetic, and the result is scaled
 * back. Rounding can move two neighbouring values at most γ further apart, so the sensitivity used is Δ + γ per
 * coordinate; the final conversion to a double is post-processing of an exactly private integer.
 */
import { sampleDiscreteGaussian, sampleDiscreteLaplace } from "./discrete.ts";
import { type RandomSource, toRational, uniform53 } from "./random.ts";

/** Grid resolution: the noise scale is about 2^GRID_BITS grid steps. */
const GRID_BITS = 20;
/** Relative slack added to scales so double rounding never makes the noise smaller than the analysis needs. */
const SLACK = 1 + 2 ** -40;

/** A released vector with the noise parameters used. */
export interface NoisyRelease {
  values: number[];
  /** Laplace scale b or Gaussian standard deviation σ actually used (includes the grid correction). */
  scale: number;
  /** Grid step γ the outputs lie on. */
  granularity: number;
}

function gridFor(scale: number): number {
  return 2 ** (Math.floor(Math.log2(scale)) - GRID_BITS);
}

function checkPositive(name: string, v: number): void {
  if (!Number.isFinite(v) || v <= 0) throw new RangeError(`${name} must be a finite positive number, got ${v}`);
}

function toGrid(values: readonly number[], gamma: number): bigint[] {
  return values.map((v) => {
    if (!Number.isFinite(v)) throw new RangeError(`cannot add noise to a non-finite value (${v})`);
    const g = Math.round(v / gamma);
    if (!Number.isFinite(g)) throw new RangeError(`value ${v} is too large for the noise grid`);
    return BigInt(g);
  });
}

/**
 * The Laplace mechanism (Dwork, McSherry, Nissim & Smith 2006) for a vector with L1 sensitivity `l1Sensitivity`:
 * ε-DP. Noise per coordinate is discrete Laplace on the grid (CKS 2020, Algorithm 2).
 */
export function laplaceMechanism(
  values: readonly number[],
  l1Sensitivity: number,
  epsilon: number,
  rng: RandomSource,
): NoisyRelease {
  checkPositive("sensitivity", l1Sensitivity);
  checkPositive("epsilon", epsilon);
  const gamma = gridFor(l1Sensitivity / epsilon);
  const scale = ((l1Sensitivity + values.length * gamma) / epsilon) * SLACK;
  const [t, s] = toRational(scale / gamma);
  const grid = toGrid(values, gamma);
  return {
    values: grid.map((g) => Number(g + sampleDiscreteLaplace(rng, t, s)) * gamma),
    scale,
    granularity: gamma,
  };
}

/**
 * The Gaussian mechanism for a vector with L2 sensitivity `l2Sensitivity`, calibrated to ρ-zCDP:
 * σ = Δ₂ / √(2ρ) (Bun & Steinke 2016, Prop. 1.6). Noise per coordinate is discrete Gaussian on the grid
 * (CKS 2020, Algorithm 3; the discrete Gaussian satisfies the same ρ-zCDP bound, their Theorem 4).
 */
export function gaussianMechanism(
  values: readonly number[],
  l2Sensitivity: number,
  rho: number,
  rng: RandomSource,
): NoisyRelease {
  checkPositive("sensitivity", l2Sensitivity);
  checkPositive("rho", rho);
  const gamma = gridFor(l2Sensitivity / Math.sqrt(2 * rho));
  const sigma = ((l2Sensitivity + Math.sqrt(values.length) * gamma) / Math.sqrt(2 * rho)) * SLACK;
  const sigmaGrid = sigma / gamma;
  const [num, den] = toRational(sigmaGrid * sigmaGrid);
  const grid = toGrid(values, gamma);
  return {
    values: grid.map((g) => Number(g + sampleDiscreteGaussian(rng, num, den)) * gamma),
    scale: sigma,
    granularity: gamma,
  };
}

/**
 * The largest ρ such that ρ-zCDP implies (ε, δ)-DP under the conversion ε = ρ + 2√(ρ ln(1/δ))
 * (Bun & Steinke 2016, Prop. 1.3): ρ = (√(ln(1/δ) + ε) − √(ln(1/δ)))².
 */
export function rhoFromEpsilonDelta(epsilon: number, delta: number): number {
  checkPositive("epsilon", epsilon);
  if (!(delta > 0 && delta < 1)) throw new RangeError(`delta must be in (0, 1), got ${delta}`);
  const l = Math.log(1 / delta);
  const r = Math.sqrt(l + epsilon) - Math.sqrt(l);
  return r * r;
}

/** The ε of (ε, δ)-DP implied by ρ-zCDP: ε = ρ + 2√(ρ ln(1/δ)) (Bun & Steinke 2016, Prop. 1.3). */
export function epsilonFromRho(rho: number, delta: number): number {
  if (rho === 0) return 0;
  if (!(delta > 0 && delta < 1)) return Number.POSITIVE_INFINITY;
  return rho + 2 * Math.sqrt(rho * Math.log(1 / delta));
}

/**
 * Samples an index i with probability proportional to exp(logWeights[i]) (entries may be -Infinity), by inverse CDF
 * over a 53-bit CSPRNG uniform. Weights are normalised by their maximum first, so no exponential overflows; the
 * selection probabilities carry double rounding (relative error ~1e-15), a documented limitation of floating-point
 * exponential mechanisms (Ilvento, CCS 2020).
 */
export function sampleLogWeights(logWeights: ArrayLike<number>, rng: RandomSource): number {
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < logWeights.length; i++) if (logWeights[i]! > max) max = logWeights[i]!;
  if (max === Number.NEGATIVE_INFINITY || Number.isNaN(max)) throw new RangeError("no candidate has positive weight");
  const cumulative = new Float64Array(logWeights.length);
  let total = 0;
  for (let i = 0; i < logWeights.length; i++) {
    total += Math.exp(logWeights[i]! - max);
    cumulative[i] = total;
  }
  const target = uniform53(rng) * total;
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cumulative[mid]! > target) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * The exponential mechanism (McSherry & Talwar, FOCS 2007): picks candidate i with probability
 * ∝ exp(ε · utility[i] / (2Δ)); ε-DP when each utility has sensitivity Δ.
 */
export function exponentialMechanism(
  utilities: readonly number[],
  sensitivity: number,
  epsilon: number,
  rng: RandomSource,
): number {
  checkPositive("sensitivity", sensitivity);
  checkPositive("epsilon", epsilon);
  return sampleLogWeights(
    utilities.map((u) => (epsilon * u) / (2 * sensitivity)),
    rng,
  );
}

/**
 * ε-DP quantile by the exponential mechanism over the intervals between sorted, clamped values (Smith, STOC 2011):
 * interval [z_i, z_{i+1}] has utility −|i − q·n| (sensitivity 1) and base measure its length; a point is then drawn
 * uniformly inside the chosen interval. `sorted` must be ascending and within [lo, hi].
 */
export function dpQuantile(
  sorted: ArrayLike<number>,
  q: number,
  lo: number,
  hi: number,
  epsilon: number,
  rng: RandomSource,
): number {
  checkPositive("epsilon", epsilon);
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile must be in [0, 1], got ${q}`);
  if (!(lo < hi)) throw new RangeError(`bounds must satisfy lo < hi, got ${lo}, ${hi}`);
  const n = sorted.length;
  const logw = new Float64Array(n + 1);
  const target = q * n;
  for (let i = 0; i <= n; i++) {
    const left = i === 0 ? lo : sorted[i - 1]!;
    const right = i === n ? hi : sorted[i]!;
    const len = right - left;
    logw[i] = len > 0 ? Math.log(len) - (epsilon * Math.abs(i - target)) / 2 : Number.NEGATIVE_INFINITY;
  }
  const i = sampleLogWeights(logw, rng);
  const left = i === 0 ? lo : sorted[i - 1]!;
  const right = i === n ? hi : sorted[i]!;
  return left + uniform53(rng) * (right - left);
}
