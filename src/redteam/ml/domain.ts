/**
 * The input domain an attack must respect: per-feature bounds and immutable features (tabular data), or a uniform
 * box such as [0, 1] for images. Every candidate an attack queries is projected into the domain first, so an
 * adversarial example is always a valid input.
 */
import { WardenError } from "../../core/errors.ts";
import type { Rng } from "./rng.ts";
import type { Norm } from "./vec.ts";

/** Feature bounds and which features an attacker may change. */
export interface InputDomain {
  readonly lower: readonly number[];
  readonly upper: readonly number[];
  /** false for features the attacker cannot change (e.g. age, a protected attribute). */
  readonly mutable: readonly boolean[];
  /** Image shape [height, width, channels] when the input is an image flattened row-major (HWC). */
  readonly shape?: readonly [number, number, number];
}

/** Options to build an InputDomain. */
export interface DomainOptions {
  lower?: number | readonly number[];
  upper?: number | readonly number[];
  immutable?: readonly number[];
  shape?: readonly [number, number, number];
}

/** Builds a domain of dimension `dim`; bounds default to ±Infinity (unbounded). */
export function createDomain(dim: number, opts: DomainOptions = {}): InputDomain {
  const expand = (v: number | readonly number[] | undefined, dflt: number, what: string): number[] => {
    if (v === undefined) return new Array<number>(dim).fill(dflt);
    if (typeof v === "number") return new Array<number>(dim).fill(v);
    if (v.length !== dim)
      throw new WardenError("E_INPUT_INVALID", `${what} bounds have ${v.length} entries but the input has ${dim}`);
    return v.slice();
  };
  const lower = expand(opts.lower, Number.NEGATIVE_INFINITY, "lower");
  const upper = expand(opts.upper, Number.POSITIVE_INFINITY, "upper");
  for (let i = 0; i < dim; i++)
    if ((lower[i] as number) > (upper[i] as number))
      throw new WardenError("E_INPUT_INVALID", `feature ${i}: lower bound ${lower[i]} exceeds upper bound ${upper[i]}`);
  const mutable = new Array<boolean>(dim).fill(true);
  for (const i of opts.immutable ?? []) {
    if (!Number.isInteger(i) || i < 0 || i >= dim)
      throw new WardenError("E_INPUT_INVALID", `immutable feature index ${i} is outside 0..${dim - 1}`);
    mutable[i] = false;
  }
  if (opts.shape && opts.shape[0] * opts.shape[1] * opts.shape[2] !== dim)
    throw new WardenError("E_INPUT_INVALID", `image shape ${opts.shape.join("x")} does not match dimension ${dim}`);
  return opts.shape ? { lower, upper, mutable, shape: opts.shape } : { lower, upper, mutable };
}

/** Clips `x` into the bounds and restores the immutable features from `origin`. */
export function project(domain: InputDomain, origin: readonly number[], x: readonly number[]): number[] {
  const out = new Array<number>(x.length);
  for (let i = 0; i < x.length; i++) {
    if (!domain.mutable[i]) out[i] = origin[i] as number;
    else out[i] = Math.min(domain.upper[i] as number, Math.max(domain.lower[i] as number, x[i] as number));
  }
  return out;
}

/** Projects `x` into the `norm` ball of radius `eps` around `origin`, then into the domain. */
export function projectBall(
  domain: InputDomain,
  origin: readonly number[],
  x: readonly number[],
  eps: number,
  norm: Norm,
): number[] {
  const d = x.map((v, i) => (domain.mutable[i] ? v - (origin[i] as number) : 0));
  if (norm === "linf") {
    for (let i = 0; i < d.length; i++) d[i] = Math.max(-eps, Math.min(eps, d[i] as number));
  } else {
    let n = 0;
    for (const v of d) n += v * v;
    n = Math.sqrt(n);
    if (n > eps) for (let i = 0; i < d.length; i++) d[i] = ((d[i] as number) * eps) / n;
  }
  return project(
    domain,
    origin,
    d.map((v, i) => (origin[i] as number) + v),
  );
}

/** Number of features the attacker may change. */
export function mutableCount(domain: InputDomain): number {
  let n = 0;
  for (const m of domain.mutable) if (m) n++;
  return n;
}

/** A uniform random point inside the domain (unbounded features keep `origin`'s value plus unit-scale noise). */
export function randomPoint(domain: InputDomain, origin: readonly number[], rng: Rng, spread = 1): number[] {
  return origin.map((o, i) => {
    if (!domain.mutable[i]) return o;
    const lo = domain.lower[i] as number;
    const hi = domain.upper[i] as number;
    if (Number.isFinite(lo) && Number.isFinite(hi)) return lo + (hi - lo) * rng.next();
    return o + spread * rng.normal();
  });
}
