/** Tests of `warden data check`: schema rules, profile, drift against a reference, and the statistics underneath. */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import fc from "fast-check";
import { isWardenError } from "../../src/core/errors.ts";
import { readCsv } from "../../src/data/tabular/csv.ts";
import { checkData, type RowStream } from "../../src/data/validate/check.ts";
import { seededRandom } from "../../src/data/validate/prng.ts";
import { loadSchema, parseSchema } from "../../src/data/validate/schema.ts";
import {
  chiSquaredHomogeneity,
  chiSquaredSurvival,
  kolmogorovQ,
  ksTwoSample,
  populationStabilityIndex,
} from "../../src/data/validate/stats.ts";

async function* stream(records: Record<string, unknown>[]): RowStream {
  let line = 1;
  for (const record of records) yield { line: ++line, record };
}

test("statistics match known values", () => {
  // Kolmogorov distribution: P(K > 1.3581) ≈ 0.05, P(K > 1.6276) ≈ 0.01.
  assert.ok(Math.abs(kolmogorovQ(1.3581) - 0.05) < 1e-3);
  assert.ok(Math.abs(kolmogorovQ(1.6276) - 0.01) < 1e-3);
  assert.ok(Math.abs(kolmogorovQ(0.5) - 0.9639) < 1e-3);
  // Chi-squared: P(χ²₁ > 3.841) = 0.05, P(χ²₁₀ > 18.307) = 0.05, P(χ²₂ > x) = exp(-x/2).
  assert.ok(Math.abs(chiSquaredSurvival(3.841, 1) - 0.05) < 1e-3);
  assert.ok(Math.abs(chiSquaredSurvival(18.307, 10) - 0.05) < 1e-3);
  assert.ok(Math.abs(chiSquaredSurvival(7, 2) - Math.exp(-3.5)) < 1e-9);
  assert.equal(populationStabilityIndex([10, 20, 30], [10, 20, 30]), 0);
  assert.ok(populationStabilityIndex([50, 50], [90, 10]) > 0.25);
  assert.equal(chiSquaredHomogeneity([5, 5], [50, 50]).pValue, 1);
});

test("two-sample KS separates shifted samples and accepts same-distribution ones", () => {
  const r = seededRandom(1);
  const a = Array.from({ length: 2000 }, () => r.next());
  const b = Array.from({ length: 2000 }, () => r.next());
  const c = Array.from({ length: 2000 }, () => r.next() + 0.1);
  assert.ok(ksTwoSample(a, b).pValue > 0.001);
  assert.ok(ksTwoSample(a, c).pValue < 1e-6);
});

test("fuzz: test statistics stay in range", () => {
  fc.assert(
    fc.property(
      fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { maxLength: 50 }),
      fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { maxLength: 50 }),
      (a, b) => {
        const ks = ksTwoSample(a, b);
        assert.ok(ks.statistic >= 0 && ks.statistic <= 1 && ks.pValue >= 0 && ks.pValue <= 1);
      },
    ),
  );
  fc.assert(
    fc.property(
      fc.array(fc.nat(1000), { minLength: 1, maxLength: 10 }),
      fc.array(fc.nat(1000), { minLength: 1, maxLength: 10 }),
      (a, b) => {
        const chi = chiSquaredHomogeneity(a, b);
        assert.ok(chi.pValue >= 0 && chi.pValue <= 1 && chi.statistic >= 0);
        assert.ok(populationStabilityIndex(a, b) >= 0);
      },
    ),
  );
});

const schema = parseSchema({
  columns: {
    id: { type: "integer", unique: true },
    age: { type: "integer", min: 18, max: 100, maxNullRate: 0.2 },
    sex: { type: "string", enum: ["male", "female"] },
    email: { pattern: "[^@\\s]+@[^@\\s]+", required: false },
    score: { type: "number" },
  },
  allowExtraColumns: false,
});

