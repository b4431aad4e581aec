/**
 * Migration 021-data-provenance: registered dataset versions (signed manifests), their parents, and the per-record
 * digests of their CSV/JSONL files (base64 of 16-byte digests, see src/data/provenance/records.ts).
 */
import type { Migration } from "../migration.ts";

export const dataProvenanceMigration: Migration = {
  id: "021-data-provenance",
  async up(db) {
    await db.schema
      .createTable("data_datasets")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("version", "integer", (c) => c.notNull())
      .addColumn("digest", "text", (c) => c.notNull())
      .addColumn("manifest", "text", (c) => c.notNull())
      .addColumn("envelope", "text", (c) => c.notNull())
      .addColumn("classification", "text", (c) => c.notNull())
      .addColumn("owner", "text", (c) => c.notNull())
      .addColumn("source_path", "text", (c) => c.notNull())
      .addColumn("transform", "text")
      .addColumn("registered_by", "text", (c) => c.notNull())
      .addColumn("registered_at", "text", (c) => c.notNull())
      .addColumn("ledger_index", "bigint", (c) => c.notNull())
      .addColumn("status", "text", (c) => c.notNull())
      .addColumn("status_detail", "text")
      .addUniqueConstraint("data_datasets_name_version", ["name", "version"])
      .execute();
    await db.schema
      .createTable("data_dataset_parents")
      .addColumn("child_id", "text", (c) => c.notNull())
      .addColumn("parent_id", "text", (c) => c.notNull())
      .addColumn("position", "integer", (c) => c.notNull())
      .addPrimaryKeyConstraint("data_dataset_parents_pk", ["child_id", "parent_id"])
      .execute();
    await db.schema
      .createTable("data_record_digests")
      .addColumn("dataset_id", "text", (c) => c.notNull())
      .addColumn("path", "text", (c) => c.notNull())
      .addColumn("digests", "text", (c) => c.notNull())
      .addPrimaryKeyConstraint("data_record_digests_pk", ["dataset_id", "path"])
      .execute();
  },
};
