/**
 * Applies pending migrations in one serialised write transaction and records them in `warden_migrations`. On
 * PostgreSQL the transaction holds an advisory lock so that two servers starting at once do not both migrate; on SQLite
 * `BEGIN IMMEDIATE` does the same.
 */
import { sql } from "kysely";
import { isWardenError, WardenError } from "../core/errors.ts";
import type { Migration } from "./migration.ts";
import type { Store } from "./store.ts";

/** Applies every migration of `migrations` not yet recorded; throws E_DB_MIGRATION naming the one that failed. */
export async function runMigrations(store: Store, migrations: readonly Migration[]): Promise<string[]> {
  const ids = migrations.map((m) => m.id);
  if (new Set(ids).size !== ids.length) {
    throw new WardenError("E_DB_MIGRATION", `duplicate migration id in the list: ${ids.join(", ")}`);
  }
  let current = "(journal)";
  try {
    return await store.writeTransaction(
      async (trx) => {
        await trx.schema
          .createTable("warden_migrations")
          .ifNotExists()
          .addColumn("id", "text", (c) => c.primaryKey())
          .addColumn("applied_at", "text", (c) => c.notNull())
          .execute();
        const applied = new Set((await trx.selectFrom("warden_migrations").select("id").execute()).map((r) => r.id));
        const unknown = [...applied].filter((id) => !ids.includes(id));
        if (unknown.length > 0) {
          throw new WardenError(
            "E_DB_MIGRATION",
            `the database has migrations this Warden does not know (${unknown.join(", ")}): it was created by a newer version; upgrade Warden`,
          );
        }
        const done: string[] = [];
        for (const m of migrations) {
          if (applied.has(m.id)) continue;
          current = m.id;
          await m.up(trx, { dialect: store.dialect });
          await trx
            .insertInto("warden_migrations")
            .values({ id: m.id, applied_at: new Date().toISOString() })
            .execute();
          done.push(m.id);
        }
        return done;
      },
      { lock: "migrations" },
    );
  } catch (e) {
    if (isWardenError(e, "E_DB_MIGRATION")) throw e;
    throw new WardenError("E_DB_MIGRATION", `migration ${current} failed: ${(e as Error).message}`, {
      cause: e,
      details: { migration: current },
    });
  }
}

/** Ids of the migrations recorded in the database, in the order applied. */
export async function appliedMigrations(store: Store): Promise<string[]> {
  const rows = await sql<{ id: string }>`select id from warden_migrations order by applied_at, id`.execute(store.db);
  return rows.rows.map((r) => r.id);
}
