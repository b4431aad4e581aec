/**
 * Distribution tests shared by data validation, the DP tests and (through `src/data/index.ts`) the runtime monitor:
 * one- and two-sample Kolmogorov–Smirnov, Pearson's chi-squared test of homogeneity and the population stability
 * index. p-values use the asymptotic Kolmogorov distribution with Stephens' small-sample correction
 * (Numerical Recipes 3rd ed., §14.3.3) and the regularized incomplete gamma function (§6.2).
 */

/** A test result: the statistic and its p-value. */
export interface TestResult {
  statistic: number;
  pValue: number;
}

/** Survival function of the Kolmogorov distribution, Q_KS(λ) = P(K > λ). */
export function kolmogorovQ(lambda: number): number {
  if (lambda <= 0) return 1;
  if (lambda < 1.18) {
    const y = Math.exp(-(Math.PI * Math.PI) / (8 * lambda * lambda));
    let s = 0;
    for (let j = 1; j <= 7; j += 2) s += y ** (j * j);
    return Math.min(1, Math.max(0, 1 - (Math.sqrt(2 * Math.PI) / lambda) * s));
  }
  const x = Math.exp(-2 * lambda * lambda);
  let s = 0;
  for (let j = 1; j <= 100; j++) {
    const term = (j % 2 === 1 ? 1 : -1) * x ** (j * j);
    s += term;
    if (Math.abs(term) < 1e-16) break;
  }
  return Math.min(1, Math.max(0, 2 * s));
}

function ksP(d: number, ne: number): number {
  const sq = Math.sqrt(ne);
  return kolmogorovQ((sq + 0.12 + 0.11 / sq) * d);
}

/** One-sample Kolmogorov–Smirnov test of `sample` against a continuous CDF. */
export function ksOneSample(sample: readonly number[], cdf: (x: number) => number): TestResult {
  const xs = Float64Array.from(sample).sort();
  const n = xs.length;
  if (n === 0) return { statistic: 0, pValue: 1 };
  let d = 0;
  for (let i = 0; i < n; i++) {
    const f = cdf(xs[i]!);
    d = Math.max(d, (i + 1) / n - f, f - i / n);
  }
  return { statistic: d, pValue: ksP(d, n) };
}

/** Two-sample Kolmogorov–Smirnov test: D = sup |F_a − F_b|. */
export function ksTwoSample(a: ArrayLike<number>, b: ArrayLike<number>): TestResult {
  const xa = Float64Array.from(a).sort();
  const xb = Float64Array.from(b).sort();
  const n = xa.length;
  const m = xb.length;
  if (n === 0 || m === 0) return { statistic: 0, pValue: 1 };
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < n && j < m) {
    const v = Math.min(xa[i]!, xb[j]!);
    while (i < n && xa[i]! <= v) i++;
    while (j < m && xb[j]! <= v) j++;
    d = Math.max(d, Math.abs(i / n - j / m));
  }
  return { statistic: d, pValue: ksP(d, (n * m) / (n + m)) };
}

/** ln Γ(x) for x > 0 (Lanczos approximation, g = 7, n = 9). */
export function lnGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  const z = x - 1;
  let a = c[0]!;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Regularized upper incomplete gamma Q(a, x) = Γ(a, x)/Γ(a), by series or continued fraction. */
export function gammaQ(a: number, x: number): number {
  if (x <= 0) return 1;
  const gln = lnGamma(a);
  if (x < a + 1) {
    let ap = a;
    let sum = 1 / a;
    let del = sum;
    for (let n = 0; n < 10_000; n++) {
      ap += 1;
      del *= x / ap;
      sum += del;
      if (Math.abs(del) < Math.abs(sum) * 1e-15) break;
    }
    return Math.max(0, 1 - sum * Math.exp(-x + a * Math.log(x) - gln));
  }
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 10_000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return Math.min(1, Math.exp(-x + a * Math.log(x) - gln) * h);
}

/** P(χ²_df > x): the chi-squared survival function. */
export function chiSquaredSurvival(x: number, df: number): number {
  return gammaQ(df / 2, x / 2);
}

/**
 * Pearson's chi-squared test of homogeneity between two count vectors over the same categories (a 2×k contingency
 * table); categories empty in both are dropped; df = k − 1.
 */
export function chiSquaredHomogeneity(a: readonly number[], b: readonly number[]): TestResult {
  const na = a.reduce((s, x) => s + x, 0);
  const nb = b.reduce((s, x) => s + x, 0);
  if (na === 0 || nb === 0) return { statistic: 0, pValue: 1 };
  const total = na + nb;
  let stat = 0;
  let k = 0;
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const oa = a[i] ?? 0;
    const ob = b[i] ?? 0;
    const col = oa + ob;
    if (col === 0) continue;
    k++;
    const ea = (col * na) / total;
    const eb = (col * nb) / total;
    stat += (oa - ea) ** 2 / ea + (ob - eb) ** 2 / eb;
  }
  if (k < 2) return { statistic: 0, pValue: 1 };
  return { statistic: stat, pValue: chiSquaredSurvival(stat, k - 1) };
}

/**
 * Population stability index Σ (p_a − p_r) ln(p_a / p_r) between actual and reference count vectors, with proportions
 * floored at 1e-4 so empty bins stay finite. Rule of thumb: < 0.1 stable, 0.1–0.25 moderate, > 0.25 major shift.
 */
export function populationStabilityIndex(reference: readonly number[], actual: readonly number[]): number {
  const nr = reference.reduce((s, x) => s + x, 0);
  const na = actual.reduce((s, x) => s + x, 0);
  if (nr === 0 || na === 0) return 0;
  let psi = 0;
  for (let i = 0; i < Math.max(reference.length, actual.length); i++) {
    const pr = Math.max(1e-4, (reference[i] ?? 0) / nr);
    const pa = Math.max(1e-4, (actual[i] ?? 0) / na);
    psi += (pa - pr) * Math.log(pa / pr);
  }
  return psi;
}
