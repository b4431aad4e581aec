/**
 * The persisted privacy budget (table `dp_budgets`, migration 020-data-dp): read, set and charge a dataset's budget
 * in one serialised write transaction, so concurrent queries can never overspend it.
 */
import type { Kysely } from "kysely";
import { WardenError } from "../../core/errors.ts";
import type { Store } from "../../store/index.ts";
import { type BudgetState, charge, type PrivacyCost } from "./budget.ts";

/** Row of `dp_budgets`. */
export interface DpBudgetsTable {
  dataset: string;
  epsilon_total: number;
  delta_total: number;
  epsilon_spent: number;
  delta_spent: number;
  rho_spent: number;
  queries: number;
  created_at: string;
  updated_at: string;
}

type DpTables = {
  dp_budgets: DpBudgetsTable;
};

/** Total (ε, δ) of a budget. */
export interface BudgetTotals {
  epsilon: number;
  delta: number;
}

const DATASET_NAME = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,199}$/;

/** Checks a dataset name (1–200 characters: letters, digits, . _ : / -). */
export function checkDatasetName(name: string): void {
  if (!DATASET_NAME.test(name)) {
    throw new WardenError(
      "E_USAGE",
      `dataset name ${JSON.stringify(name.slice(0, 60))} is invalid: use 1-200 letters, digits, ".", "_", ":", "/" or "-"`,
    );
  }
}

function checkTotals(t: BudgetTotals): void {
  if (!(Number.isFinite(t.epsilon) && t.epsilon > 0))
    throw new WardenError("E_USAGE", `budget ε must be positive, got ${t.epsilon}`);
  if (!(t.delta >= 0 && t.delta < 1)) throw new WardenError("E_USAGE", `budget δ must be in [0, 1), got ${t.delta}`);
}

function fromRow(r: DpBudgetsTable): BudgetState {
  return {
    dataset: r.dataset,
    epsilonTotal: Number(r.epsilon_total),
    deltaTotal: Number(r.delta_total),
    epsilonSpent: Number(r.epsilon_spent),
    deltaSpent: Number(r.delta_spent),
    rhoSpent: Number(r.rho_spent),
    queries: Number(r.queries),
  };
}

// biome-ignore lint/suspicious/noExplicitAny: works on the store handle and on a transaction of it.
function tables(db: Kysely<any>): Kysely<DpTables> {
  return db.withTables<DpTables>();
}

async function readRow(db: Kysely<DpTables>, dataset: string): Promise<BudgetState | undefined> {
  const row = await db.selectFrom("dp_budgets").selectAll().where("dataset", "=", dataset).executeTakeFirst();
  return row ? fromRow(row) : undefined;
}

/** The budget of `dataset`, or undefined when none was set or spent yet. */
export async function getBudget(store: Store, dataset: string): Promise<BudgetState | undefined> {
  checkDatasetName(dataset);
  return readRow(tables(store.db), dataset);
}

/** Every dataset budget, by name. */
export async function listBudgets(store: Store): Promise<BudgetState[]> {
  const rows = await tables(store.db).selectFrom("dp_budgets").selectAll().orderBy("dataset").execute();
  return rows.map(fromRow);
}

/** Sets the total budget of `dataset` (creating it); what was spent is kept. */
export async function setBudget(store: Store, dataset: string, totals: BudgetTotals): Promise<BudgetState> {
  checkDatasetName(dataset);
  checkTotals(totals);
  return store.writeTransaction(
    async (trx) => {
      const db = tables(trx);
      const now = new Date().toISOString();
      const existing = await readRow(db, dataset);
      if (existing) {
        await db
          .updateTable("dp_budgets")
          .set({ epsilon_total: totals.epsilon, delta_total: totals.delta, updated_at: now })
          .where("dataset", "=", dataset)
          .execute();
        return { ...existing, epsilonTotal: totals.epsilon, deltaTotal: totals.delta };
      }
      await db
        .insertInto("dp_budgets")
        .values(newRow(dataset, totals, now))
        .execute();
      return fromRow(newRow(dataset, totals, now));
    },
    { lock: `dp_budget:${dataset}` },
  );
}

function newRow(dataset: string, totals: BudgetTotals, now: string): DpBudgetsTable {
  return {
    dataset,
    epsilon_total: totals.epsilon,
    delta_total: totals.delta,
    epsilon_spent: 0,
    delta_spent: 0,
    rho_spent: 0,
    queries: 0,
    created_at: now,
    updated_at: now,
  };
}

/**
 * Charges `cost` to `dataset` atomically; a dataset without a budget gets `defaults` first. Throws
 * `E_DP_BUDGET_EXCEEDED` (nothing is charged) when the query would exceed the budget.
 */
export async function spendBudget(
  store: Store,
  dataset: string,
  cost: PrivacyCost,
  defaults: BudgetTotals,
): Promise<BudgetState> {
  checkDatasetName(dataset);
  checkTotals(defaults);
  return store.writeTransaction(
    async (trx) => {
      const db = tables(trx);
      const now = new Date().toISOString();
      let state = await readRow(db, dataset);
      if (!state) {
        await db
          .insertInto("dp_budgets")
          .values(newRow(dataset, defaults, now))
          .execute();
        state = fromRow(newRow(dataset, defaults, now));
      }
      const next = charge(state, cost);
      await db
        .updateTable("dp_budgets")
        .set({
          epsilon_spent: next.epsilonSpent,
          delta_spent: next.deltaSpent,
          rho_spent: next.rhoSpent,
          queries: next.queries,
          updated_at: now,
        })
        .where("dataset", "=", dataset)
        .execute();
      return next;
    },
    { lock: `dp_budget:${dataset}` },
  );
}
