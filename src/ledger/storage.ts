/**
 * Ledger persistence over the store: the serialised append transaction (one code path per dialect: prepared
 * statements on the raw better-sqlite3 handle under `BEGIN IMMEDIATE`; Kysely on PostgreSQL with the head row locked
 * `FOR UPDATE`), O(log n) reads of perfect subtree roots, and the plain queries used by find, checkpoints and verify.
 */
import type Database from "better-sqlite3";
import type { Kysely } from "kysely";
import { isWardenError, WardenError } from "../core/errors.ts";
import type {
  CoreTables,
  LedgerCheckpointsTable,
  LedgerEntriesTable,
  PostgresStore,
  SqliteStore,
  Store,
} from "../store/index.ts";
import type { PreparedEntry } from "./entry.ts";
import { coordKey, extendFrontier, foldSubtrees, type MerkleNode, type NodeCoord, perfectSubtrees } from "./merkle.ts";

/** The tree state an append continues from: size and frontier (perfect subtree roots of [0, size), largest first). */
export interface TreeState {
  size: number;
  frontier: MerkleNode[];
}

/** Result of one committed append. */
export interface AppendOutcome {
  first: number;
  state: TreeState;
  root: Buffer;
}

/** Filter of `find`. */
export interface EntryQuery {
  type?: string;
  subject?: string;
  actor?: string;
  /** Only entries whose time is at or after this ISO-8601 UTC time (normalised). */
  since?: string;
  /** Only entries with index ≥ fromIndex. */
  fromIndex?: number;
  order?: "asc" | "desc";
  limit: number;
}

const PG_ROWS_PER_INSERT = 1000;

function corrupt(message: string, cause?: unknown): WardenError {
  return new WardenError(
    "E_DB_CORRUPT",
    `${message}; run \`warden ledger verify\``,
    cause === undefined ? {} : { cause },
  );
}

function hex(h: Buffer): string {
  return h.toString("hex");
}

function unhex(value: unknown, where: string): Buffer {
  if (typeof value !== "string" || !/^[0-9a-f]{64}$/.test(value))
    throw corrupt(`stored hash of ${where} is not 64 hex digits`);
  return Buffer.from(value, "hex");
}

function entryValues(p: PreparedEntry, idx: number): LedgerEntriesTable {
  return {
    idx,
    leaf_hash: hex(p.leafHash),
    type: p.entry.type,
    subject: p.entry.subject,
    actor: p.entry.actor,
    time: p.entry.time,
    body: p.body,
  };
}

function nodeWhere(c: NodeCoord): string {
  return c.level === 0 ? `leaf ${c.idx}` : `node (level ${c.level}, index ${c.idx})`;
}

/** Prepared statements of the SQLite hot path, one set per database handle. */
interface SqliteStatements {
  head: Database.Statement<[], { tree_size: number; root_hash: string }>;
  leaf: Database.Statement<[number], { leaf_hash: string }>;
  node: Database.Statement<[number, number], { hash: string }>;
  insertEntry: Database.Statement<[number, string, string, string, string, string, string]>;
  insertNode: Database.Statement<[number, number, string]>;
  updateHead: Database.Statement<[number, string]>;
}

const statementCache = new WeakMap<Database.Database, SqliteStatements>();

function sqliteStatements(raw: Database.Database): SqliteStatements {
  let st = statementCache.get(raw);
  if (st === undefined) {
    st = {
      head: raw.prepare("select tree_size, root_hash from ledger_head where id = 1"),
      leaf: raw.prepare("select leaf_hash from ledger_entries where idx = ?"),
      node: raw.prepare("select hash from ledger_nodes where level = ? and idx = ?"),
      insertEntry: raw.prepare(
        "insert into ledger_entries (idx, leaf_hash, type, subject, actor, time, body) values (?, ?, ?, ?, ?, ?, ?)",
      ),
      insertNode: raw.prepare("insert into ledger_nodes (level, idx, hash) values (?, ?, ?)"),
      updateHead: raw.prepare("update ledger_head set tree_size = ?, root_hash = ? where id = 1"),
    };
    statementCache.set(raw, st);
  }
  return st;
}

function sqliteHash(st: SqliteStatements, c: NodeCoord): Buffer {
  const row = c.level === 0 ? st.leaf.get(c.idx)?.leaf_hash : st.node.get(c.level, c.idx)?.hash;
  if (row === undefined) throw corrupt(`${nodeWhere(c)} is missing from the ledger`);
  return unhex(row, nodeWhere(c));
}

