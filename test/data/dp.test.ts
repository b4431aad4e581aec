/** Tests of the DP samplers and mechanisms: distributions checked statistically against exact CDFs/PMFs. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { errorFunction } from "simple-statistics";
import { bernoulliExp, sampleDiscreteGaussian, sampleDiscreteLaplace } from "../../src/data/dp/discrete.ts";
import {
  dpQuantile,
  epsilonFromRho,
  exponentialMechanism,
  gaussianMechanism,
  laplaceMechanism,
  rhoFromEpsilonDelta,
} from "../../src/data/dp/mechanisms.ts";
import { CryptoRandom, toRational, uniformBigInt } from "../../src/data/dp/random.ts";
import { chiSquaredHomogeneity, ksOneSample } from "../../src/data/validate/stats.ts";

const rng = new CryptoRandom();
/** Significance level for the statistical tests: a correct sampler fails one of them with probability ~1e-5. */
const ALPHA = 1e-5;

const laplaceCdf = (b: number) => (x: number) => (x < 0 ? 0.5 * Math.exp(x / b) : 1 - 0.5 * Math.exp(-x / b));
const normalCdf = (s: number) => (x: number) => 0.5 * (1 + errorFunction(x / (s * Math.SQRT2)));

test("toRational is exact", () => {
  assert.deepEqual(toRational(0.75), [3n, 4n]);
  assert.deepEqual(toRational(5), [5n, 1n]);
  const [n, d] = toRational(0.1);
  assert.equal(Number(n) / Number(d), 0.1);
  assert.throws(() => toRational(Number.NaN), RangeError);
});

test("uniformBigInt is uniform over a range wider than 32 bits", () => {
  const n = 3n * 2n ** 40n;
  const counts = [0, 0, 0];
  for (let i = 0; i < 3000; i++) counts[Number(uniformBigInt(rng, n) / 2n ** 40n)]! += 1;
  const r = chiSquaredHomogeneity(counts, [1000, 1000, 1000]);
  assert.ok(r.pValue > ALPHA, `p=${r.pValue}`);
});

test("bernoulliExp has probability exp(-x), also for x > 1", () => {
  for (const [num, den] of [
    [1n, 2n],
    [5n, 2n],
  ] as const) {
    const p = Math.exp(-Number(num) / Number(den));
    const n = 20_000;
    let k = 0;
    for (let i = 0; i < n; i++) if (bernoulliExp(rng, num, den)) k++;
    const z = (k - n * p) / Math.sqrt(n * p * (1 - p));
    assert.ok(Math.abs(z) < 4.5, `x=${num}/${den}: observed ${k / n}, expected ${p}`);
  }
});

test("discrete Laplace matches its exact PMF (scale 2)", () => {
  const scale = 2;
  const n = 20_000;
  const observed = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const z = Number(sampleDiscreteLaplace(rng, 2n, 1n));
    const key = Math.max(-8, Math.min(8, z));
    observed.set(key, (observed.get(key) ?? 0) + 1);
  }
  const c = (Math.exp(1 / scale) - 1) / (Math.exp(1 / scale) + 1);
  const pmf = (z: number) => c * Math.exp(-Math.abs(z) / scale);
  const tail = (z: number) => (c * Math.exp(-z / scale)) / (1 - Math.exp(-1 / scale)); // P[Z >= z], z > 0
  const obs: number[] = [];
  const exp: number[] = [];
  for (let z = -8; z <= 8; z++) {
    obs.push(observed.get(z) ?? 0);
    exp.push(n * (Math.abs(z) === 8 ? tail(8) : pmf(z)));
  }
  // Compare observed counts with a large "expected" sample: homogeneity with a 100x reference behaves like goodness of fit.
  const r = chiSquaredHomogeneity(
    obs,
    exp.map((e) => e * 100),
  );
  assert.ok(r.pValue > ALPHA, `chi2=${r.statistic} p=${r.pValue}`);
});

test("discrete Gaussian has the right variance", () => {
  const n = 10_000;
  let ss = 0;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const z = Number(sampleDiscreteGaussian(rng, 9n, 1n));
    s += z;
    ss += z * z;
  }
  const variance = ss / n - (s / n) ** 2;
  assert.ok(Math.abs(variance - 9) < 0.6, `variance ${variance}`);
  assert.ok(Math.abs(s / n) < 0.15, `mean ${s / n}`);
});

