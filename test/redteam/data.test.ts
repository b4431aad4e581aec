/** Data loading and plan parsing: CSV round trips (property), one-hot encoding, labels, limits and clear errors. */
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import fc from "fast-check";
import { isWardenError } from "../../src/core/errors.ts";
import { loadDataset, loadTextDataset, parseCsv, standardize } from "../../src/redteam/ml/data.ts";
import { parsePlan } from "../../src/redteam/ml/plan.ts";

const quote = (f: string) => (/[",\r\n]/.test(f) || f === "" ? `"${f.replace(/"/g, '""')}"` : f);

test("CSV: quoted fields round-trip (property)", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 4 }).chain((w) =>
        fc.array(fc.array(fc.string({ maxLength: 8 }), { minLength: w, maxLength: w }), {
          minLength: 1,
          maxLength: 6,
        }),
      ),
      (rows) => {
        const text = rows.map((r) => r.map(quote).join(",")).join("\r\n");
        assert.deepEqual(parseCsv(text), rows);
      },
    ),
  );
});

test("CSV: arbitrary text parses or fails with a located WardenError (property)", () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 200 }), (text) => {
      try {
        parseCsv(text, "f.csv");
      } catch (e) {
        assert.ok(isWardenError(e, "E_DATA_PARSE") && /^f\.csv:\d+:/.test(e.message));
      }
    }),
  );
});

test("tabular data: numeric columns stay, text columns are one-hot encoded, labels become indices", () => {
  const dir = mkdtempSync(join(tmpdir(), "warden-rt-data-"));
  const file = join(dir, "d.csv");
  writeFileSync(file, 'age,colour,label\n30,"red",yes\n40,blue,no\n50,red,yes\n');
  const ds = loadDataset(file, { labels: "label" });
  assert.deepEqual(ds.features, ["age", "colour=blue", "colour=red"]);
  assert.deepEqual(ds.x, [
    [30, 0, 1],
    [40, 1, 0],
    [50, 0, 1],
  ]);
  assert.deepEqual(ds.y, [1, 0, 1]);
  assert.deepEqual(ds.classes, ["no", "yes"]);
  assert.deepEqual(ds.lower, [30, 0, 0]);
  assert.deepEqual(ds.upper, [50, 1, 1]);
  const z = standardize(ds.x);
  assert.ok(Math.abs(z.x.reduce((s, r) => s + (r[0] as number), 0)) < 1e-12);
  writeFileSync(join(dir, "bad.csv"), "a,b\n1,2\n3\n");
  assert.throws(() => loadDataset(join(dir, "bad.csv")), /bad\.csv:3: 1 fields/);
  assert.throws(
    () => loadDataset(file, { labels: "nope" }),
    (e) => isWardenError(e, "E_USAGE"),
  );
  assert.throws(
    () => loadDataset(join(dir, "missing.csv")),
    (e) => isWardenError(e, "E_DATA_NOT_FOUND"),
  );
  writeFileSync(
    join(dir, "d.json"),
    JSON.stringify({
      inputs: [
        [0, 1],
        [1, 0],
      ],
      labels: [1, 0],
    }),
  );
  assert.deepEqual(loadDataset(join(dir, "d.json")).y, [1, 0]);
  writeFileSync(join(dir, "t.json"), JSON.stringify({ inputs: ["a", "b"], labels: ["x", "y"] }));
  assert.deepEqual(loadTextDataset(join(dir, "t.json")).y, [0, 1]);
  writeFileSync(join(dir, "bad.json"), JSON.stringify({ inputs: [[0, "x"]] }));
  assert.throws(() => loadDataset(join(dir, "bad.json")), /not an array of finite numbers/);
});

test("plans: arbitrary objects validate or fail with E_CONFIG_INVALID (property)", () => {
  fc.assert(
    fc.property(fc.anything(), (value) => {
      try {
        parsePlan(value, "p.yaml");
      } catch (e) {
        assert.ok(isWardenError(e, "E_CONFIG_INVALID") && e.message.startsWith("p.yaml:"));
      }
    }),
  );
  const p = parsePlan({ target: { spec: "js:./m.mjs" }, data: { file: "d.csv" }, certification: { sigma: 0.5 } });
  assert.equal(p.seed, 1);
  assert.equal(p.certification?.n, 1000);
  assert.deepEqual(p.thresholds, {});
});
