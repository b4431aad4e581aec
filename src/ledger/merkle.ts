/**
 * Pure Merkle tree maths of RFC 6962 §2.1 (RFC 9162 §2.1): leaf and interior node hashing, the decomposition of the
 * subtrees used by the Merkle Tree Hash (MTH), audit paths (§2.1.1) and consistency proofs (§2.1.2) into perfect
 * aligned subtrees, and the append frontier. No I/O: the ledger stores perfect subtree roots and resolves the
 * coordinates computed here with O(log n) reads.
 */
import { createHash } from "node:crypto";

/** A perfect aligned subtree: level L, index i covers leaves [i·2^L, (i+1)·2^L). Level 0 is a leaf. */
export interface NodeCoord {
  level: number;
  idx: number;
}

/** A half-open leaf range [start, end) as visited by the RFC 6962 recursions. */
export interface LeafRange {
  start: number;
  end: number;
}

/** A stored perfect subtree root. */
export interface MerkleNode extends NodeCoord {
  hash: Buffer;
}

/** MTH({}) = SHA-256() (RFC 6962 §2.1). */
export const EMPTY_ROOT: Buffer = createHash("sha256").digest();

/** Leaf hash: SHA-256(0x00 ‖ entry). */
export function hashLeaf(entry: Uint8Array): Buffer {
  return createHash("sha256").update(LEAF_PREFIX).update(entry).digest();
}

/** Interior node hash: SHA-256(0x01 ‖ left ‖ right). */
export function hashChildren(left: Uint8Array, right: Uint8Array): Buffer {
  return createHash("sha256").update(NODE_PREFIX).update(left).update(right).digest();
}

const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

/** The largest power of two strictly smaller than n (n ≥ 2): the split point k of RFC 6962 §2.1. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** Stable map key of a coordinate. */
export function coordKey(c: NodeCoord): string {
  return `${c.level}/${c.idx}`;
}

/**
 * The perfect aligned subtrees whose hashes, folded from the right with `hashChildren`, give MTH(D[start:end]) for any
 * range visited by the RFC 6962 recursions (their start is aligned to the smallest power of two ≥ their size).
 * For [0, n) these are the roots of the "frontier" of a tree of n leaves, largest first.
 */
export function perfectSubtrees(range: LeafRange): NodeCoord[] {
  const out: NodeCoord[] = [];
  let a = range.start;
  while (a < range.end) {
    let size = 1;
    let level = 0;
    while (size * 2 <= range.end - a && a % (size * 2) === 0) {
      size *= 2;
      level++;
    }
    out.push({ level, idx: a / size });
    a += size;
  }
  return out;
}

/** Folds perfect subtree hashes (largest first) into the MTH of their union; the empty list gives EMPTY_ROOT. */
export function foldSubtrees(hashes: readonly Buffer[]): Buffer {
  let h = hashes[hashes.length - 1];
  if (h === undefined) return EMPTY_ROOT;
  for (let i = hashes.length - 2; i >= 0; i--) h = hashChildren(hashes[i]!, h);
  return h;
}

/**
 * The ranges whose MTHs form the audit path PATH(m, D[0:n]) of RFC 6962 §2.1.1, in proof order (leaf side first).
 * Requires 0 ≤ m < n.
 */
export function inclusionRanges(m: number, n: number): LeafRange[] {
  const out: LeafRange[] = [];
  let start = 0;
  let end = n;
  while (end - start > 1) {
    const k = splitPoint(end - start);
    if (m < start + k) {
      out.push({ start: start + k, end });
      end = start + k;
    } else {
      out.push({ start, end: start + k });
      start += k;
    }
  }
  return out.reverse();
}

/**
 * The ranges whose MTHs form the consistency proof PROOF(m, D[0:n]) = SUBPROOF(m, D[0:n], true) of RFC 6962 §2.1.2,
 * in proof order. Requires 0 < m ≤ n; m = n gives the empty proof.
 */
export function consistencyRanges(m: number, n: number): LeafRange[] {
  const out: LeafRange[] = [];
  let start = 0;
  let end = n;
  let complete = true;
  while (m !== end) {
    const k = splitPoint(end - start);
    if (m <= start + k) {
      out.push({ start: start + k, end });
      end = start + k;
    } else {
      out.push({ start, end: start + k });
      start += k;
      complete = false;
    }
  }
  if (!complete) out.push({ start, end });
  return out.reverse();
}

/**
 * Appends leaves to a tree of `size` leaves whose frontier (perfect subtree roots of [0, size), largest first) is
 * `frontier`. Returns the new frontier and every perfect subtree completed on the way (levels ≥ 1), which the ledger
 * stores in the same transaction as the leaves.
 */
export function extendFrontier(
  frontier: readonly MerkleNode[],
  size: number,
  leafHashes: readonly Buffer[],
): { frontier: MerkleNode[]; completed: MerkleNode[] } {
  const stack = frontier.slice();
  const completed: MerkleNode[] = [];
  for (let j = 0; j < leafHashes.length; j++) {
    let node: MerkleNode = { level: 0, idx: size + j, hash: leafHashes[j]! };
    let top = stack[stack.length - 1];
    while (top !== undefined && top.level === node.level) {
      stack.pop();
      node = { level: node.level + 1, idx: top.idx / 2, hash: hashChildren(top.hash, node.hash) };
      completed.push(node);
      top = stack[stack.length - 1];
    }
    stack.push(node);
  }
  return { frontier: stack, completed };
}