test("Laplace mechanism noise passes Kolmogorov–Smirnov against the exact Laplace CDF", () => {
  const draws: number[] = [];
  let scale = 0;
  let gamma = 0;
  for (let i = 0; i < 3000; i++) {
    const r = laplaceMechanism([0], 1, 0.5, rng);
    draws.push(r.values[0]!);
    scale = r.scale;
    gamma = r.granularity;
  }
  assert.ok(Math.abs(scale - 2) < 1e-4, `scale ${scale}`);
  for (const d of draws) assert.equal(Number.isInteger(d / gamma), true, "outputs lie on the grid");
  const ks = ksOneSample(draws, laplaceCdf(scale));
  assert.ok(ks.pValue > ALPHA, `KS D=${ks.statistic} p=${ks.pValue}`);
  // The test has power: the same draws are rejected against a Laplace of twice the scale.
  assert.ok(ksOneSample(draws, laplaceCdf(2 * scale)).pValue < 1e-6);
});

test("Laplace mechanism centres on the true value (non-grid value, vector)", () => {
  const n = 2000;
  let s0 = 0;
  let s1 = 0;
  for (let i = 0; i < n; i++) {
    const r = laplaceMechanism([1234.5678, -3], 1, 1, rng);
    s0 += r.values[0]!;
    s1 += r.values[1]!;
  }
  assert.ok(Math.abs(s0 / n - 1234.5678) < 0.25, `mean ${s0 / n}`);
  assert.ok(Math.abs(s1 / n + 3) < 0.25, `mean ${s1 / n}`);
});

test("Gaussian mechanism noise passes Kolmogorov–Smirnov against the normal CDF with σ = Δ/√(2ρ)", () => {
  const rho = 0.125;
  const draws: number[] = [];
  let sigma = 0;
  for (let i = 0; i < 3000; i++) {
    const r = gaussianMechanism([10], 1, rho, rng);
    draws.push(r.values[0]! - 10);
    sigma = r.scale;
  }
  assert.ok(Math.abs(sigma - 2) < 1e-4, `sigma ${sigma}`);
  const ks = ksOneSample(draws, normalCdf(sigma));
  assert.ok(ks.pValue > ALPHA, `KS D=${ks.statistic} p=${ks.pValue}`);
  assert.ok(ksOneSample(draws, laplaceCdf(sigma / Math.SQRT2)).pValue < 0.01);
});

test("zCDP conversions invert each other (Bun & Steinke Prop. 1.3)", () => {
  for (const [e, d] of [
    [0.5, 1e-6],
    [2, 1e-9],
    [0.01, 1e-5],
  ] as const) {
    const rho = rhoFromEpsilonDelta(e, d);
    assert.ok(Math.abs(epsilonFromRho(rho, d) - e) < 1e-9);
  }
  assert.equal(epsilonFromRho(0.1, 0), Number.POSITIVE_INFINITY);
  assert.throws(() => rhoFromEpsilonDelta(1, 0), RangeError);
});

test("exponential mechanism picks candidates with probability ∝ exp(εu/2Δ)", () => {
  const utilities = [0, -1, -2, -4];
  const eps = 2;
  const n = 20_000;
  const counts = [0, 0, 0, 0];
  for (let i = 0; i < n; i++) counts[exponentialMechanism(utilities, 1, eps, rng)]! += 1;
  const w = utilities.map((u) => Math.exp((eps * u) / 2));
  const total = w.reduce((a, b) => a + b, 0);
  const r = chiSquaredHomogeneity(
    counts,
    w.map((x) => (x / total) * n * 100),
  );
  assert.ok(r.pValue > ALPHA, `counts ${counts} p=${r.pValue}`);
});

test("DP quantile lands near the true median and stays within bounds", () => {
  const sorted = Float64Array.from({ length: 1001 }, (_, i) => i);
  const outs: number[] = [];
  for (let i = 0; i < 50; i++) outs.push(dpQuantile(sorted, 0.5, 0, 1000, 1, rng));
  for (const o of outs) assert.ok(o >= 0 && o <= 1000);
  const within = outs.filter((o) => Math.abs(o - 500) <= 20).length;
  assert.ok(within >= 45, `only ${within}/50 within ±20 of the median`);
  assert.throws(() => dpQuantile(sorted, 1.5, 0, 1000, 1, rng), RangeError);
});

test("mechanisms reject bad parameters", () => {
  assert.throws(() => laplaceMechanism([1], 1, 0, rng), RangeError);
  assert.throws(() => laplaceMechanism([1], -1, 1, rng), RangeError);
  assert.throws(() => laplaceMechanism([Number.NaN], 1, 1, rng), RangeError);
  assert.throws(() => gaussianMechanism([1], 1, Number.POSITIVE_INFINITY, rng), RangeError);
});
