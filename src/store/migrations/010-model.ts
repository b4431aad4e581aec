/**
 * Migration 010-model: the model registry. `model_versions` holds one row per registered version (digest = OMS root,
 * signature summary, lineage, metrics, stage); `model_scans` every scan result recorded for a version;
 * `model_transitions` every stage change with its actor and reason (the ledger holds the same events, signed).
 * JSON columns are canonical JSON text; times ISO-8601 UTC text.
 */
import type { Migration } from "../migration.ts";

export const modelMigration: Migration = {
  id: "010-model",
  async up(db) {
    await db.schema
      .createTable("model_versions")
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("version", "text", (c) => c.notNull())
      .addColumn("digest", "text", (c) => c.notNull())
      .addColumn("path", "text", (c) => c.notNull())
      .addColumn("signature_path", "text")
      .addColumn("signature_json", "text")
      .addColumn("serialization_json", "text", (c) => c.notNull())
      .addColumn("lineage_json", "text", (c) => c.notNull())
      .addColumn("metrics_json", "text", (c) => c.notNull())
      .addColumn("owner", "text", (c) => c.notNull())
      .addColumn("stage", "text", (c) => c.notNull())
      .addColumn("registered_by", "text", (c) => c.notNull())
      .addColumn("registered_at", "text", (c) => c.notNull())
      .addColumn("updated_at", "text", (c) => c.notNull())
      .addPrimaryKeyConstraint("model_versions_pk", ["name", "version"])
      .execute();
    await db.schema.createIndex("model_versions_stage").on("model_versions").columns(["name", "stage"]).execute();
    await db.schema.createIndex("model_versions_digest").on("model_versions").columns(["digest"]).execute();

    await db.schema
      .createTable("model_scans")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("version", "text", (c) => c.notNull())
      .addColumn("seq", "bigint", (c) => c.notNull())
      .addColumn("safe", "integer", (c) => c.notNull())
      .addColumn("result_json", "text", (c) => c.notNull())
      .addColumn("scanned_at", "text", (c) => c.notNull())
      .execute();
    await db.schema.createIndex("model_scans_version").on("model_scans").columns(["name", "version", "seq"]).execute();

    await db.schema
      .createTable("model_transitions")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("version", "text", (c) => c.notNull())
      .addColumn("seq", "bigint", (c) => c.notNull())
      .addColumn("from_stage", "text")
      .addColumn("to_stage", "text", (c) => c.notNull())
      .addColumn("actor", "text", (c) => c.notNull())
      .addColumn("reason", "text", (c) => c.notNull())
      .addColumn("at", "text", (c) => c.notNull())
      .execute();
    await db.schema.createIndex("model_transitions_name").on("model_transitions").columns(["name", "seq"]).execute();
  },
};
