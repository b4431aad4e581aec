/**
 * Randomness for the DP mechanisms: a buffered view over node:crypto's CSPRNG giving exact uniform integers
 * (BigInt, by rejection), exact Bernoulli trials with rational probabilities and 53-bit uniform doubles. Noise is never
 * drawn from Math.random().
 */
import { randomBytes } from "node:crypto";

/** A source of uniform random bits; the default draws from the operating system CSPRNG. */
export interface RandomSource {
  /** A uniform 32-bit unsigned integer. */
  uint32(): number;
}

/** CSPRNG-backed random source (node:crypto randomBytes), buffered 4 KiB at a time. */
export class CryptoRandom implements RandomSource {
  #buf: Buffer = Buffer.alloc(0);
  #pos = 0;

  uint32(): number {
    if (this.#pos + 4 > this.#buf.length) {
      this.#buf = randomBytes(4096);
      this.#pos = 0;
    }
    const v = this.#buf.readUInt32LE(this.#pos);
    this.#pos += 4;
    return v;
  }
}

/** Uniform integer in [0, n) for 1 <= n <= 2^32, by rejection (no modulo bias). */
export function uniformInt(rng: RandomSource, n: number): number {
  if (n === 1) return 0;
  const limit = 2 ** 32 - (2 ** 32 % n);
  for (;;) {
    const v = rng.uint32();
    if (v < limit) return v % n;
  }
}

/** Uniform BigInt in [0, n) for n >= 1, by rejection over the bit length of n - 1. */
export function uniformBigInt(rng: RandomSource, n: bigint): bigint {
  if (n <= 0n) throw new RangeError("uniformBigInt: n must be positive");
  if (n <= 4294967296n) return BigInt(uniformInt(rng, Number(n)));
  const bits = (n - 1n).toString(2).length;
  const words = Math.ceil(bits / 32);
  const mask = (1n << BigInt(bits)) - 1n;
  for (;;) {
    let v = 0n;
    for (let i = 0; i < words; i++) v = (v << 32n) | BigInt(rng.uint32());
    v &= mask;
    if (v < n) return v;
  }
}

/** Exact Bernoulli(num/den) trial, 0 <= num <= den. */
export function bernoulliRational(rng: RandomSource, num: bigint, den: bigint): boolean {
  return uniformBigInt(rng, den) < num;
}

/** Uniform double in [0, 1) with 53 random bits. */
export function uniform53(rng: RandomSource): number {
  const hi = rng.uint32() >>> 5; // 27 bits
  const lo = rng.uint32() >>> 6; // 26 bits
  return (hi * 67108864 + lo) / 9007199254740992;
}

/** The exact rational value of a finite, non-negative double, as [numerator, denominator] with a power-of-two denominator. */
export function toRational(x: number): [bigint, bigint] {
  if (!Number.isFinite(x) || x < 0) throw new RangeError(`toRational: ${x} is not a finite non-negative number`);
  let v = x;
  let e = 0n;
  while (!Number.isInteger(v)) {
    v *= 2; // exact: doubling a double never rounds below 2^1024
    e++;
  }
  return [BigInt(v), 1n << e];
}
