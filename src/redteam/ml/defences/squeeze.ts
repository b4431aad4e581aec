/**
 * Feature squeezing (Xu, Evans & Qi, "Feature Squeezing: Detecting Adversarial Examples in Deep Neural Networks", NDSS
 * 2018) as an adversarial-input detector: compare the model's prediction on the input with its predictions on
 * squeezed copies (bit-depth reduction; median smoothing for images) and flag the input when the largest L1 distance
 * exceeds a threshold chosen on clean data for a target false-positive rate (the paper uses 5%).
 */
import type { InputDomain } from "../domain.ts";
import type { Target } from "../targets/types.ts";
import { quantile } from "../vec.ts";
import type { Defence } from "./types.ts";

/** Squeezer settings. */
export interface SqueezeOptions {
  /** Bit depth for bit-depth reduction, over each feature's bounds (default 4). */
  bits?: number;
  /** Median filter window for images (default 2; 0 disables). */
  median?: number;
  /** False-positive rate on clean data used to set the threshold (default 0.05). */
  fpr?: number;
}

/** Bit-depth reduction: each bounded feature rounded to 2^bits levels between its bounds. */
export function reduceBitDepth(x: readonly number[], domain: InputDomain, bits: number): number[] {
  const levels = 2 ** bits - 1;
  return x.map((v, i) => {
    const lo = domain.lower[i] as number;
    const hi = domain.upper[i] as number;
    if (!(Number.isFinite(lo) && Number.isFinite(hi)) || hi <= lo) return v;
    return lo + (Math.round(((v - lo) / (hi - lo)) * levels) / levels) * (hi - lo);
  });
}

/** Median smoothing over a `window`×`window` neighbourhood, per channel, for an HWC image. */
export function medianSmooth(x: readonly number[], shape: readonly [number, number, number], window: number): number[] {
  const [h, w, c] = shape;
  const out = x.slice();
  const lo = -Math.floor((window - 1) / 2);
  for (let r = 0; r < h; r++)
    for (let col = 0; col < w; col++)
      for (let ch = 0; ch < c; ch++) {
        const vals: number[] = [];
        for (let dr = lo; dr < lo + window; dr++)
          for (let dc = lo; dc < lo + window; dc++) {
            const rr = Math.min(h - 1, Math.max(0, r + dr));
            const cc = Math.min(w - 1, Math.max(0, col + dc));
            vals.push(x[(rr * w + cc) * c + ch] as number);
          }
        vals.sort((a, b) => a - b);
        out[(r * w + col) * c + ch] = vals[Math.floor(vals.length / 2)] as number;
      }
  return out;
}

/** The detector's score per input: the largest L1 distance between predictions on the input and its squeezed copies. */
export async function squeezeScores(
  target: Target,
  batch: readonly number[][],
  domain: InputDomain,
  opts: SqueezeOptions = {},
): Promise<number[]> {
  const squeezers: ((x: readonly number[]) => number[])[] = [(x) => reduceBitDepth(x, domain, opts.bits ?? 4)];
  const window = opts.median ?? 2;
  const shape = domain.shape;
  if (shape && window > 1) squeezers.push((x) => medianSmooth(x, shape, window));
  const all = [batch.map((x) => x.slice()), ...squeezers.map((s) => batch.map(s))];
  const preds = await Promise.all(all.map((b) => target.predict(b)));
  const base = preds[0] as number[][];
  return batch.map((_, i) => {
    let best = 0;
    for (const p of preds.slice(1)) {
      let d = 0;
      (p[i] as number[]).forEach((v, c) => {
        d += Math.abs(v - ((base[i] as number[])[c] ?? 0));
      });
      best = Math.max(best, d);
    }
    return best;
  });
}

/** The feature-squeezing defence, its threshold calibrated on `clean` inputs. */
export function featureSqueezingDefence(
  clean: readonly number[][],
  domain: InputDomain,
  opts: SqueezeOptions = {},
): Defence {
  return {
    name: `feature-squeezing(bits=${opts.bits ?? 4}${domain.shape ? `,median=${opts.median ?? 2}` : ""})`,
    async apply(target) {
      const scores = await squeezeScores(target, clean, domain, opts);
      const threshold = quantile(scores, 1 - (opts.fpr ?? 0.05));
      return {
        target,
        async detect(batch) {
          return (await squeezeScores(target, batch, domain, opts)).map((s) => s > threshold);
        },
      };
    },
  };
}
