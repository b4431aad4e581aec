/** Tests of the DP query language, query planning and execution, and privacy-budget composition. */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { isWardenError, WardenError } from "../../src/core/errors.ts";
import { type DpRow, planQuery, runQuery } from "../../src/data/dp/aggregate.ts";
import { type BudgetState, charge, remainingBudget } from "../../src/data/dp/budget.ts";
import { parseQuery } from "../../src/data/dp/query.ts";
import { CryptoRandom } from "../../src/data/dp/random.ts";

const rng = new CryptoRandom();

test("parses the documented query forms", () => {
  assert.deepEqual(parseQuery("count()"), { aggregate: "count" });
  assert.deepEqual(parseQuery("COUNT(age)"), { aggregate: "count", column: "age" });
  assert.deepEqual(parseQuery("mean(age)"), { aggregate: "mean", column: "age" });
  assert.deepEqual(parseQuery("median(age)"), { aggregate: "quantile", column: "age", quantile: 0.5 });
  assert.deepEqual(parseQuery(" quantile( income , 0.9 ) "), {
    aggregate: "quantile",
    column: "income",
    quantile: 0.9,
  });
  assert.deepEqual(parseQuery('histogram("credit amount")'), { aggregate: "histogram", column: "credit amount" });
  assert.deepEqual(parseQuery("sum(x) where sex = female"), {
    aggregate: "sum",
    column: "x",
    where: { column: "sex", op: "=", value: "female" },
  });
  assert.deepEqual(parseQuery("count() where age >= -1.5e1")?.where, { column: "age", op: ">=", value: -15 });
  assert.deepEqual(parseQuery('count() where "job title" != "a \\"b\\""')?.where, {
    column: "job title",
    op: "!=",
    value: 'a "b"',
  });
});

test("bad queries are E_USAGE errors naming the column", () => {
  const cases: [string, number][] = [
    ["avg(age)", 1],
    ["mean(age", 9],
    ["mean()", 6],
    ["quantile(age, 2)", 15],
    ["quantile(age)", 13],
    ["count() where", 14],
    ["count() where a < b", 19],
    ["count() where a ~ 1", 17],
    ["mean(age) extra", 11],
    ['mean("age)', 6],
    ["mean(age)\ncount()", 10],
  ];
  for (const [q, col] of cases) {
    assert.throws(
      () => parseQuery(q),
      (e: unknown) => isWardenError(e, "E_USAGE") && e.message.startsWith(`query:1:${col}:`),
      q,
    );
  }
  assert.throws(
    () => parseQuery(`count() where a = "${"x".repeat(2000)}"`),
    (e: unknown) => isWardenError(e, "E_USAGE"),
  );
});

test("fuzz: arbitrary strings either parse or fail with E_USAGE", () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 80 }), (s) => {
      try {
        parseQuery(s);
      } catch (e) {
        assert.ok(isWardenError(e, "E_USAGE"), `unexpected ${String(e)}`);
      }
    }),
    { numRuns: 2000 },
  );
  const token = fc.constantFrom("count", "mean", "(", ")", ",", "where", "=", "<=", "age", '"a b"', "0.5", "-1", " ");
  fc.assert(
    fc.property(fc.array(token, { maxLength: 12 }), (parts) => {
      try {
        parseQuery(parts.join(""));
      } catch (e) {
        assert.ok(isWardenError(e, "E_USAGE"));
      }
    }),
    { numRuns: 2000 },
  );
});

test("fuzz: generated valid queries parse to what was generated", () => {
  const ident = fc.stringMatching(/^[a-z_][a-z0-9_]{0,8}$/).filter((s) => s !== "where");
  fc.assert(
    fc.property(ident, fc.double({ min: 0, max: 1, noNaN: true }), ident, fc.integer(), (col, q, fcol, v) => {
      const parsed = parseQuery(`quantile(${col}, ${q}) where ${fcol} <= ${v}`);
      assert.deepEqual(parsed, {
        aggregate: "quantile",
        column: col,
        quantile: q,
        where: { column: fcol, op: "<=", value: v },
      });
    }),
  );
});

function rowsOf(records: Record<string, unknown>[]): DpRow[] {
  return records.map((record, i) => ({ line: i + 2, record }));
}

const people = rowsOf(
  Array.from({ length: 5000 }, (_, i) => ({ age: String(20 + (i % 50)), sex: i % 4 === 0 ? "female" : "male" })),
);

test("DP count, sum, mean and filters approach the truth at large epsilon", async () => {
  const run = (q: string, opts: Parameters<typeof planQuery>[1]) =>
    runQuery(planQuery(parseQuery(q), opts), people, "people.csv", rng);
  const count = await run("count()", { epsilon: 50 });
  assert.ok(Math.abs(count.value! - 5000) < 2, `count ${count.value}`);
  const sexes = await run("count(sex)", { epsilon: 50 });
  assert.ok(Math.abs(sexes.value! - 5000) < 2, `count(sex) ${sexes.value}`);
  const females = await run("count() where sex = female", { epsilon: 50 });
  assert.ok(Math.abs(females.value! - 1250) < 2, `females ${females.value}`);
  const mean = await run("mean(age)", { epsilon: 50, bounds: [0, 120] });
  assert.ok(Math.abs(mean.value! - 44.5) < 0.5, `mean ${mean.value}`);
  const clamped = await run("mean(age)", { epsilon: 50, bounds: [0, 30] });
  assert.ok(clamped.value! <= 30 && clamped.value! > 25, `clamped mean ${clamped.value}`);
  const sum = await run("sum(age) where age < 30", { epsilon: 50, bounds: [0, 100] });
  assert.ok(Math.abs(sum.value! - 24.5 * 1000) < 50, `sum ${sum.value}`);
  const gauss = await run("mean(age)", { epsilon: 5, delta: 1e-6, bounds: [0, 120] });
  assert.equal(gauss.mechanism, "gaussian");
  assert.ok(gauss.rho > 0 && Math.abs(gauss.value! - 44.5) < 5);
  const median = await run("median(age)", { epsilon: 5, bounds: [0, 120] });
  assert.equal(median.mechanism, "exponential");
  assert.ok(Math.abs(median.value! - 44.5) < 3, `median ${median.value}`);
});