test("schema rules report each violation with rule, column and line", async () => {
  const rows = [
    { id: "1", age: "30", sex: "male", email: "a@b.c", score: "0.5" },
    { id: "2", age: "17", sex: "female", email: "", score: "1e3" },
    { id: "2", age: "x", sex: "other", email: "nope", score: "abc" },
    { id: "4", age: "101", sex: "male", email: "d@e.f", score: "2", extra: "?" },
    { id: "5", age: "", sex: "male", email: "g@h.i", score: "3" },
  ];
  const r = await checkData(stream(rows), schema, "t.csv");
  assert.equal(r.ok, false);
  const got = r.violations.map((v) => `${v.rule}:${v.column ?? ""}:${v.row ?? ""}`).sort();
  assert.deepEqual(got, [
    "enum:sex:4",
    "extra-column:extra:",
    "max:age:5",
    "min:age:3",
    "pattern:email:4",
    "type:age:4",
    "type:score:4",
    "unique:id:4",
  ]);
  assert.equal(r.profile.rows, 5);
  assert.equal(r.profile.columns.age!.nulls, 1);
  assert.equal(r.profile.columns.score!.max, 1000);
  const clean = await checkData(stream(rows.slice(0, 1)), schema, "t.csv");
  assert.equal(clean.ok, true);
  assert.deepEqual(clean.violations, []);
});

test("null rates, missing columns and the per-rule listing cap", async () => {
  const s = parseSchema({ columns: { a: { type: "integer", maxNullRate: 0.1 }, b: {} }, maxViolationsPerRule: 3 });
  const rows = Array.from({ length: 20 }, (_, i) => ({ a: i % 2 === 0 ? "" : "bad" }));
  const r = await checkData(stream(rows), s, "t.jsonl");
  assert.equal(r.violations.filter((v) => v.rule === "type").length, 3);
  assert.equal(r.violationCounts["type:a"], 10);
  assert.ok(r.violations.some((v) => v.rule === "null-rate" && v.column === "a"));
  assert.ok(r.violations.some((v) => v.rule === "missing-column" && v.column === "b"));
});

test("bad schemas are config errors naming the path", async () => {
  assert.throws(
    () => parseSchema({ columns: { a: { type: "float" } } }),
    (e: unknown) => isWardenError(e, "E_CONFIG_INVALID") && /columns\.a\.type/.test(e.message),
  );
  assert.throws(() => parseSchema({ columns: { a: { pattern: "(" } } }), /invalid RE2 pattern/);
  assert.throws(() => parseSchema({ columns: { a: { min: 5, max: 1 } } }), /min 5 is above max 1/);
  assert.throws(
    () => parseSchema({ columns: {}, extra: 1 }),
    (e: unknown) => isWardenError(e, "E_CONFIG_INVALID"),
  );
  const dir = await mkdtemp(join(tmpdir(), "warden-validate-"));
  try {
    const p = join(dir, "s.yaml");
    await writeFile(p, "columns:\n  a: {type: integer\n");
    await assert.rejects(
      loadSchema(p),
      (e: unknown) => isWardenError(e, "E_CONFIG_INVALID") && e.message.startsWith(`${p}:`),
    );
    await writeFile(p, "columns:\n  age: {type: integer, min: 0}\n");
    assert.equal((await loadSchema(p)).columns.age!.min, 0);
    await assert.rejects(loadSchema(join(dir, "none.yaml")), (e: unknown) => isWardenError(e, "E_CONFIG_NOT_FOUND"));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

const credit = new URL("../../../shared/datasets/tabular/german_credit.csv", import.meta.url).pathname;
const noCredit = existsSync(credit) ? false : "../shared/datasets/tabular/german_credit.csv not found";

test("drift against a reference: shifted age and a new purpose are flagged, other columns are not", {
  skip: noCredit,
}, async () => {
  const s = parseSchema({
    columns: {
      age: { type: "integer", min: 18, max: 100 },
      sex: { enum: ["male", "female"] },
      purpose: {},
      credit_amount: { type: "integer" },
    },
  });
  async function* shifted(): RowStream {
    for await (const { line, record } of readCsv(credit)) {
      const r: Record<string, string> = { ...record, age: String(Number(record.age) + 12) };
      if (line % 5 === 0) r.purpose = "crypto";
      yield { line, record: r };
    }
  }
  const same = await checkData(readCsv(credit), s, "current.csv", { rows: readCsv(credit), label: "ref.csv" });
  assert.equal(same.ok, true, JSON.stringify(same.violations));
  assert.equal(same.drift.length, 4);
  const r = await checkData(shifted(), s, "current.csv", { rows: readCsv(credit), label: "ref.csv" });
  const drifted = r.drift
    .filter((d) => d.drifted)
    .map((d) => d.column)
    .sort();
  assert.deepEqual(drifted, ["age", "purpose"]);
  assert.equal(r.drift.find((d) => d.column === "age")?.test, "ks");
  assert.equal(r.drift.find((d) => d.column === "purpose")?.test, "chi2");
  assert.ok(r.violations.some((v) => v.rule === "drift" && v.column === "age"));
});
