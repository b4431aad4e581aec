/**
 * A small seeded pseudo-random generator (SplitMix32-style mixing over a Weyl sequence) for reproducible sampling in
 * profiles, detectors and benchmarks. Not for secrets or DP noise: those use node:crypto (see src/data/dp/random.ts).
 */

/** A reproducible generator of doubles in [0, 1). */
export interface SeededRandom {
  next(): number;
  /** Integer in [0, n). */
  int(n: number): number;
}

/** Creates a generator from a 32-bit seed. */
export function seededRandom(seed: number): SeededRandom {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    z ^= z >>> 16;
    return (z >>> 0) / 4294967296;
  };
  return { next, int: (n) => Math.floor(next() * n) };
}