test("DP histograms over bins and declared categories", async () => {
  const bins = await runQuery(
    planQuery(parseQuery("histogram(age)"), { epsilon: 50, bounds: [20, 70], bins: 5 }),
    people,
    "p",
    rng,
  );
  assert.equal(bins.bins!.length, 5);
  assert.equal(bins.bins![0]!.bin, "[20, 30)");
  for (const b of bins.bins!) assert.ok(Math.abs(b.value - 1000) < 2, `${b.bin}: ${b.value}`);
  const cats = await runQuery(
    planQuery(parseQuery("histogram(sex)"), { epsilon: 50, categories: ["female"] }),
    people,
    "p",
    rng,
  );
  assert.deepEqual(
    cats.bins!.map((b) => b.bin),
    ["female", "(other)"],
  );
  assert.ok(Math.abs(cats.bins![1]!.value - 3750) < 2);
});

test("planning rejects bad options with clear usage errors", () => {
  const q = parseQuery("mean(age)");
  const bad: Parameters<typeof planQuery>[1][] = [
    { epsilon: 0.5 },
    { epsilon: 0, bounds: [0, 1] },
    { epsilon: Number.NaN, bounds: [0, 1] },
    { epsilon: 0.5, bounds: [5, 1] },
    { epsilon: 0.5, bounds: [0, Number.POSITIVE_INFINITY] },
    { epsilon: 0.5, delta: 1, bounds: [0, 1] },
  ];
  for (const opts of bad)
    assert.throws(
      () => planQuery(q, opts),
      (e: unknown) => isWardenError(e, "E_USAGE"),
      JSON.stringify(opts),
    );
  assert.throws(() => planQuery(parseQuery("histogram(age)"), { epsilon: 1, bounds: [0, 1] }), /--bins/);
  assert.throws(
    () => planQuery(parseQuery("median(age)"), { epsilon: 1, delta: 1e-6, bounds: [0, 1] }),
    /drop --delta/,
  );
});

test("bad cells and unknown columns name the file, line and column", async () => {
  const rows = rowsOf([{ age: "30" }, { age: "" }, { age: "thirty" }]);
  await assert.rejects(
    runQuery(planQuery(parseQuery("mean(age)"), { epsilon: 1, bounds: [0, 100] }), rows, "people.csv", rng),
    (e: unknown) => isWardenError(e, "E_DATA_PARSE") && e.message.startsWith('people.csv:4: column "age"'),
  );
  await assert.rejects(
    runQuery(planQuery(parseQuery("mean(height)"), { epsilon: 1, bounds: [0, 100] }), rows, "people.csv", rng),
    (e: unknown) => isWardenError(e, "E_USAGE") && /column "height" not found in people.csv/.test(e.message),
  );
});

const fresh = (epsilonTotal: number, deltaTotal: number): BudgetState => ({
  dataset: "credit",
  epsilonTotal,
  deltaTotal,
  epsilonSpent: 0,
  deltaSpent: 0,
  rhoSpent: 0,
  queries: 0,
});

test("basic composition refuses the query that would exceed the budget, with the remaining budget", () => {
  let s = fresh(1, 0);
  s = charge(s, { epsilon: 0.4, delta: 0, rho: 0 });
  s = charge(s, { epsilon: 0.4, delta: 0, rho: 0 });
  assert.equal(s.queries, 2);
  assert.throws(
    () => charge(s, { epsilon: 0.4, delta: 0, rho: 0 }),
    (e: unknown) =>
      e instanceof WardenError && e.code === "E_DP_BUDGET_EXCEEDED" && /remaining ε=0\.2\b/.test(e.message),
  );
  s = charge(s, { epsilon: 0.2, delta: 0, rho: 0 });
  assert.ok(remainingBudget(s).epsilon < 1e-9);
});

test("zCDP composes Gaussian queries more tightly than basic composition", () => {
  const plan = planQuery(parseQuery("count()"), { epsilon: 0.1, delta: 1e-6 });
  const basicPlan = planQuery(parseQuery("count()"), { epsilon: 0.1, delta: 1e-6, accounting: "basic" });
  assert.deepEqual(basicPlan.cost, { epsilon: 0.1, delta: 1e-6, rho: 0 });
  let z = fresh(1, 1e-5);
  for (let i = 0; i < 10; i++) z = charge(z, plan.cost);
  // Ten queries at (0.1, 1e-6) cost ε=1 under basic composition but only about 0.29 under zCDP (δ = 1e-5).
  const left = remainingBudget(z).epsilon;
  assert.ok(left > 0.65 && left < 0.75, `remaining ${left}`);
  let b = fresh(1, 1e-5);
  for (let i = 0; i < 9; i++) b = charge(b, basicPlan.cost);
  assert.throws(
    () => charge(b, { epsilon: 0.2, delta: 1e-6, rho: 0 }),
    (e: unknown) => isWardenError(e, "E_DP_BUDGET_EXCEEDED"),
  );
  assert.throws(
    () => charge(fresh(1, 0), plan.cost),
    (e: unknown) => isWardenError(e, "E_DP_BUDGET_EXCEEDED") && /need δ > 0/.test(e.message),
  );
});
