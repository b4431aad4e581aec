// Merkle maths against RFC 6962 §2.1 definitions: the Certificate Transparency test vectors, a naive recursive
// implementation of MTH / PATH / PROOF written straight from the RFC text, and fast-check properties of the
// RFC 9162 verification algorithms.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, test } from "node:test";
import fc from "fast-check";
import { verifyConsistency, verifyInclusion } from "../../src/ledger/index.ts";
import {
  consistencyRanges,
  extendFrontier,
  foldSubtrees,
  inclusionRanges,
  type LeafRange,
  type MerkleNode,
  perfectSubtrees,
} from "../../src/ledger/merkle.ts";

const sha = (...parts: Buffer[]) => createHash("sha256").update(Buffer.concat(parts)).digest();
const leafHash = (d: Buffer) => sha(Buffer.from([0]), d);
const nodeHash = (l: Buffer, r: Buffer) => sha(Buffer.from([1]), l, r);

function k(n: number): number {
  let p = 1;
  while (p * 2 < n) p *= 2;
  return p;
}

/** MTH(D[n]) exactly as RFC 6962 §2.1 defines it. */
function naiveMth(d: Buffer[]): Buffer {
  if (d.length === 0) return sha();
  if (d.length === 1) return leafHash(d[0]!);
  const s = k(d.length);
  return nodeHash(naiveMth(d.slice(0, s)), naiveMth(d.slice(s)));
}

/** PATH(m, D[n]) of RFC 6962 §2.1.1. */
function naivePath(m: number, d: Buffer[]): Buffer[] {
  if (d.length <= 1) return [];
  const s = k(d.length);
  return m < s
    ? [...naivePath(m, d.slice(0, s)), naiveMth(d.slice(s))]
    : [...naivePath(m - s, d.slice(s)), naiveMth(d.slice(0, s))];
}

/** SUBPROOF(m, D[n], b) of RFC 6962 §2.1.2. */
function naiveSubproof(m: number, d: Buffer[], b: boolean): Buffer[] {
  if (m === d.length) return b ? [] : [naiveMth(d)];
  const s = k(d.length);
  return m <= s
    ? [...naiveSubproof(m, d.slice(0, s), b), naiveMth(d.slice(s))]
    : [...naiveSubproof(m - s, d.slice(s), false), naiveMth(d.slice(0, s))];
}

/** All perfect subtree roots of a leaf list, as the ledger stores them. */
function nodeTable(d: Buffer[]): Map<string, Buffer> {
  const table = new Map<string, Buffer>();
  let frontier: MerkleNode[] = [];
  d.forEach((x, i) => {
    const h = leafHash(x);
    table.set(`0/${i}`, h);
    const next = extendFrontier(frontier, i, [h]);
    frontier = next.frontier;
    for (const n of next.completed) table.set(`${n.level}/${n.idx}`, n.hash);
  });
  return table;
}

function mthFromTable(table: Map<string, Buffer>, r: LeafRange): Buffer {
  return foldSubtrees(perfectSubtrees(r).map((c) => table.get(`${c.level}/${c.idx}`)!));
}

const hex = (b: Buffer) => b.toString("hex");

// The eight leaves of the Certificate Transparency reference tests (RFC 6962 test vectors).
const CT_LEAVES = [
  "",
  "00",
  "10",
  "2021",
  "3031",
  "40414243",
  "5051525354555657",
  "606162636465666768696a6b6c6d6e6f",
].map((h) => Buffer.from(h, "hex"));
const CT_ROOTS = [
  "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
  "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
  "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
  "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
  "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
  "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
  "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
  "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

function randomLeaves(n: number, seed: number): Buffer[] {
  return Array.from({ length: n }, (_, i) => sha(Buffer.from(`${seed}:${i}`)));
}

function flipBit(hexStr: string, bit: number): string {
  const b = Buffer.from(hexStr, "hex");
  b[Math.floor(bit / 8) % 32]! ^= 1 << (bit % 8);
  return hex(b);
}

describe("RFC 6962 Merkle tree hash", () => {
  test("the empty tree hashes to SHA-256 of nothing", () => {
    assert.equal(hex(foldSubtrees([])), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  });

  test("roots of the CT reference leaves for every tree size 1..8", () => {
    const table = nodeTable(CT_LEAVES);
    for (let n = 1; n <= 8; n++) {
      assert.equal(hex(naiveMth(CT_LEAVES.slice(0, n))), CT_ROOTS[n - 1], `naive MTH of ${n}`);
      assert.equal(hex(mthFromTable(table, { start: 0, end: n })), CT_ROOTS[n - 1], `stored-node MTH of ${n}`);
    }
  });

  test("stored perfect subtrees give the naive MTH of every prefix", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.integer(), (n, seed) => {
        const d = randomLeaves(n, seed);
        const table = nodeTable(d);
        for (const m of [1, Math.ceil(n / 3), n - 1, n].filter((x) => x >= 1)) {
          assert.equal(hex(mthFromTable(table, { start: 0, end: m })), hex(naiveMth(d.slice(0, m))));
        }
      }),
      { numRuns: 60 },
    );
  });

  test("the frontier of n leaves is one perfect subtree per set bit of n", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 }), (n) => {
        const sizes = perfectSubtrees({ start: 0, end: n }).map((c) => 2 ** c.level);
        assert.equal(
          sizes.reduce((a, b) => a + b, 0),
          n,
        );
        assert.equal(sizes.length, n.toString(2).replace(/0/g, "").length);
      }),
    );
  });
});

