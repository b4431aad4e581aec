/**
 * Migration 020-data-dp: the per-dataset differential-privacy budget (src/data/dp/budget-store.ts). Totals and spent
 * amounts are doubles: ε and δ spent by basic composition, ρ spent by zero-concentrated DP.
 */
import type { Migration } from "../migration.ts";

export const dataDpMigration: Migration = {
  id: "020-data-dp",
  async up(db) {
    await db.schema
      .createTable("dp_budgets")
      .addColumn("dataset", "text", (c) => c.primaryKey())
      .addColumn("epsilon_total", "double precision", (c) => c.notNull())
      .addColumn("delta_total", "double precision", (c) => c.notNull())
      .addColumn("epsilon_spent", "double precision", (c) => c.notNull())
      .addColumn("delta_spent", "double precision", (c) => c.notNull())
      .addColumn("rho_spent", "double precision", (c) => c.notNull())
      .addColumn("queries", "bigint", (c) => c.notNull())
      .addColumn("created_at", "text", (c) => c.notNull())
      .addColumn("updated_at", "text", (c) => c.notNull())
      .execute();
  },
};
