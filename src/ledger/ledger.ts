/**
 * The Warden ledger: an append-only RFC 6962 / RFC 9162 Merkle log of canonical-JSON events over the store, with
 * inclusion and consistency proofs computed from stored perfect-subtree roots in O(log n) reads, and signed
 * checkpoints in the C2SP tlog-checkpoint / signed-note formats.
 */
import { createHash } from "node:crypto";
import { isWardenError, WardenError } from "../core/errors.ts";
import type { LedgerEntriesTable, Store } from "../store/index.ts";
import { type LedgerEntry, type LedgerEntryInput, normaliseTime, parseEntryBody, prepareEntry } from "./entry.ts";
import {
  consistencyRanges,
  coordKey,
  EMPTY_ROOT,
  foldSubtrees,
  inclusionRanges,
  type LeafRange,
  type NodeCoord,
  perfectSubtrees,
} from "./merkle.ts";
import { checkKeyName, checkOrigin, checkpointBody, type NoteSigner, noteKeyId, signNote } from "./note.ts";
import { type EntryQuery, LedgerStorage, type TreeState } from "./storage.ts";
import { type LedgerVerifyResult, verifyLedger } from "./verify-ledger.ts";

/** Options of `Ledger.open`. */
export interface LedgerOptions {
  /** Checkpoint origin line, conventionally a schema-less URL naming this log (e.g. `example.com/warden`). */
  origin: string;
  /** Keys that sign checkpoints (a hybrid key is two signers with the same name: ed25519 and ml-dsa-65). */
  signers?: readonly NoteSigner[];
}

/** A stored entry. */
export interface LedgerRecord {
  index: number;
  entry: LedgerEntry;
  /** Lower-case hex SHA-256(0x00 ‖ canonical entry). */
  leafHash: string;
}

/**
 * Filter of `find`; all given conditions must hold. Order by index, "asc" by default; `limit` defaults to 100, at most
 * 10000.
 */
export type LedgerQuery = Omit<EntryQuery, "limit"> & { limit?: number };

/** RFC 6962 §2.1.1 audit path of a leaf in a tree of `treeSize` leaves. */
export interface InclusionProof {
  index: number;
  treeSize: number;
  leafHash: string;
  rootHash: string;
  hashes: string[];
}

/** RFC 6962 §2.1.2 consistency proof between trees of `from` and `to` leaves. */
export interface ConsistencyProof {
  from: number;
  to: number;
  oldRoot: string;
  newRoot: string;
  hashes: string[];
}

/** A signed checkpoint. */
export interface Checkpoint {
  treeSize: number;
  rootHash: string;
  /** C2SP signed note. */
  note: string;
}

/** Most entries accepted in one batch. */
export const MAX_BATCH = 100_000;
const DEFAULT_FIND_LIMIT = 100;
const MAX_FIND_LIMIT = 10_000;

function hex(b: Buffer): string {
  return b.toString("hex");
}

function rangeError(message: string, treeSize: number): WardenError {
  return new WardenError("E_LEDGER_RANGE", `${message} (the ledger has ${treeSize} entries)`, {
    details: { treeSize },
  });
}

function checkIndex(name: string, value: number, treeSize: number): void {
  if (!Number.isSafeInteger(value) || value < 0)
    throw rangeError(`${name} ${value} is not a non-negative integer`, treeSize);
}

function toRecord(row: LedgerEntriesTable): LedgerRecord {
  return { index: row.idx, entry: parseEntryBody(row.body, row.idx), leafHash: row.leaf_hash };
}

/** The append-only Merkle ledger. Open with `Ledger.open(store, { origin, signers })`. */
export class Ledger {
  readonly origin: string;
  readonly #storage: LedgerStorage;
  readonly #signers: readonly NoteSigner[];
  #cache: TreeState | undefined;

