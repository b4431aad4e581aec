/**
 * Full audit of a stored ledger: streams the entries in index order, recomputes every leaf hash from the canonical
 * bytes (RFC 6962 §2.1), every perfect subtree root and compares them with the stored nodes, the cached head, and the
 * root at every issued checkpoint. Reports the lowest index whose stored data cannot be trusted.
 */
import { timingSafeEqual } from "node:crypto";
import { canonicalJson } from "../core/canonical-json.ts";
import { isWardenError } from "../core/errors.ts";
import { parseEntryBody } from "./entry.ts";
import { extendFrontier, foldSubtrees, hashLeaf, type MerkleNode } from "./merkle.ts";
import { type NoteKey, openNote, parseCheckpointBody } from "./note.ts";
import type { LedgerStorage } from "./storage.ts";

/** Outcome of `Ledger.verify`. */
export type LedgerVerifyResult = { ok: true; treeSize: number } | { ok: false; firstBadIndex: number; reason: string };

const CHUNK = 8192;

interface Problem {
  index: number;
  reason: string;
}

function sameHex(a: Buffer, b: string): boolean {
  return /^[0-9a-f]{64}$/.test(b) && timingSafeEqual(a, Buffer.from(b, "hex"));
}

function firstProblem(problems: readonly Problem[]): Problem | undefined {
  let best: Problem | undefined;
  for (const p of problems) if (best === undefined || p.index < best.index) best = p;
  return best;
}

/** Verifies `storage` completely; `trusted` are the checkpoint origin and the public keys of its signers. */
export async function verifyLedger(
  storage: LedgerStorage,
  trusted: { origin: string; keys: readonly NoteKey[] },
  onProgress?: (done: number, total: number) => void,
): Promise<LedgerVerifyResult> {
  const head = await storage.head();
  const n = head.size;
  const checkpoints = await storage.checkpoints();
  const bad = (p: Problem): LedgerVerifyResult => ({ ok: false, firstBadIndex: p.index, reason: p.reason });

  // Checkpoint notes must match their recorded tree and verify under the ledger's keys where those signed them.
  for (const c of checkpoints) {
    try {
      const body = parseCheckpointBody(c.note.slice(0, c.note.lastIndexOf("\n\n") + 1));
      if (body.treeSize !== c.tree_size || body.rootHash !== c.root_hash || body.origin !== trusted.origin) {
        return bad({
          index: Math.min(c.tree_size, n),
          reason: `checkpoint at size ${c.tree_size} does not match its note`,
        });
      }
      const known = trusted.keys.filter((k) => c.note.includes(`\u2014 ${k.name} `));
      if (known.length > 0) openNote(c.note, known);
    } catch (e) {
      if (!isWardenError(e)) throw e;
      return bad({ index: Math.min(c.tree_size, n), reason: `checkpoint at size ${c.tree_size}: ${e.message}` });
    }
  }
  const pending = checkpoints.filter((c) => c.tree_size > 0);
  let nextCheckpoint = 0;
  let lastGood = 0;

  let frontier: MerkleNode[] = [];
  for (let start = 0; start < n; start += CHUNK) {
    const end = Math.min(n, start + CHUNK);
    const rows = await storage.entries(start, end);
    const problems: Problem[] = [];
    const leaves: Buffer[] = [];
    for (let i = start; i < end; i++) {
      const row = rows[i - start];
      if (row === undefined || row.idx !== i) {
        problems.push({ index: i, reason: `entry ${i} is missing` });
        break;
      }
      const leaf = hashLeaf(Buffer.from(row.body, "utf8"));
      if (!sameHex(leaf, row.leaf_hash)) {
        problems.push({ index: i, reason: `entry ${i}: stored leaf hash does not match the entry's bytes` });
        break;
      }
      try {
        const e = parseEntryBody(row.body, i);
        if (canonicalJson(e) !== row.body) {
          problems.push({ index: i, reason: `entry ${i} is not canonical JSON` });
          break;
        }
        if (e.type !== row.type || e.subject !== row.subject || e.actor !== row.actor || e.time !== row.time) {
          problems.push({ index: i, reason: `entry ${i}: indexed columns differ from the entry` });
          break;
        }
      } catch (err) {
        if (!isWardenError(err)) throw err;
        problems.push({ index: i, reason: err.message });
        break;
      }
      leaves.push(leaf);
    }
    // The good prefix of the chunk, leaf by leaf so that the root at every checkpoint size can be compared.
    const completed: MerkleNode[] = [];
    for (let j = 0; j < leaves.length; j++) {
      const next = extendFrontier(frontier, start + j, [leaves[j]!]);
      frontier = next.frontier;
      completed.push(...next.completed);
      const size = start + j + 1;
      while (nextCheckpoint < pending.length && pending[nextCheckpoint]!.tree_size === size) {
        const c = pending[nextCheckpoint++]!;
        if (!sameHex(foldSubtrees(frontier.map((f) => f.hash)), c.root_hash)) {
          problems.push({
            index: lastGood,
            reason: `the tree of ${size} entries no longer has the root of the checkpoint issued at ${c.created_at}: entries in [${lastGood}, ${size}) were rewritten`,
          });
        } else {
          lastGood = size;
        }
      }
    }
    problems.push(...(await compareNodes(storage, completed)));
    const p = firstProblem(problems);
    if (p !== undefined) return bad(p);
    onProgress?.(end, n);
  }
  const extraEntries = await storage.countEntriesFrom(n);
  if (extraEntries > 0)
    return bad({ index: n, reason: `${extraEntries} entries are stored beyond the head size ${n}` });
  let expectedNodes = 0;
  for (let width = 2; width <= n; width *= 2) expectedNodes += Math.floor(n / width);
  const storedNodes = await storage.nodeCount();
  if (storedNodes !== expectedNodes) {
    return bad({
      index: n,
      reason: `${storedNodes} tree nodes are stored where a tree of ${n} entries has ${expectedNodes}`,
    });
  }
  if (!sameHex(foldSubtrees(frontier.map((f) => f.hash)), head.root)) {
    return bad({ index: n, reason: `the cached root does not match the root recomputed from the ${n} entries` });
  }
  const beyond = pending.find((c) => c.tree_size > n);
  if (beyond !== undefined) {
    return bad({
      index: n,
      reason: `a checkpoint was issued at size ${beyond.tree_size} but the ledger has only ${n} entries`,
    });
  }
  return { ok: true, treeSize: n };
}

async function compareNodes(storage: LedgerStorage, completed: readonly MerkleNode[]): Promise<Problem[]> {
  const problems: Problem[] = [];
  const byLevel = new Map<number, MerkleNode[]>();
  for (const node of completed) {
    const list = byLevel.get(node.level) ?? [];
    list.push(node);
    byLevel.set(node.level, list);
  }
  for (const [level, nodes] of byLevel) {
    const lo = nodes[0]!.idx;
    const hi = nodes[nodes.length - 1]!.idx;
    const stored = new Map((await storage.nodes(level, lo, hi + 1)).map((r) => [r.idx, r.hash] as const));
    for (const node of nodes) {
      const s = stored.get(node.idx);
      const first = node.idx * 2 ** level;
      if (s === undefined)
        problems.push({ index: first, reason: `tree node (level ${level}, index ${node.idx}) is missing` });
      else if (!sameHex(node.hash, s)) {
        problems.push({
          index: first,
          reason: `tree node (level ${level}, index ${node.idx}) does not match its entries`,
        });
      }
    }
  }
  return problems;
}
