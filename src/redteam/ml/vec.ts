/** Small dense-vector helpers shared by the attacks, certification and the test models (plain number arrays). */

/** Which norm an attack bounds or minimises. */
export type Norm = "l2" | "linf";

export function sub(a: readonly number[], b: readonly number[]): number[] {
  return a.map((v, i) => v - (b[i] as number));
}

export function dot(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}

export function l2(a: readonly number[]): number {
  return Math.sqrt(dot(a, a));
}

export function linf(a: readonly number[]): number {
  let m = 0;
  for (const v of a) m = Math.max(m, Math.abs(v));
  return m;
}

/** The norm of `a` in `norm`. */
export function norm(a: readonly number[], kind: Norm): number {
  return kind === "l2" ? l2(a) : linf(a);
}

/** Distance between `a` and `b` in `norm`. */
export function distance(a: readonly number[], b: readonly number[], kind: Norm): number {
  return norm(sub(a, b), kind);
}

export function argmax(a: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < a.length; i++) if ((a[i] as number) > (a[best] as number)) best = i;
  return best;
}

/** Numerically stable softmax. */
export function softmax(logits: readonly number[]): number[] {
  let m = Number.NEGATIVE_INFINITY;
  for (const v of logits) m = Math.max(m, v);
  const e = logits.map((v) => Math.exp(v - m));
  let s = 0;
  for (const v of e) s += v;
  return e.map((v) => v / s);
}

/** One-hot vector of length `k`. */
export function oneHot(label: number, k: number): number[] {
  const out = new Array<number>(k).fill(0);
  out[label] = 1;
  return out;
}

export function mean(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/** The q-quantile (0..1) of `xs` by linear interpolation. */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = xs.slice().sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return (s[lo] as number) + ((s[hi] as number) - (s[lo] as number)) * (pos - lo);
}
