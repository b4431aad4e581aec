/** The shape of a schema migration (see migrations/index.ts for the ordered list). */
import type { Kysely } from "kysely";

/** Which database a migration runs on, for the rare column type that must differ. */
export interface MigrationContext {
  dialect: "sqlite" | "postgres";
}

/**
 * One versioned migration. `up` runs inside the migration transaction with the schema builder of `db`; write it with
 * Kysely's portable types (`text`, `bigint`, `integer`) so the same code runs on SQLite and PostgreSQL.
 */
export interface Migration {
  id: string;
  // biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it is at that point, untyped.
  up(db: Kysely<any>, ctx: MigrationContext): Promise<void>;
}
