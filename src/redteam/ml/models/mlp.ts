/**
 * A small trainable classifier in plain TypeScript: softmax regression (`hidden: 0`) or a one-hidden-layer tanh
 * network, trained with Adam on the cross-entropy loss, optionally with DP-SGD (Abadi et al., "Deep Learning with
 * Differential Privacy", CCS 2016: per-example gradient clipping plus Gaussian noise). It is the default surrogate for
 * model extraction, the default routine for shadow and reference models in membership inference, and exposes its
 * exact input gradient so white-box attacks can use it.
 */
import { WardenError } from "../../../core/errors.ts";
import { createRng, type Rng, shuffled } from "../rng.ts";
import { functionTarget, type Target } from "../targets/types.ts";

/** A trained in-process classifier. */
export interface Classifier {
  readonly inputDim: number;
  readonly numClasses: number;
  /** Class probabilities. */
  predict(batch: readonly (readonly number[])[]): number[][];
  /** Gradient of the cross-entropy loss of `labels` with respect to each input. */
  inputGradient(batch: readonly (readonly number[])[], labels: readonly number[]): number[][];
}

/** Anything that maps a batch of inputs to class probabilities (a model a training routine returns). */
export interface Predictor {
  predict(batch: readonly (readonly number[])[]): number[][] | Promise<number[][]>;
}

/** A training routine: features and labels in, model out (shadow models, reference models, surrogates). */
export type TrainRoutine = (
  features: readonly (readonly number[])[],
  labels: readonly number[],
  seed: number,
) => Predictor | Promise<Predictor>;

/** Training options. */
export interface MlpOptions {
  /** Hidden units; 0 trains softmax regression (default 0). */
  hidden?: number;
  /** Passes over the data (default 100). */
  epochs?: number;
  /** Adam step size (default 0.05). */
  learningRate?: number;
  /** Mini-batch size (default 32). */
  batchSize?: number;
  /** L2 weight decay (default 0). */
  weightDecay?: number;
  /** Number of classes (default: largest label + 1, at least 2). */
  numClasses?: number;
  /** DP-SGD: clip each example's gradient to L2 norm `clip` and add N(0, (noiseMultiplier·clip)²) to each batch sum. */
  dp?: { clip: number; noiseMultiplier: number };
  seed?: number;
}

class Mlp implements Classifier {
  readonly params: Float64Array;
  private readonly w2Offset: number;
  private readonly b2Offset: number;
  private readonly width: number;

  constructor(
    readonly inputDim: number,
    readonly numClasses: number,
    readonly hidden: number,
    rng: Rng,
  ) {
    const d = inputDim;
    this.width = hidden > 0 ? hidden : d;
    const first = hidden > 0 ? hidden * d + hidden : 0;
    this.w2Offset = first;
    this.b2Offset = first + numClasses * this.width;
    this.params = new Float64Array(this.b2Offset + numClasses);
    if (hidden > 0) {
      const a = Math.sqrt(6 / (d + hidden));
      for (let i = 0; i < hidden * d; i++) this.params[i] = (2 * rng.next() - 1) * a;
    }
    const a2 = Math.sqrt(6 / (this.width + numClasses));
    for (let i = this.w2Offset; i < this.b2Offset; i++) this.params[i] = (2 * rng.next() - 1) * a2;
  }

  /** Hidden activations (the input itself for softmax regression) and class probabilities. */
  forward(x: readonly number[]): { h: Float64Array; p: Float64Array } {
    const { hidden, inputDim: d, numClasses: k, params: w, width } = this;
    const h = new Float64Array(width);
    if (hidden > 0) {
      for (let j = 0; j < hidden; j++) {
        let s = w[hidden * d + j] as number;
        const row = j * d;
        for (let i = 0; i < d; i++) s += (w[row + i] as number) * (x[i] as number);
        h[j] = Math.tanh(s);
      }
    } else for (let i = 0; i < d; i++) h[i] = x[i] as number;
    const z = new Float64Array(k);
    let m = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < k; c++) {
      let s = w[this.b2Offset + c] as number;
      const row = this.w2Offset + c * width;
      for (let j = 0; j < width; j++) s += (w[row + j] as number) * (h[j] as number);
      z[c] = s;
      m = Math.max(m, s);
    }
    let sum = 0;
    for (let c = 0; c < k; c++) {
      z[c] = Math.exp((z[c] as number) - m);
      sum += z[c] as number;
    }
    for (let c = 0; c < k; c++) z[c] = (z[c] as number) / sum;
    return { h, p: z };
  }

  /** Back-propagates the loss of `y` at `x`: adds parameter gradients into `grad` (if given), returns d loss / d x. */
  backward(x: readonly number[], y: number, grad: Float64Array | null): Float64Array {
    const { hidden, inputDim: d, numClasses: k, params: w, width } = this;
    const { h, p } = this.forward(x);
    const dz = p;
    dz[y] = (dz[y] as number) - 1;
    const dh = new Float64Array(width);
    for (let c = 0; c < k; c++) {
      const g = dz[c] as number;
      const row = this.w2Offset + c * width;
      if (grad) grad[this.b2Offset + c] = (grad[this.b2Offset + c] as number) + g;
      for (let j = 0; j < width; j++) {
        if (grad) grad[row + j] = (grad[row + j] as number) + g * (h[j] as number);
        dh[j] = (dh[j] as number) + g * (w[row + j] as number);
      }
    }
    if (hidden === 0) return dh;
    const dx = new Float64Array(d);
    for (let j = 0; j < hidden; j++) {
      const hj = h[j] as number;
      const da = (dh[j] as number) * (1 - hj * hj);
      if (da === 0) continue;
      const row = j * d;
      if (grad) grad[hidden * d + j] = (grad[hidden * d + j] as number) + da;
      for (let i = 0; i < d; i++) {
        if (grad) grad[row + i] = (grad[row + i] as number) + da * (x[i] as number);
        dx[i] = (dx[i] as number) + da * (w[row + i] as number);
      }
    }
    return dx;
  }

  predict(batch: readonly (readonly number[])[]): number[][] {
    return batch.map((x) => Array.from(this.forward(x).p));
  }

  inputGradient(batch: readonly (readonly number[])[], labels: readonly number[]): number[][] {
    return batch.map((x, n) => Array.from(this.backward(x, labels[n] as number, null)));
  }
}

