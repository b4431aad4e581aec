/**
 * Opens the Warden database: Kysely over better-sqlite3 (default) or over a PostgreSQL `pg` Pool, then applies the
 * pending migrations. Also provides serialised write transactions that hold across processes.
 */
import { createHash } from "node:crypto";
import Database from "better-sqlite3";
import { Kysely, PostgresDialect, SqliteDialect, sql } from "kysely";
import pg from "pg";
import { WardenError } from "../core/errors.ts";
import { runMigrations } from "./migrate.ts";
import { MIGRATIONS } from "./migrations/index.ts";
import type { CoreTables } from "./tables.ts";

export type Dialect = "sqlite" | "postgres";

/** Options of `openStore`. */
export interface OpenStoreOptions {
  /** `postgres://` or `postgresql://` URL selects PostgreSQL; otherwise SQLite at `sqlitePath` is used. */
  url?: string;
  /** SQLite database file (`:memory:` for a throw-away database). */
  sqlitePath?: string;
  /** PostgreSQL only: schema to use (created if missing) instead of the connection's default `search_path`. */
  schema?: string;
  /** SQLite only: how long a writer waits for another process's write lock (default 5000 ms). */
  busyTimeoutMs?: number;
}

/** What both dialects offer. */
interface StoreBase {
  readonly db: Kysely<CoreTables>;
  /**
   * Runs `fn` in one write transaction serialised against every other writer, in this and other processes:
   * SQLite `BEGIN IMMEDIATE`; PostgreSQL a transaction that first takes `pg_advisory_xact_lock` on `lock` (when given;
   * otherwise lock rows yourself, e.g. `SELECT ... FOR UPDATE`). Use only the `trx` passed in inside `fn`: on SQLite
   * the single connection is held, so queries through `store.db` would wait forever.
   */
  writeTransaction<T>(fn: (trx: Kysely<CoreTables>) => Promise<T>, opts?: { lock?: string }): Promise<T>;
  close(): Promise<void>;
}

/** A store over SQLite, with access to the raw better-sqlite3 handle for hot paths. */
export interface SqliteStore extends StoreBase {
  readonly dialect: "sqlite";
  readonly path: string;
  /** Runs synchronous `fn` on the raw better-sqlite3 handle while holding Kysely's connection (no interleaving). */
  withRaw<T>(fn: (raw: Database.Database) => T): Promise<T>;
  /**
   * Runs synchronous `fn` on the raw handle inside a `BEGIN IMMEDIATE` transaction (the hot-path twin of
   * `writeTransaction`): committed when `fn` returns, rolled back when it throws.
   */
  writeRaw<T>(fn: (raw: Database.Database) => T): Promise<T>;
}

/** A store over PostgreSQL. */
export interface PostgresStore extends StoreBase {
  readonly dialect: "postgres";
  readonly pool: pg.Pool;
}

/** The database handle shared by every domain. */
export type Store = SqliteStore | PostgresStore;

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** `url` with any password replaced by `***`, safe to show in messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@]*@/, "//$1:***@");
  }
}

/** 64-bit PostgreSQL advisory-lock key for a lock name (first 8 bytes of SHA-256, signed). */
export function advisoryLockKey(name: string): string {
  return createHash("sha256").update(`warden:${name}`).digest().readBigInt64BE(0).toString();
}

/**
 * Opens the database and applies pending migrations. PostgreSQL when `url` starts with `postgres://` or
 * `postgresql://`, SQLite (WAL, busy_timeout, synchronous=NORMAL, 32 MiB page cache, foreign keys on) otherwise.
 * Throws E_DB_CONNECT when the database cannot be reached, E_DB_MIGRATION when a migration fails.
 */
export async function openStore(opts: OpenStoreOptions): Promise<Store> {
  const url = opts.url;
  const store = url !== undefined && /^postgres(ql)?:\/\//.test(url) ? await openPostgres(url, opts) : openSqlite(opts);
  try {
    await runMigrations(store, MIGRATIONS);
  } catch (e) {
    await store.close();
    throw e;
  }
  return store;
}

