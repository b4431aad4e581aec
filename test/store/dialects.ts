// Test helper: the dialects every store and ledger test-suite runs on. SQLite always (a temp file); PostgreSQL when
// WARDEN_TEST_PG_URL is set, each opened store in a fresh schema dropped again by cleanup().
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { openStore, type Store } from "../../src/store/index.ts";

export interface TestDatabase {
  /** Connection options for openStore (also usable from a child process). */
  options: { sqlitePath?: string; url?: string; schema?: string };
  open(): Promise<Store>;
  cleanup(): Promise<void>;
}

export interface DialectCase {
  name: "sqlite" | "postgres";
  /** Set when the dialect is unavailable: pass as `test(..., { skip })`. */
  skip: string | false;
  create(): TestDatabase;
}

export const PG_URL = process.env.WARDEN_TEST_PG_URL;

function sqliteDatabase(): TestDatabase {
  const dir = mkdtempSync(join(tmpdir(), "warden-store-"));
  const options = { sqlitePath: join(dir, "warden.db") };
  return {
    options,
    open: () => openStore(options),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

function postgresDatabase(url: string): TestDatabase {
  const schema = `warden_t_${process.pid}_${randomBytes(4).toString("hex")}`;
  const options = { url, schema };
  return {
    options,
    open: () => openStore(options),
    cleanup: async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`drop schema if exists "${schema}" cascade`);
      } finally {
        await client.end();
      }
    },
  };
}

export const DIALECTS: DialectCase[] = [
  { name: "sqlite", skip: false, create: sqliteDatabase },
  {
    name: "postgres",
    skip: PG_URL ? false : "WARDEN_TEST_PG_URL is not set (e.g. postgres://postgres@127.0.0.1:5432/test)",
    create: () => postgresDatabase(PG_URL!),
  },
];