/** Trains a softmax-regression or one-hidden-layer classifier on `features`/`labels`. */
export function trainClassifier(
  features: readonly (readonly number[])[],
  labels: readonly number[],
  opts: MlpOptions = {},
): Classifier {
  if (features.length === 0 || features.length !== labels.length)
    throw new WardenError("E_INPUT_INVALID", "training needs as many labels as feature rows, and at least one row");
  const d = (features[0] as readonly number[]).length;
  let maxLabel = 1;
  for (const y of labels) {
    if (!Number.isInteger(y) || y < 0) throw new WardenError("E_INPUT_INVALID", `label ${y} is not a class index`);
    maxLabel = Math.max(maxLabel, y);
  }
  const k = opts.numClasses ?? maxLabel + 1;
  const rng = createRng(opts.seed ?? 1);
  const model = new Mlp(d, k, opts.hidden ?? 0, rng);
  const w = model.params;
  const n = w.length;
  const m = new Float64Array(n);
  const v = new Float64Array(n);
  const lr = opts.learningRate ?? 0.05;
  const bs = Math.max(1, opts.batchSize ?? 32);
  const decay = opts.weightDecay ?? 0;
  const dp = opts.dp;
  let step = 0;
  const index = features.map((_, i) => i);
  const grad = new Float64Array(n);
  const one = dp ? new Float64Array(n) : null;
  for (let epoch = 0; epoch < (opts.epochs ?? 100); epoch++) {
    const order = shuffled(index, rng);
    for (let b = 0; b < order.length; b += bs) {
      const batch = order.slice(b, b + bs);
      grad.fill(0);
      for (const i of batch) {
        if (one && dp) {
          one.fill(0);
          model.backward(features[i] as readonly number[], labels[i] as number, one);
          let norm = 0;
          for (let j = 0; j < n; j++) norm += (one[j] as number) ** 2;
          const f = Math.min(1, dp.clip / (Math.sqrt(norm) || 1));
          for (let j = 0; j < n; j++) grad[j] = (grad[j] as number) + f * (one[j] as number);
        } else model.backward(features[i] as readonly number[], labels[i] as number, grad);
      }
      if (dp) for (let j = 0; j < n; j++) grad[j] = (grad[j] as number) + dp.noiseMultiplier * dp.clip * rng.normal();
      step++;
      const c1 = 1 - 0.9 ** step;
      const c2 = 1 - 0.999 ** step;
      for (let j = 0; j < n; j++) {
        const g = (grad[j] as number) / batch.length + decay * (w[j] as number);
        m[j] = 0.9 * (m[j] as number) + 0.1 * g;
        v[j] = 0.999 * (v[j] as number) + 0.001 * g * g;
        w[j] = (w[j] as number) - (lr * ((m[j] as number) / c1)) / (Math.sqrt((v[j] as number) / c2) + 1e-8);
      }
    }
  }
  return model;
}

/** A classifier as an assessment Target (scores and exact gradients). */
export function classifierTarget(model: Classifier, name = "in-process"): Target {
  return functionTarget((batch) => model.predict(batch), {
    name,
    gradient: (batch, labels) => model.inputGradient(batch, labels),
  });
}

/** The default training routine: the same classifier family with fixed options. */
export function defaultTrainRoutine(opts: MlpOptions = {}): TrainRoutine {
  return (features, labels, seed) => trainClassifier(features, labels, { ...opts, seed });
}