function headOf(row: { tree_size: number; root_hash: string } | undefined): { size: number; root: string } {
  if (row === undefined) throw corrupt("the ledger head row is missing");
  if (!Number.isSafeInteger(row.tree_size) || row.tree_size < 0) throw corrupt("the ledger head size is invalid");
  return { size: row.tree_size, root: row.root_hash };
}

function constraintError(e: unknown): unknown {
  const code = (e as { code?: unknown }).code;
  if (typeof code === "string" && code.startsWith("SQLITE_CONSTRAINT")) {
    return corrupt("the ledger head disagrees with the stored entries (an index is already taken)", e);
  }
  return e;
}

function appendSqlite(store: SqliteStore, entries: readonly PreparedEntry[], cache: TreeState | undefined) {
  return store.writeRaw((raw): AppendOutcome => {
    const st = sqliteStatements(raw);
    const { size } = headOf(st.head.get());
    const frontier =
      cache?.size === size
        ? cache.frontier
        : perfectSubtrees({ start: 0, end: size }).map((c) => ({ ...c, hash: sqliteHash(st, c) }));
    const next = extendFrontier(
      frontier,
      size,
      entries.map((p) => p.leafHash),
    );
    try {
      for (let j = 0; j < entries.length; j++) {
        const p = entries[j]!;
        st.insertEntry.run(
          size + j,
          hex(p.leafHash),
          p.entry.type,
          p.entry.subject,
          p.entry.actor,
          p.entry.time,
          p.body,
        );
      }
      for (const n of next.completed) st.insertNode.run(n.level, n.idx, hex(n.hash));
    } catch (e) {
      throw constraintError(e);
    }
    const root = foldSubtrees(next.frontier.map((n) => n.hash));
    const treeSize = size + entries.length;
    st.updateHead.run(treeSize, hex(root));
    return { first: size, state: { size: treeSize, frontier: next.frontier }, root };
  });
}

async function kyselyHashes(db: Kysely<CoreTables>, coords: readonly NodeCoord[]): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  const leaves = coords.filter((c) => c.level === 0).map((c) => c.idx);
  const inner = coords.filter((c) => c.level > 0);
  if (leaves.length > 0) {
    const rows = await db
      .selectFrom("ledger_entries")
      .select(["idx", "leaf_hash"])
      .where("idx", "in", leaves)
      .execute();
    for (const r of rows) out.set(coordKey({ level: 0, idx: r.idx }), unhex(r.leaf_hash, `leaf ${r.idx}`));
  }
  if (inner.length > 0) {
    const rows = await db
      .selectFrom("ledger_nodes")
      .select(["level", "idx", "hash"])
      .where((eb) => eb.or(inner.map((c) => eb.and([eb("level", "=", c.level), eb("idx", "=", c.idx)]))))
      .execute();
    for (const r of rows) out.set(coordKey(r), unhex(r.hash, nodeWhere(r)));
  }
  for (const c of coords) if (!out.has(coordKey(c))) throw corrupt(`${nodeWhere(c)} is missing from the ledger`);
  return out;
}

async function appendPostgres(store: PostgresStore, entries: readonly PreparedEntry[], cache: TreeState | undefined) {
  return store.writeTransaction(async (trx): Promise<AppendOutcome> => {
    const { size } = headOf(
      await trx
        .selectFrom("ledger_head")
        .select(["tree_size", "root_hash"])
        .where("id", "=", 1)
        .forUpdate()
        .executeTakeFirst(),
    );
    let frontier: MerkleNode[];
    if (cache?.size === size) {
      frontier = cache.frontier;
    } else {
      const coords = perfectSubtrees({ start: 0, end: size });
      const hashes = await kyselyHashes(trx, coords);
      frontier = coords.map((c) => ({ ...c, hash: hashes.get(coordKey(c))! }));
    }
    const next = extendFrontier(
      frontier,
      size,
      entries.map((p) => p.leafHash),
    );
    for (let j = 0; j < entries.length; j += PG_ROWS_PER_INSERT) {
      const rows = entries.slice(j, j + PG_ROWS_PER_INSERT).map((p, k) => entryValues(p, size + j + k));
      await trx.insertInto("ledger_entries").values(rows).execute();
    }
    for (let j = 0; j < next.completed.length; j += PG_ROWS_PER_INSERT) {
      const rows = next.completed
        .slice(j, j + PG_ROWS_PER_INSERT)
        .map((n) => ({ level: n.level, idx: n.idx, hash: hex(n.hash) }));
      await trx.insertInto("ledger_nodes").values(rows).execute();
    }
    const root = foldSubtrees(next.frontier.map((n) => n.hash));
    const treeSize = size + entries.length;
    await trx
      .updateTable("ledger_head")
      .set({ tree_size: treeSize, root_hash: hex(root) })
      .where("id", "=", 1)
      .execute();
    return { first: size, state: { size: treeSize, frontier: next.frontier }, root };
  });
}

