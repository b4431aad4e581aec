/**
 * The ordered list of schema migrations applied by `openStore`. To add one: create `NNN-<area>.ts` exporting a
 * `Migration` and append ONE line below, in id order. Never edit or reorder a migration once released.
 */
import type { Migration } from "../migration.ts";
import { coreMigration } from "./001-core.ts";
import { modelMigration } from "./010-model.ts";
import { dataDpMigration } from "./020-data-dp.ts";
import { dataProvenanceMigration } from "./021-data-provenance.ts";

export const MIGRATIONS: readonly Migration[] = [
  coreMigration, // 001-core: ledger tables
  modelMigration, // 010-model: model registry (versions, scans, stage transitions)
  dataDpMigration, // 020-data-dp: differential-privacy budgets
  dataProvenanceMigration, // 021-data-provenance: dataset versions, parents, record digests
];
