/**
 * Row types of the core tables created by migration 001-core: the migration journal and the ledger. Domain helpers
 * declare their own table interfaces and query them with `store.db.withTables<TheirTables>()`.
 *
 * Portable column conventions (the same on SQLite and PostgreSQL): hashes are lower-case hex `text`, canonical JSON is
 * `text` (UTF-8), times are ISO-8601 UTC `text`, integers are `bigint` (PostgreSQL int8 values are parsed to JS numbers
 * and must stay below 2^53), booleans are `integer` 0/1. Binary blobs are avoided: store hex (or base64) text.
 */

/** `warden_migrations`: one row per applied migration. */
export interface MigrationsTable {
  id: string;
  applied_at: string;
}

/** `ledger_entries`: one row per leaf; `body` is the canonical JSON whose SHA-256(0x00 ‖ body) is `leaf_hash`. */
export interface LedgerEntriesTable {
  idx: number;
  leaf_hash: string;
  type: string;
  subject: string;
  actor: string;
  time: string;
  body: string;
}

/** `ledger_nodes`: root of the perfect subtree at `level` (≥ 1) covering leaves [idx·2^level, (idx+1)·2^level). */
export interface LedgerNodesTable {
  level: number;
  idx: number;
  hash: string;
}

/** `ledger_head`: the single row (id = 1) caching the current tree size and root hash. */
export interface LedgerHeadTable {
  id: number;
  tree_size: number;
  root_hash: string;
}

/** `ledger_checkpoints`: signed checkpoints issued so far; `id` is the SHA-256 hex of `note`. */
export interface LedgerCheckpointsTable {
  id: string;
  tree_size: number;
  root_hash: string;
  note: string;
  created_at: string;
}

/** The tables every Warden database has. */
export interface CoreTables {
  warden_migrations: MigrationsTable;
  ledger_entries: LedgerEntriesTable;
  ledger_nodes: LedgerNodesTable;
  ledger_head: LedgerHeadTable;
  ledger_checkpoints: LedgerCheckpointsTable;
}
