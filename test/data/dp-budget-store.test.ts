/** The persisted privacy budget: set, charge, refuse, concurrency; on SQLite, and PostgreSQL when configured. */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { isWardenError } from "../../src/core/errors.ts";
import { getBudget, listBudgets, setBudget, spendBudget } from "../../src/data/dp/budget-store.ts";
import { openStore, type Store } from "../../src/store/index.ts";

const pgUrl = process.env.WARDEN_TEST_PG_URL;
const dialects: { name: string; open: () => Promise<Store>; skip: string | false }[] = [
  { name: "sqlite", open: () => openStore({ sqlitePath: ":memory:" }), skip: false },
  {
    name: "postgres",
    open: () => openStore({ url: pgUrl ?? "", schema: `dp_${randomBytes(4).toString("hex")}` }),
    skip: pgUrl ? false : "WARDEN_TEST_PG_URL not set",
  },
];

for (const d of dialects) {
  test(`${d.name}: budgets persist, charge atomically and refuse overspending`, { skip: d.skip }, async () => {
    const store = await d.open();
    try {
      assert.equal(await getBudget(store, "credit"), undefined);
      const set = await setBudget(store, "credit", { epsilon: 1, delta: 1e-6 });
      assert.equal(set.epsilonTotal, 1);
      await spendBudget(store, "credit", { epsilon: 0.6, delta: 0, rho: 0 }, { epsilon: 5, delta: 0 });
      await assert.rejects(
        spendBudget(store, "credit", { epsilon: 0.5, delta: 0, rho: 0 }, { epsilon: 5, delta: 0 }),
        (e: unknown) => isWardenError(e, "E_DP_BUDGET_EXCEEDED") && /remaining ε=0\.4\b/.test(e.message),
      );
      const after = await getBudget(store, "credit");
      assert.equal(after?.epsilonSpent, 0.6);
      assert.equal(after?.queries, 1);
      // A dataset without a budget takes the defaults on first use.
      const other = await spendBudget(
        store,
        "other",
        { epsilon: 0, delta: 0, rho: 0.001 },
        { epsilon: 2, delta: 1e-5 },
      );
      assert.equal(other.epsilonTotal, 2);
      assert.equal(other.rhoSpent, 0.001);
      // Concurrent spending never overspends: of ten 0.1 charges on 0.4 left, exactly four succeed.
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, () =>
          spendBudget(store, "credit", { epsilon: 0.1, delta: 0, rho: 0 }, { epsilon: 1, delta: 0 }),
        ),
      );
      assert.equal(results.filter((r) => r.status === "fulfilled").length, 4);
      assert.deepEqual(
        (await listBudgets(store)).map((b) => b.dataset),
        ["credit", "other"],
      );
      await assert.rejects(getBudget(store, "bad name!"), (e: unknown) => isWardenError(e, "E_USAGE"));
    } finally {
      await store.close();
    }
  });
}
