/**
 * Pure verification of Merkle proofs exactly as RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2 (consistency) specify.
 * Hashes are lower-case hex strings as everywhere in the ledger API; malformed input verifies as false.
 */
import { timingSafeEqual } from "node:crypto";
import { hashChildren } from "./merkle.ts";

const HEX_HASH = /^[0-9a-f]{64}$/;

function decode(hex: string): Buffer | undefined {
  return typeof hex === "string" && HEX_HASH.test(hex) ? Buffer.from(hex, "hex") : undefined;
}

function decodeAll(hexes: readonly string[]): Buffer[] | undefined {
  if (!Array.isArray(hexes)) return undefined;
  const out: Buffer[] = [];
  for (const h of hexes) {
    const b = decode(h);
    if (b === undefined) return undefined;
    out.push(b);
  }
  return out;
}

function isSize(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}

/**
 * RFC 9162 §2.1.3.2: true when `proof` (audit path, leaf side first) proves that the leaf with hash `leafHash` is at
 * `index` in the tree of `treeSize` leaves whose root is `root`.
 */
export function verifyInclusion(
  leafHash: string,
  index: number,
  treeSize: number,
  proof: readonly string[],
  root: string,
): boolean {
  const leaf = decode(leafHash);
  const expected = decode(root);
  const path = decodeAll(proof);
  if (leaf === undefined || expected === undefined || path === undefined) return false;
  if (!isSize(index) || !isSize(treeSize) || index >= treeSize) return false;
  let fn = index;
  let sn = treeSize - 1;
  let r = leaf;
  for (const p of path) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = hashChildren(p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = hashChildren(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && timingSafeEqual(r, expected);
}

/**
 * RFC 9162 §2.1.4.2: true when `proof` proves that the tree of `first` leaves with root `firstRoot` is a prefix of the
 * tree of `second` leaves with root `secondRoot`. For first = second the proof must be empty and the roots equal.
 */
export function verifyConsistency(
  first: number,
  second: number,
  firstRoot: string,
  secondRoot: string,
  proof: readonly string[],
): boolean {
  const firstHash = decode(firstRoot);
  const secondHash = decode(secondRoot);
  const path = decodeAll(proof);
  if (firstHash === undefined || secondHash === undefined || path === undefined) return false;
  if (!isSize(first) || !isSize(second) || first < 1 || first > second) return false;
  if (first === second) return path.length === 0 && timingSafeEqual(firstHash, secondHash);
  if (path.length === 0) return false;
  if (isPowerOfTwo(first)) path.unshift(firstHash);
  let fn = first - 1;
  let sn = second - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (let i = 1; i < path.length; i++) {
    const c = path[i]!;
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = hashChildren(c, fr);
      sr = hashChildren(c, sr);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      sr = hashChildren(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && timingSafeEqual(fr, firstHash) && timingSafeEqual(sr, secondHash);
}

function isPowerOfTwo(n: number): boolean {
  let x = n;
  while (x > 1 && x % 2 === 0) x /= 2;
  return x === 1;
}