function sqlitePathOf(opts: OpenStoreOptions): string {
  if (opts.sqlitePath !== undefined) return opts.sqlitePath;
  if (opts.url?.startsWith("sqlite:")) return opts.url.slice("sqlite:".length).replace(/^\/\//, "");
  throw new WardenError(
    "E_CONFIG_INVALID",
    `no database configured: give a postgres:// URL or a SQLite path${opts.url ? ` (got URL ${redactUrl(opts.url)})` : ""}`,
  );
}

function openSqlite(opts: OpenStoreOptions): SqliteStore {
  const path = sqlitePathOf(opts);
  const busyTimeoutMs = Math.max(0, Math.trunc(opts.busyTimeoutMs ?? 5000));
  let raw: Database.Database | undefined;
  try {
    raw = new Database(path);
    if (path !== ":memory:") raw.pragma("journal_mode = WAL");
    raw.pragma(`busy_timeout = ${busyTimeoutMs}`);
    raw.pragma("synchronous = NORMAL");
    raw.pragma("cache_size = -32768");
    raw.pragma("foreign_keys = ON");
  } catch (e) {
    raw?.close();
    throw new WardenError(
      "E_DB_CONNECT",
      `cannot open SQLite database ${path}: ${(e as Error).message}; check the directory exists and is writable`,
      { cause: e, details: { path } },
    );
  }
  const db = new Kysely<CoreTables>({ dialect: new SqliteDialect({ database: raw }) });
  const begin = beginImmediate(raw, busyTimeoutMs);
  const commit = raw.prepare("commit");
  const rollback = raw.prepare("rollback");
  const writeTransaction: SqliteStore["writeTransaction"] = (fn) =>
    db.connection().execute(async (conn) => {
      await begin();
      try {
        const result = await fn(conn);
        commit.run();
        return result;
      } finally {
        if (raw.inTransaction) rollback.run();
      }
    });
  return {
    db,
    dialect: "sqlite",
    path,
    withRaw: (fn) => db.connection().execute(async () => fn(raw)),
    writeRaw: (fn) => writeTransaction(async () => fn(raw)),
    writeTransaction,
    close: () => db.destroy(),
  };
}

/**
 * `BEGIN IMMEDIATE` that waits for another writer without blocking the event loop: better-sqlite3's busy handler
 * sleeps synchronously, which would stall a writer in this same process (e.g. two stores on one file) until the
 * timeout. So the connection's busy timeout is lifted for the BEGIN and retried with short asynchronous back-off.
 */
function beginImmediate(raw: Database.Database, timeoutMs: number): () => Promise<void> {
  const beginStmt = raw.prepare("begin immediate");
  return async () => {
    const deadline = Date.now() + timeoutMs;
    raw.pragma("busy_timeout = 0");
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          beginStmt.run();
          return;
        } catch (e) {
          if ((e as { code?: unknown }).code !== "SQLITE_BUSY" || Date.now() >= deadline) {
            throw busyError(e, timeoutMs);
          }
        }
        await new Promise((r) => setTimeout(r, Math.min(20, 1 + attempt) * (0.5 + Math.random())));
      }
    } finally {
      raw.pragma(`busy_timeout = ${timeoutMs}`);
    }
  };
}

function busyError(e: unknown, timeoutMs: number): unknown {
  if ((e as { code?: unknown }).code !== "SQLITE_BUSY") return e;
  return new WardenError(
    "E_TIMEOUT",
    `the SQLite database stayed locked by another writer for ${timeoutMs} ms; retry, or raise the busy timeout`,
    { cause: e },
  );
}

/** int8 → JS number (Warden's integers stay below 2^53); everything else as pg parses it. */
function parseInt8(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) {
    throw new WardenError("E_DB_CORRUPT", `integer ${value} from PostgreSQL is beyond 2^53 and cannot be represented`);
  }
  return n;
}

const PG_TYPES = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === 20 && format !== "binary"
      ? parseInt8
      : pg.types.getTypeParser(oid, format ?? "text")) as typeof pg.types.getTypeParser,
};

async function openPostgres(url: string, opts: OpenStoreOptions): Promise<PostgresStore> {
  const schema = opts.schema;
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new WardenError("E_CONFIG_INVALID", `invalid PostgreSQL schema name "${schema}": use [a-z_][a-z0-9_]*`);
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    connectionTimeoutMillis: 10_000,
    types: PG_TYPES,
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
  });
  pool.on("error", () => {
    // An idle client lost its connection; the pool replaces it and the next query reports any lasting failure.
  });
  try {
    const client = await pool.connect();
    try {
      if (schema !== undefined) {
        await client.query("select pg_advisory_lock($1::bigint)", [advisoryLockKey("schema")]);
        try {
          await client.query(`create schema if not exists "${schema}"`);
        } finally {
          await client.query("select pg_advisory_unlock($1::bigint)", [advisoryLockKey("schema")]);
        }
      }
    } finally {
      client.release();
    }
  } catch (e) {
    await pool.end().catch(() => undefined);
    throw new WardenError(
      "E_DB_CONNECT",
      `cannot connect to PostgreSQL at ${redactUrl(url)}: ${(e as Error).message}; check the URL, that the server runs and accepts this user`,
      { cause: e, details: { url: redactUrl(url) } },
    );
  }
  const db = new Kysely<CoreTables>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    dialect: "postgres",
    pool,
    writeTransaction: (fn, txOpts) =>
      db.transaction().execute(async (trx) => {
        if (txOpts?.lock !== undefined) {
          await sql`select pg_advisory_xact_lock(${advisoryLockKey(txOpts.lock)}::bigint)`.execute(trx);
        }
        return fn(trx);
      }),
    close: () => db.destroy(),
  };
}
