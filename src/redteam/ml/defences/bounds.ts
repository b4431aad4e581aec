/**
 * Input bounds check: reject inputs of the wrong length, with a non-finite feature, or with a feature outside the
 * bounds observed on training data (plus a relative tolerance). Attacks that respect the declared domain pass it; it
 * catches out-of-range probes and attacks run with looser bounds than production enforces.
 */
import type { Defence } from "./types.ts";

/** Options for the bounds check. */
export interface BoundsCheckOptions {
  lower: readonly number[];
  upper: readonly number[];
  /** Slack as a fraction of each feature's range (default 0). */
  tolerance?: number;
}

/** True when `x` is outside the bounds or not finite. */
export function outOfBounds(x: readonly number[], opts: BoundsCheckOptions): boolean {
  const tol = opts.tolerance ?? 0;
  if (x.length !== opts.lower.length) return true;
  return x.some((v, i) => {
    const lo = opts.lower[i] ?? Number.NEGATIVE_INFINITY;
    const hi = opts.upper[i] ?? Number.POSITIVE_INFINITY;
    const slack = Number.isFinite(hi - lo) ? tol * (hi - lo) : 0;
    return !Number.isFinite(v) || v < lo - slack || v > hi + slack;
  });
}

/** The bounds-check defence. */
export function boundsCheckDefence(opts: BoundsCheckOptions): Defence {
  return {
    name: "bounds-check",
    async apply(target) {
      return {
        target,
        async detect(batch) {
          return batch.map((x) => outOfBounds(x, opts));
        },
      };
    },
  };
}
