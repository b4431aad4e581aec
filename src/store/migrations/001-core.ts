/**
 * Migration 001-core: the RFC 6962 ledger tables (see src/store/tables.ts for the column conventions).
 * `ledger_entries.idx` is SQLite's rowid alias (`integer primary key`) for fast range scans; `bigint` on PostgreSQL.
 * Entries are indexed by (type, idx) and (subject, idx) for evidence queries; deliberately not by time (an index on
 * time cost a third of the append rate; time filters scan within the type/subject index ranges).
 */
import { sql } from "kysely";
import type { Migration } from "../migration.ts";

/** SHA-256 of the empty string: the root of the empty tree (RFC 6962 §2.1). */
const EMPTY_ROOT = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

export const coreMigration: Migration = {
  id: "001-core",
  async up(db, { dialect }) {
    await db.schema
      .createTable("ledger_entries")
      .addColumn("idx", dialect === "sqlite" ? "integer" : "bigint", (c) => c.primaryKey())
      .addColumn("leaf_hash", "text", (c) => c.notNull())
      .addColumn("type", "text", (c) => c.notNull())
      .addColumn("subject", "text", (c) => c.notNull())
      .addColumn("actor", "text", (c) => c.notNull())
      .addColumn("time", "text", (c) => c.notNull())
      .addColumn("body", "text", (c) => c.notNull())
      .execute();
    await db.schema.createIndex("ledger_entries_type").on("ledger_entries").columns(["type", "idx"]).execute();
    await db.schema.createIndex("ledger_entries_subject").on("ledger_entries").columns(["subject", "idx"]).execute();

    let nodes = db.schema
      .createTable("ledger_nodes")
      .addColumn("level", "integer", (c) => c.notNull())
      .addColumn("idx", "bigint", (c) => c.notNull())
      .addColumn("hash", "text", (c) => c.notNull())
      .addPrimaryKeyConstraint("ledger_nodes_pk", ["level", "idx"]);
    if (dialect === "sqlite") nodes = nodes.modifyEnd(sql`without rowid`);
    await nodes.execute();

    await db.schema
      .createTable("ledger_head")
      .addColumn("id", "integer", (c) => c.primaryKey())
      .addColumn("tree_size", "bigint", (c) => c.notNull())
      .addColumn("root_hash", "text", (c) => c.notNull())
      .execute();
    await db.insertInto("ledger_head").values({ id: 1, tree_size: 0, root_hash: EMPTY_ROOT }).execute();

    await db.schema
      .createTable("ledger_checkpoints")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("tree_size", "bigint", (c) => c.notNull())
      .addColumn("root_hash", "text", (c) => c.notNull())
      .addColumn("note", "text", (c) => c.notNull())
      .addColumn("created_at", "text", (c) => c.notNull())
      .execute();
    await db.schema.createIndex("ledger_checkpoints_size").on("ledger_checkpoints").column("tree_size").execute();
  },
};