/** The ledger's view of the store. */
export class LedgerStorage {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
  }

  /** Appends prepared entries in one serialised transaction; `cache` skips re-reading the frontier when current. */
  async append(entries: readonly PreparedEntry[], cache: TreeState | undefined): Promise<AppendOutcome> {
    try {
      return this.#store.dialect === "sqlite"
        ? await appendSqlite(this.#store, entries, cache)
        : await appendPostgres(this.#store, entries, cache);
    } catch (e) {
      if (isWardenError(e)) throw e;
      throw new WardenError("E_DB_CORRUPT", `ledger append failed: ${(e as Error).message}`, { cause: e });
    }
  }

  /** Current tree size and root (hex) from the head row. */
  async head(): Promise<{ size: number; root: string }> {
    const store = this.#store;
    if (store.dialect === "sqlite") return store.withRaw((raw) => headOf(sqliteStatements(raw).head.get()));
    return headOf(
      await this.#store.db
        .selectFrom("ledger_head")
        .select(["tree_size", "root_hash"])
        .where("id", "=", 1)
        .executeTakeFirst(),
    );
  }

  /** Hashes of perfect subtrees (level 0 = leaves); throws E_DB_CORRUPT when one is missing. */
  async hashes(coords: readonly NodeCoord[]): Promise<Map<string, Buffer>> {
    const store = this.#store;
    if (store.dialect === "postgres") return kyselyHashes(store.db, coords);
    return store.withRaw((raw) => {
      const st = sqliteStatements(raw);
      return new Map(coords.map((c) => [coordKey(c), sqliteHash(st, c)] as const));
    });
  }

  /** Entry rows with start ≤ idx < end, by index. */
  entries(start: number, end: number): Promise<LedgerEntriesTable[]> {
    return this.#store.db
      .selectFrom("ledger_entries")
      .selectAll()
      .where("idx", ">=", start)
      .where("idx", "<", end)
      .orderBy("idx")
      .execute();
  }

  /** Number of entry rows with idx ≥ start. */
  async countEntriesFrom(start: number): Promise<number> {
    const row = await this.#store.db
      .selectFrom("ledger_entries")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("idx", ">=", start)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  /** Stored nodes of one level with start ≤ idx < end. */
  nodes(level: number, start: number, end: number): Promise<{ idx: number; hash: string }[]> {
    return this.#store.db
      .selectFrom("ledger_nodes")
      .select(["idx", "hash"])
      .where("level", "=", level)
      .where("idx", ">=", start)
      .where("idx", "<", end)
      .orderBy("idx")
      .execute();
  }

  /** Total number of stored nodes (levels ≥ 1). */
  async nodeCount(): Promise<number> {
    const row = await this.#store.db
      .selectFrom("ledger_nodes")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  /** Entries matching `q`. */
  find(q: EntryQuery): Promise<LedgerEntriesTable[]> {
    let query = this.#store.db.selectFrom("ledger_entries").selectAll();
    if (q.type !== undefined) query = query.where("type", "=", q.type);
    if (q.subject !== undefined) query = query.where("subject", "=", q.subject);
    if (q.actor !== undefined) query = query.where("actor", "=", q.actor);
    if (q.since !== undefined) query = query.where("time", ">=", q.since);
    if (q.fromIndex !== undefined) query = query.where("idx", ">=", q.fromIndex);
    return query
      .orderBy("idx", q.order ?? "asc")
      .limit(q.limit)
      .execute();
  }

  /** One entry row, or undefined. */
  entry(index: number): Promise<LedgerEntriesTable | undefined> {
    return this.#store.db.selectFrom("ledger_entries").selectAll().where("idx", "=", index).executeTakeFirst();
  }

  /** Records an issued checkpoint (idempotent on identical notes). */
  async addCheckpoint(row: LedgerCheckpointsTable): Promise<void> {
    await this.#store.db
      .insertInto("ledger_checkpoints")
      .values(row)
      .onConflict((oc) => oc.column("id").doNothing())
      .execute();
  }

  /** Every issued checkpoint, smallest tree first. */
  checkpoints(): Promise<LedgerCheckpointsTable[]> {
    return this.#store.db.selectFrom("ledger_checkpoints").selectAll().orderBy("tree_size").orderBy("id").execute();
  }
}