  private constructor(storage: LedgerStorage, origin: string, signers: readonly NoteSigner[]) {
    this.#storage = storage;
    this.origin = origin;
    this.#signers = signers;
  }

  /** Opens the ledger kept in `store` (its tables come from migration 001-core). */
  static async open(store: Store, opts: LedgerOptions): Promise<Ledger> {
    checkOrigin(opts.origin);
    const signers = opts.signers ?? [];
    for (const s of signers) {
      checkKeyName(s.name);
      noteKeyId(s);
    }
    const ledger = new Ledger(new LedgerStorage(store), opts.origin, signers);
    try {
      await ledger.size();
    } catch (e) {
      if (isWardenError(e)) throw e;
      throw new WardenError(
        "E_DB_MIGRATION",
        `the ledger tables are missing or unreadable (${(e as Error).message}); open the database with openStore`,
        { cause: e },
      );
    }
    return ledger;
  }

  /** Appends one entry; returns its index, leaf hash and the new tree size. */
  async append(e: LedgerEntryInput): Promise<{ index: number; leafHash: string; treeSize: number }> {
    const r = await this.appendBatch([e]);
    return { index: r.first, leafHash: r.leafHashes[0]!, treeSize: r.treeSize };
  }

  /** Appends entries atomically with consecutive indexes starting at `first`. */
  async appendBatch(
    es: readonly LedgerEntryInput[],
  ): Promise<{ first: number; treeSize: number; leafHashes: string[] }> {
    if (!Array.isArray(es)) throw new WardenError("E_LEDGER_ENTRY_INVALID", "appendBatch expects an array of entries");
    if (es.length > MAX_BATCH) {
      throw new WardenError("E_INPUT_TOO_LARGE", `batch of ${es.length} entries exceeds ${MAX_BATCH}; split it`);
    }
    if (es.length === 0) {
      const size = await this.size();
      return { first: size, treeSize: size, leafHashes: [] };
    }
    const prepared = es.map((e) => prepareEntry(e));
    const out = await this.#storage.append(prepared, this.#cache);
    this.#cache = out.state;
    return { first: out.first, treeSize: out.state.size, leafHashes: prepared.map((p) => hex(p.leafHash)) };
  }

