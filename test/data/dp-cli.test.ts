/**
 * The data analytics commands (`data dp query|budget`, `data check`, `data poison`) run in a child process on a
 * command tree of their own, against a real workspace in a temp dir (created by `warden init`).
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { cli, tempDir } from "../e2e/helpers.ts";

const MODULE = new URL("../../src/cli/data-analytics.ts", import.meta.url).href;
const ERRORS = new URL("../../src/core/errors.ts", import.meta.url).href;
/** A child process running `warden data ...` on a command tree holding only the analytics commands. */
const RUNNER = `
import { Command } from "commander";
import { registerDataAnalyticsCommands } from ${JSON.stringify(MODULE)};
import { toWardenError } from ${JSON.stringify(ERRORS)};
const program = new Command("warden").exitOverride();
registerDataAnalyticsCommands(program.command("data"));
try {
  await program.parseAsync(["node", "warden", "data", ...process.argv.slice(1)]);
} catch (e) {
  const err = toWardenError(e);
  process.stderr.write(err.code + ": " + err.message + "\\n");
  process.exitCode = err.exitCode;
}
`;

function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", RUNNER, ...args], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.stderr.on("data", (d) => {
      err += d;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, out, err }));
  });
}

test("dp query charges the persisted budget, refuses overspending and records the ledger", async () => {
  const dir = tempDir("warden-dp-cli-");
  const init = await cli(dir, ["init"], { WARDEN_PASSPHRASE: "correct horse" });
  assert.equal(init.code, 0, init.stderr);
  const env = {
    WARDEN_HOME: join(dir, ".warden"),
    WARDEN_CONFIG: join(dir, "warden.yaml"),
    WARDEN_PASSPHRASE: "correct horse",
    WARDEN_ACTOR: "analyst",
  };
  const json = async (args: string[]) => {
    const r = await run([...args, "--json"], env);
    assert.equal(r.code, 0, r.err);
    return JSON.parse(r.out);
  };
  const csv = join(dir, "people.csv");
  writeFileSync(
    csv,
    `age,sex\n${Array.from({ length: 400 }, (_, i) => `${20 + (i % 50)},${i % 3 ? "m" : "f"}`).join("\n")}\n`,
  );
  const set = await json(["dp", "budget", "people", "--set-epsilon", "1", "--set-delta", "1e-6"]);
  assert.equal(set.epsilonTotal, 1);
  const q = await json([
    "dp",
    "query",
    csv,
    "--query",
    "mean(age)",
    "--bounds",
    "0,120",
    "--epsilon",
    "0.4",
    "--dataset",
    "people",
  ]);
  assert.equal(q.result.mechanism, "laplace");
  assert.ok(q.result.value >= 0 && q.result.value <= 120);
  assert.ok(Math.abs(q.remaining.epsilon - 0.6) < 1e-9);
  assert.ok(q.ledgerIndex >= 0);
  const g = await json([
    "dp",
    "query",
    csv,
    "--query",
    "count() where sex = f",
    "--epsilon",
    "0.5",
    "--delta",
    "1e-7",
    "--dataset",
    "people",
  ]);
  assert.equal(g.result.mechanism, "gaussian");
  assert.ok(g.cost.rho > 0);
  const refused = await run(
    ["dp", "query", csv, "--query", "sum(age)", "--bounds", "0,120", "--epsilon", "0.5", "--dataset", "people"],
    env,
  );
  assert.equal(refused.code, 1);
  assert.match(refused.err, /E_DP_BUDGET_EXCEEDED: .*remaining ε=0\.\d+/);
  const b = await json(["dp", "budget", "people"]);
  assert.equal(b.queries, 2);
  const bad = await run(["dp", "query", csv, "--query", "mean(age", "--epsilon", "0.1", "--dataset", "people"], env);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /E_USAGE: query:1:9:/);
  const bounds = await run(
    ["dp", "query", csv, "--query", "mean(age)", "--bounds", "9,1", "--epsilon", "0.1", "--dataset", "people"],
    env,
  );
  assert.equal(bounds.code, 2);
  assert.match(bounds.err, /lo < hi/);
});

test("data check exits 1 on violations; data poison reports suspicious rows", async () => {
  const dir = tempDir("warden-check-cli-");
  const csv = join(dir, "t.csv");
  const schema = join(dir, "schema.yaml");
  writeFileSync(csv, "id,age\n1,30\n2,200\n2,40\n");
  writeFileSync(schema, "columns:\n  id: {type: integer, unique: true}\n  age: {type: integer, min: 0, max: 120}\n");
  const r = await run(["check", csv, "--schema", schema, "--json"]);
  assert.equal(r.code, 1);
  const report = JSON.parse(r.out);
  assert.deepEqual(report.violations.map((v: { rule: string }) => v.rule).sort(), ["max", "unique"]);
  writeFileSync(csv, "id,age\n1,30\n2,40\n");
  assert.equal((await run(["check", csv, "--schema", schema])).code, 0);

  const train = join(dir, "train.jsonl");
  const lines = Array.from({ length: 60 }, (_, i) =>
    JSON.stringify({ text: `row ${i} ${i % 2 ? "bake bread oven" : "goal match team"}`, y: i % 2 }),
  );
  lines.push(lines[0]!, lines[0]!);
  writeFileSync(train, `${lines.join("\n")}\n`);
  const p = await run(["poison", train, "--label", "y", "--text", "text", "--json"]);
  assert.equal(p.code, 1);
  const pr = JSON.parse(p.out);
  assert.ok(
    pr.findings.some(
      (f: { line: number; reasons: { detector: string }[] }) =>
        f.line === 61 && f.reasons.some((x) => x.detector === "duplicate"),
    ),
  );
  assert.match(
    (await run(["poison", train, "--label", "nope", "--text", "text"])).err,
    /E_USAGE: .*column\(s\) "nope" not found/,
  );
  assert.match((await run(["poison", train, "--label", "y"])).err, /--text COL or --features COLS/);
});
