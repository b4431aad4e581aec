/**
 * The store domain's public door: `openStore` (Kysely over SQLite or PostgreSQL, migrations on open), the core table
 * types and the migration contract. Domain tables: add `migrations/NNN-<area>.ts`, one line in `migrations/index.ts`,
 * and query them with `store.db.withTables<YourTables>()` (declare YourTables as a `type` alias, not an `interface`:
 * withTables needs an implicit index signature).
 */
export { appliedMigrations } from "./migrate.ts";
export type { Migration, MigrationContext } from "./migration.ts";
export type { Dialect, OpenStoreOptions, PostgresStore, SqliteStore, Store } from "./store.ts";
export { openStore, redactUrl } from "./store.ts";
export type {
  CoreTables,
  LedgerCheckpointsTable,
  LedgerEntriesTable,
  LedgerHeadTable,
  LedgerNodesTable,
  MigrationsTable,
} from "./tables.ts";
