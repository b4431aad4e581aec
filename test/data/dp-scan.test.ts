/** The column-projecting CSV scanner used by DP queries: same values and errors as the tabular CSV reader. */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import fc from "fast-check";
import { isWardenError } from "../../src/core/errors.ts";
import { planQuery, runQueryOnFile } from "../../src/data/dp/aggregate.ts";
import { parseQuery } from "../../src/data/dp/query.ts";
import { CryptoRandom } from "../../src/data/dp/random.ts";
import { scanCsvColumns } from "../../src/data/dp/scan.ts";
import { formatCsvRow, readCsv } from "../../src/data/index.ts";

let dir = "";
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "warden-dp-scan-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function scanned(path: string, cols: string[]): Promise<{ line: number; values: string[] }[]> {
  const out: { line: number; values: string[] }[] = [];
  for await (const b of scanCsvColumns(path, cols)) {
    for (let i = 0; i < b.size; i++) out.push({ line: b.lines[i]!, values: b.columns.map((c) => c[i]!) });
  }
  return out;
}

test("fuzz: the scanner yields exactly what readCsv yields for the projected columns", async () => {
  const cell = fc.oneof(
    fc.string({ maxLength: 6 }),
    fc.constantFrom("", "a,b", 'say "hi"', "two\nlines", "crlf\r\nx", "é ü", "  7 "),
  );
  let k = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(fc.tuple(cell, cell, cell), { maxLength: 12 }), fc.boolean(), async (rows, crlf) => {
      const eol = crlf ? "\r\n" : "\n";
      const text = [formatCsvRow(["a", "b", "c"]), ...rows.map((r) => formatCsvRow(r))].join(eol) + eol;
      const path = join(dir, `f${k++}.csv`);
      await writeFile(path, text);
      const expected: { line: number; values: string[] }[] = [];
      for await (const { line, record } of readCsv(path)) expected.push({ line, values: [record.c!, record.a!] });
      assert.deepEqual(await scanned(path, ["c", "a"]), expected);
    }),
    { numRuns: 150 },
  );
});

test("rows spanning chunk boundaries stay aligned", async () => {
  const path = join(dir, "big.csv");
  const rows = Array.from({ length: 20_000 }, (_, i) =>
    formatCsvRow([String(i), `v${i}`.repeat(1 + (i % 7)), i % 5 ? "x" : 'q"uo\nte']),
  );
  await writeFile(path, `id,b,c\n${rows.join("\n")}\n`);
  const expected: { line: number; values: string[] }[] = [];
  for await (const { line, record } of readCsv(path)) expected.push({ line, values: [record.c!, record.id!] });
  assert.deepEqual(await scanned(path, ["c", "id"]), expected);
});

test("malformed CSV gives E_DATA_PARSE with file, line and column; unknown columns E_USAGE", async () => {
  const cases: [string, RegExp][] = [
    ["a,b\n1,2\n3\n", /:3:2: record has 1 fields, expected 2/],
    ['a,b\n1,"x\n', /unterminated quoted field/],
    ['a,b\n1,x"y\n', /:2:2: quote inside an unquoted field/],
    ['a,b\n1,"x"y\n', /unexpected character after a closing quote/],
    ["", /empty file/],
  ];
  for (const [text, re] of cases) {
    const path = join(dir, "bad.csv");
    await writeFile(path, text);
    await assert.rejects(
      scanned(path, ["b"]),
      (e: unknown) => isWardenError(e, "E_DATA_PARSE") && re.test(e.message) && e.message.startsWith(path),
      text,
    );
  }
  const path = join(dir, "bad-utf8.csv");
  await writeFile(path, Buffer.concat([Buffer.from("a,b\n1,"), Buffer.from([0xff, 0xfe]), Buffer.from("\n")]));
  await assert.rejects(scanned(path, ["b"]), /invalid UTF-8/);
  await writeFile(path, "a,b\n1,2\n");
  await assert.rejects(
    scanned(path, ["zzz"]),
    (e: unknown) => isWardenError(e, "E_USAGE") && /column "zzz" not found/.test(e.message),
  );
});

test("queries on CSV and JSONL files agree with the data, and bad cells name the line", async () => {
  const csv = join(dir, "people.csv");
  const jsonl = join(dir, "people.jsonl");
  const ages = Array.from({ length: 3000 }, (_, i) => 20 + (i % 41));
  await writeFile(csv, `age,sex\n${ages.map((a, i) => `${a},${i % 2 ? "f" : "m"}`).join("\n")}\n`);
  await writeFile(jsonl, `${ages.map((a, i) => JSON.stringify({ age: a, sex: i % 2 ? "f" : "m" })).join("\n")}\n`);
  const plan = planQuery(parseQuery("mean(age) where sex = f"), { epsilon: 50, bounds: [0, 100] });
  const truth = ages.filter((_, i) => i % 2).reduce((s, a) => s + a, 0) / 1500;
  for (const file of [csv, jsonl]) {
    const r = await runQueryOnFile(plan, file, new CryptoRandom());
    assert.ok(Math.abs(r.value! - truth) < 0.5, `${file}: ${r.value} vs ${truth}`);
  }
  await writeFile(csv, "age\n30\nabc\n");
  await assert.rejects(
    runQueryOnFile(plan, csv, new CryptoRandom()),
    (e: unknown) => isWardenError(e, "E_USAGE") && /column "sex" not found/.test(e.message),
  );
  await assert.rejects(
    runQueryOnFile(planQuery(parseQuery("sum(age)"), { epsilon: 1, bounds: [0, 100] }), csv, new CryptoRandom()),
    (e: unknown) => isWardenError(e, "E_DATA_PARSE") && e.message.startsWith(`${csv}:3: column "age"`),
  );
});

test("a query filtering on its own column reads that column once for both", async () => {
  const path = join(dir, "ages.csv");
  await writeFile(path, `age,x\n${Array.from({ length: 1000 }, (_, i) => `${i % 100},1`).join("\n")}\n`);
  const rows = await scanned(path, ["age", "age"]);
  assert.equal(rows.length, 1000);
  assert.ok(rows.every((r) => r.values[0] === r.values[1]));
  const plan = planQuery(parseQuery("mean(age) where age > 49"), { epsilon: 50, bounds: [0, 100] });
  const r = await runQueryOnFile(plan, path, new CryptoRandom());
  assert.ok(Math.abs(r.value! - 74.5) < 0.5, String(r.value));
});
