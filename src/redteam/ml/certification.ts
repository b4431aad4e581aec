/**
 * Certified-robustness assessment: randomized smoothing (Cohen et al. 2019) over a labelled set, reported as certified
 * accuracy at each L2 radius, the abstention rate, the distribution of certified radii and the queries spent.
 */
import { WardenError } from "../../core/errors.ts";
import { type Certificate, certifiedAccuracy, certify, type SmoothingOptions } from "./certify/smoothing.ts";
import { type Distribution, distribution } from "./evasion.ts";
import { createRng } from "./rng.ts";
import { Oracle, type Target } from "./targets/types.ts";

/** Certification options. */
export interface CertificationOptions extends SmoothingOptions {
  /** Radii at which to report certified accuracy. */
  radii: readonly number[];
  seed: number;
}

/** The certification report. */
export interface CertificationReport {
  sigma: number;
  n0: number;
  n: number;
  alpha: number;
  samples: number;
  /** Share of inputs the smoothed classifier gets right (abstentions count as wrong). */
  smoothedAccuracy: number;
  abstainRate: number;
  certifiedAccuracy: { radius: number; accuracy: number }[];
  radius: Distribution;
  queries: number;
  timeMs: number;
  certificates: (Certificate & { index: number; label: number })[];
}

/** Certifies every input of `xs` (labels `ys`). */
export async function runCertification(
  target: Target,
  xs: readonly number[][],
  ys: readonly number[],
  opts: CertificationOptions,
): Promise<CertificationReport> {
  if (!(opts.sigma > 0)) throw new WardenError("E_USAGE", `sigma must be positive, got ${opts.sigma}`);
  if (xs.length !== ys.length || xs.length === 0)
    throw new WardenError("E_USAGE", "certification needs at least one input and one label per input");
  const started = Date.now();
  const oracle = new Oracle(target);
  const rng = createRng(opts.seed);
  const certs: (Certificate & { index: number; label: number })[] = [];
  for (let i = 0; i < xs.length; i++)
    certs.push({ ...(await certify(oracle, xs[i] as number[], rng, opts)), index: i, label: ys[i] as number });
  const correct = certs.filter((c) => c.prediction === c.label);
  return {
    sigma: opts.sigma,
    n0: opts.n0 ?? 100,
    n: opts.n ?? 1000,
    alpha: opts.alpha ?? 0.001,
    samples: xs.length,
    smoothedAccuracy: correct.length / xs.length,
    abstainRate: certs.filter((c) => c.prediction === null).length / xs.length,
    certifiedAccuracy: certifiedAccuracy(
      certs,
      ys,
      [...opts.radii].sort((a, b) => a - b),
    ),
    radius: distribution(correct.map((c) => c.radius)),
    queries: oracle.queries,
    timeMs: Date.now() - started,
    certificates: certs,
  };
}