  /** Current number of entries (read from the database: other processes may append). */
  async size(): Promise<number> {
    return (await this.#storage.head()).size;
  }

  /** The entry at `index`; E_LEDGER_RANGE beyond the tree. */
  async entry(index: number): Promise<LedgerRecord> {
    const size = await this.size();
    checkIndex("index", index, size);
    if (index >= size) throw rangeError(`index ${index} is beyond the tree`, size);
    const row = await this.#storage.entry(index);
    if (row === undefined) {
      throw new WardenError("E_DB_CORRUPT", `ledger entry ${index} is missing; run \`warden ledger verify\``);
    }
    return toRecord(row);
  }

  /** Entries matching the query, by index (the governance module queries evidence by type and subject). */
  async find(q: LedgerQuery = {}): Promise<LedgerRecord[]> {
    const limit = q.limit ?? DEFAULT_FIND_LIMIT;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_FIND_LIMIT) {
      throw new WardenError("E_USAGE", `find limit must be an integer from 1 to ${MAX_FIND_LIMIT}`);
    }
    if (q.fromIndex !== undefined && (!Number.isSafeInteger(q.fromIndex) || q.fromIndex < 0)) {
      throw new WardenError("E_USAGE", "find fromIndex must be a non-negative integer");
    }
    const rows = await this.#storage.find({
      limit,
      ...(q.type === undefined ? {} : { type: q.type }),
      ...(q.subject === undefined ? {} : { subject: q.subject }),
      ...(q.actor === undefined ? {} : { actor: q.actor }),
      ...(q.since === undefined ? {} : { since: normaliseTime(q.since) }),
      ...(q.fromIndex === undefined ? {} : { fromIndex: q.fromIndex }),
      ...(q.order === undefined ? {} : { order: q.order }),
    });
    return rows.map(toRecord);
  }

  /** Reads the O(log n) perfect subtree roots the ranges decompose into; returns the MTH of each range. */
  async #resolve(ranges: readonly LeafRange[]): Promise<(r: LeafRange) => Buffer> {
    const coords = new Map<string, NodeCoord>();
    for (const r of ranges) for (const c of perfectSubtrees(r)) coords.set(coordKey(c), c);
    const hashes = await this.#storage.hashes([...coords.values()]);
    return (r) => foldSubtrees(perfectSubtrees(r).map((c) => hashes.get(coordKey(c))!));
  }

  /** RFC 6962 §2.1.1 inclusion proof of entry `index` in the tree of `treeSize` entries (default: current). */
  async inclusionProof(index: number, treeSize?: number): Promise<InclusionProof> {
    const size = await this.size();
    const n = treeSize ?? size;
    checkIndex("tree size", n, size);
    checkIndex("index", index, size);
    if (n > size) throw rangeError(`tree size ${n} is beyond the tree`, size);
    if (index >= n) throw rangeError(`index ${index} is not inside a tree of ${n} entries`, size);
    const path = inclusionRanges(index, n);
    const whole = { start: 0, end: n };
    const leaf = { start: index, end: index + 1 };
    const mth = await this.#resolve([...path, whole, leaf]);
    return {
      index,
      treeSize: n,
      leafHash: hex(mth(leaf)),
      rootHash: hex(mth(whole)),
      hashes: path.map((r) => hex(mth(r))),
    };
  }

  /** RFC 6962 §2.1.2 consistency proof between the trees of `from` and `to` entries (1 ≤ from ≤ to ≤ size). */
  async consistencyProof(from: number, to: number): Promise<ConsistencyProof> {
    const size = await this.size();
    checkIndex("from", from, size);
    checkIndex("to", to, size);
    if (to > size) throw rangeError(`tree size ${to} is beyond the tree`, size);
    if (from < 1 || from > to) throw rangeError(`consistency needs 1 ≤ from ≤ to, got from ${from}, to ${to}`, size);
    const path = consistencyRanges(from, to);
    const oldTree = { start: 0, end: from };
    const newTree = { start: 0, end: to };
    const mth = await this.#resolve([...path, oldTree, newTree]);
    return { from, to, oldRoot: hex(mth(oldTree)), newRoot: hex(mth(newTree)), hashes: path.map((r) => hex(mth(r))) };
  }

  /** MTH of the first `size` entries (hex); O(log n) reads. */
  async rootAt(size: number): Promise<string> {
    const current = await this.size();
    checkIndex("tree size", size, current);
    if (size > current) throw rangeError(`tree size ${size} is beyond the tree`, current);
    if (size === 0) return hex(EMPTY_ROOT);
    const whole = { start: 0, end: size };
    return hex((await this.#resolve([whole]))(whole));
  }

  /** Signs and records a checkpoint of the current tree (C2SP tlog-checkpoint as a signed note). */
  async checkpoint(): Promise<Checkpoint> {
    const head = await this.#storage.head();
    const note = signNote(checkpointBody(this.origin, head.size, head.root), this.#signers);
    await this.#storage.addCheckpoint({
      id: createHash("sha256").update(note).digest("hex"),
      tree_size: head.size,
      root_hash: head.root,
      note,
      created_at: new Date().toISOString(),
    });
    return { treeSize: head.size, rootHash: head.root, note };
  }

  /**
   * Recomputes everything from the stored entries: each leaf hash from its canonical bytes, every stored node, the
   * cached root, and that every checkpoint issued is still consistent. Reports the first bad index.
   */
  verify(onProgress?: (done: number, total: number) => void): Promise<LedgerVerifyResult> {
    return verifyLedger(this.#storage, { origin: this.origin, keys: this.#signers }, onProgress);
  }
}
