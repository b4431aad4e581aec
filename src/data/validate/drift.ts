/**
 * Drift between a reference and a current column: the two-sample Kolmogorov–Smirnov test for numeric columns (with a
 * PSI over the reference's deciles) and Pearson's chi-squared homogeneity test for categorical columns (with a PSI over
 * the categories). A shift counts as drift when it is both significant (p < alpha) and material (PSI ≥ minPsi).
 */
import type { ColumnAccumulator } from "./profile.ts";
import { chiSquaredHomogeneity, ksTwoSample, populationStabilityIndex } from "./stats.ts";

/** The drift verdict for one column. */
export interface DriftResult {
  column: string;
  test: "ks" | "chi2";
  statistic: number;
  pValue: number;
  psi: number;
  drifted: boolean;
}

/** Counts of `values` in bins cut at `edges` (ascending; bin i is (edges[i-1], edges[i]]). */
function binCounts(values: ArrayLike<number>, edges: readonly number[]): number[] {
  const counts = new Array<number>(edges.length + 1).fill(0);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    let lo = 0;
    let hi = edges.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (v <= edges[mid]!) hi = mid;
      else lo = mid + 1;
    }
    counts[lo]! += 1;
  }
  return counts;
}

/** Drift of a numeric column: KS on the samples, PSI over reference deciles. */
export function numericDrift(
  column: string,
  reference: ArrayLike<number>,
  current: ArrayLike<number>,
  alpha: number,
  minPsi: number,
): DriftResult {
  const ks = ksTwoSample(reference, current);
  const sorted = Float64Array.from(reference).sort();
  const edges = [
    ...new Set(
      Array.from({ length: 9 }, (_, i) => sorted[Math.floor(((i + 1) / 10) * sorted.length)]!).filter(
        (x) => x !== undefined,
      ),
    ),
  ];
  const psi =
    sorted.length === 0 ? 0 : populationStabilityIndex(binCounts(reference, edges), binCounts(current, edges));
  return {
    column,
    test: "ks",
    statistic: ks.statistic,
    pValue: ks.pValue,
    psi,
    drifted: ks.pValue < alpha && psi >= minPsi,
  };
}

/** Drift of a categorical column: chi-squared homogeneity and PSI over the union of categories. */
export function categoricalDrift(
  column: string,
  reference: ReadonlyMap<string, number>,
  current: ReadonlyMap<string, number>,
  alpha: number,
  minPsi: number,
): DriftResult {
  const keys = [...new Set([...reference.keys(), ...current.keys()])];
  const a = keys.map((k) => reference.get(k) ?? 0);
  const b = keys.map((k) => current.get(k) ?? 0);
  const chi = chiSquaredHomogeneity(a, b);
  const psi = populationStabilityIndex(a, b);
  return {
    column,
    test: "chi2",
    statistic: chi.statistic,
    pValue: chi.pValue,
    psi,
    drifted: chi.pValue < alpha && psi >= minPsi,
  };
}

/** Drift of one column given both accumulators; numeric when declared or observed numeric in both. */
export function columnDrift(
  column: string,
  reference: ColumnAccumulator,
  current: ColumnAccumulator,
  numeric: boolean,
  alpha: number,
  minPsi: number,
): DriftResult {
  return numeric
    ? numericDrift(column, reference.sample, current.sample, alpha, minPsi)
    : categoricalDrift(column, reference.counts, current.counts, alpha, minPsi);
}
