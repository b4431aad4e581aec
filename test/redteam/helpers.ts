/** Shared fixtures for the red-team tests: a linear binary classifier with known geometry, synthetic data, CSV. */
import { createRng } from "../../src/redteam/ml/rng.ts";
import { functionTarget, type Target } from "../../src/redteam/ml/targets/types.ts";

/** A binary logistic classifier p(1|x) = σ(w·x + b) with its exact geometry. */
export interface LinearModel {
  w: number[];
  b: number;
  target: Target;
  /** Minimal L2 distance from x to the decision boundary, |w·x + b| / ‖w‖₂. */
  minL2(x: readonly number[]): number;
  /** Minimal L∞ distance from x to the boundary (unbounded domain), |w·x + b| / ‖w‖₁. */
  minLinf(x: readonly number[]): number;
  label(x: readonly number[]): number;
}

export function linearModel(dim: number, seed: number, withGradient = true): LinearModel {
  const rng = createRng(seed);
  const w = Array.from({ length: dim }, () => rng.normal());
  const b = 0.1;
  const margin = (x: readonly number[]) => x.reduce((s, v, i) => s + v * (w[i] as number), b);
  const l2 = Math.sqrt(w.reduce((s, v) => s + v * v, 0));
  const l1 = w.reduce((s, v) => s + Math.abs(v), 0);
  const predict = (batch: number[][]) =>
    batch.map((x) => {
      const p = 1 / (1 + Math.exp(-margin(x)));
      return [1 - p, p];
    });
  const gradient = (batch: number[][], labels: number[]) =>
    batch.map((x, n) => {
      const p = 1 / (1 + Math.exp(-margin(x)));
      const coef = p - (labels[n] === 1 ? 1 : 0);
      return w.map((v) => coef * v);
    });
  return {
    w,
    b,
    target: functionTarget(predict, withGradient ? { name: "linear", gradient } : { name: "linear" }),
    minL2: (x) => Math.abs(margin(x)) / l2,
    minLinf: (x) => Math.abs(margin(x)) / l1,
    label: (x) => (margin(x) > 0 ? 1 : 0),
  };
}

/** Gaussian points. */
export function gaussianPoints(n: number, dim: number, seed: number, scale = 1): number[][] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => Array.from({ length: dim }, () => scale * rng.normal()));
}

/** Two Gaussian blobs (class 0 around -mu, class 1 around +mu) for training small models. */
export function blobs(n: number, dim: number, seed: number, separation = 1.5): { x: number[][]; y: number[] } {
  const rng = createRng(seed);
  const mu = Array.from({ length: dim }, () => rng.normal());
  const norm = Math.sqrt(mu.reduce((s, v) => s + v * v, 0));
  const x: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % 2;
    const sgn = c === 1 ? 1 : -1;
    x.push(mu.map((m) => (sgn * separation * m) / norm + rng.normal()));
    y.push(c);
  }
  return { x, y };
}