describe("RFC 6962 proofs equal the RFC's recursive definitions", () => {
  test("audit paths PATH(m, D[n]) for all m < n ≤ 40", () => {
    const d = randomLeaves(40, 1);
    const table = nodeTable(d);
    for (let n = 1; n <= 40; n++) {
      for (let m = 0; m < n; m++) {
        const ours = inclusionRanges(m, n).map((r) => hex(mthFromTable(table, r)));
        assert.deepEqual(ours, naivePath(m, d.slice(0, n)).map(hex), `PATH(${m}, D[${n}])`);
      }
    }
  });

  test("consistency proofs PROOF(m, D[n]) for all 0 < m ≤ n ≤ 40", () => {
    const d = randomLeaves(40, 2);
    const table = nodeTable(d);
    for (let n = 1; n <= 40; n++) {
      for (let m = 1; m <= n; m++) {
        const ours = consistencyRanges(m, n).map((r) => hex(mthFromTable(table, r)));
        assert.deepEqual(ours, naiveSubproof(m, d.slice(0, n), true).map(hex), `PROOF(${m}, D[${n}])`);
      }
    }
  });

  test("proof ranges decompose into O(log n) stored nodes even at 2^40 leaves", () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 2 ** 40 }), fc.double({ min: 0, max: 1, noNaN: true }), (n, f) => {
        const m = Math.min(n - 1, Math.floor(f * n));
        const coords = new Set<string>();
        for (const r of [...inclusionRanges(m, n), ...consistencyRanges(Math.max(1, m), n)]) {
          for (const c of perfectSubtrees(r)) coords.add(`${c.level}/${c.idx}`);
        }
        assert.ok(coords.size <= 3 * 41, `${coords.size} nodes for n = ${n}`);
      }),
    );
  });
});

describe("RFC 9162 verification", () => {
  const d = randomLeaves(64, 3);
  const table = nodeTable(d);
  const root = (n: number) => hex(mthFromTable(table, { start: 0, end: n }));
  const path = (m: number, n: number) => inclusionRanges(m, n).map((r) => hex(mthFromTable(table, r)));
  const cons = (m: number, n: number) => consistencyRanges(m, n).map((r) => hex(mthFromTable(table, r)));

  test("inclusion proofs of the CT vectors verify against the published roots", () => {
    const ct = nodeTable(CT_LEAVES);
    for (let n = 1; n <= 8; n++) {
      for (let m = 0; m < n; m++) {
        const p = inclusionRanges(m, n).map((r) => hex(mthFromTable(ct, r)));
        assert.ok(verifyInclusion(hex(leafHash(CT_LEAVES[m]!)), m, n, p, CT_ROOTS[n - 1]!), `leaf ${m} in ${n}`);
      }
    }
  });

  test("every inclusion proof verifies; any bit flip, wrong index or wrong size fails", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 64 }), fc.nat(), fc.nat(), (n, mi, bit) => {
        const m = mi % n;
        const leaf = hex(table.get(`0/${m}`)!);
        const p = path(m, n);
        assert.ok(verifyInclusion(leaf, m, n, p, root(n)));
        assert.equal(verifyInclusion(flipBit(leaf, bit), m, n, p, root(n)), false);
        assert.equal(verifyInclusion(leaf, m, n, p, flipBit(root(n), bit)), false);
        if (p.length > 0) {
          const j = bit % p.length;
          const bad = p.map((h, i) => (i === j ? flipBit(h, bit >> 3) : h));
          assert.equal(verifyInclusion(leaf, m, n, bad, root(n)), false);
          assert.equal(verifyInclusion(leaf, m, n, p.slice(0, -1), root(n)), false);
        }
        assert.equal(verifyInclusion(leaf, m, n, [...p, leaf], root(n)), false);
        if (n > 1) assert.equal(verifyInclusion(leaf, (m + 1) % n, n, p, root(n)), false);
        assert.equal(verifyInclusion(leaf, m, m, p, root(n)), false);
      }),
      { numRuns: 300 },
    );
  });

  test("every consistency proof verifies; any bit flip or wrong size fails", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 64 }), fc.nat(), (a, b, bit) => {
        const m = Math.min(a, b);
        const n = Math.max(a, b);
        const p = cons(m, n);
        assert.ok(verifyConsistency(m, n, root(m), root(n), p));
        assert.equal(verifyConsistency(m, n, flipBit(root(m), bit), root(n), p), false);
        assert.equal(verifyConsistency(m, n, root(m), flipBit(root(n), bit), p), false);
        if (p.length > 0) {
          const j = bit % p.length;
          const bad = p.map((h, i) => (i === j ? flipBit(h, bit >> 3) : h));
          assert.equal(verifyConsistency(m, n, root(m), root(n), bad), false);
          assert.equal(verifyConsistency(m, n, root(m), root(n), p.slice(1)), false);
        }
        if (m < n - 1 && p.join() !== cons(m, n - 1).join()) {
          assert.equal(verifyConsistency(m, n - 1, root(m), root(n - 1), p), false);
        }
      }),
      { numRuns: 300 },
    );
  });

  test("malformed inputs verify as false, never throw", () => {
    fc.assert(
      fc.property(fc.anything(), fc.anything(), fc.anything(), fc.anything(), fc.anything(), (a, b, c, e, f) => {
        const anyVerify = verifyInclusion as (...args: unknown[]) => boolean;
        const anyCons = verifyConsistency as (...args: unknown[]) => boolean;
        assert.equal(anyVerify(a, b, c, e, f), false);
        assert.equal(anyCons(a, b, c, e, f), false);
      }),
    );
    assert.equal(verifyConsistency(0, 5, root(1), root(5), cons(1, 5)), false);
    assert.equal(verifyConsistency(3, 3, root(3), root(3), []), true);
    assert.equal(verifyConsistency(3, 3, root(3), root(3), [root(3)]), false);
    assert.equal(verifyInclusion(hex(table.get("0/0")!), 0, 1, [], root(1)), true);
  });
});
