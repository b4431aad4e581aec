/**
 * Output formats: SARIF 2.1.0 validated against the OASIS JSON schema (../shared/corpora/schemas) with a small
 * draft-04 validator written here; the JSON report shape; the text report; and `warden model scan` exit codes.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { fails } from "../../../src/cli/model-scan.ts";
import { type FileResult, formatText, scanPath, toSarif, type Verdict } from "../../../src/model/scan/index.ts";
import { initWorkspace, openWorkspace } from "../../../src/workspace/index.ts";
import { benignPickle, callPickle, safetensors, zip } from "./build.ts";

type Schema = Record<string, unknown>;

/** Validates `value` against a draft-04 schema subset (the keywords the SARIF schema uses); returns error paths. */
function validate(root: Schema, schema: Schema, value: unknown, path = "$"): string[] {
  if (typeof schema.$ref === "string") {
    const name = schema.$ref.replace("#/definitions/", "");
    return validate(root, (root.definitions as Record<string, Schema>)[name]!, value, path);
  }
  const errors: string[] = [];
  const types = schema.type === undefined ? undefined : ([] as unknown[]).concat(schema.type);
  const typeOf = (v: unknown): string =>
    v === null ? "null" : Array.isArray(v) ? "array" : Number.isInteger(v) ? "integer" : typeof v;
  if (types && !types.some((t) => t === typeOf(value) || (t === "number" && typeof value === "number")))
    return [`${path}: expected ${types.join("|")}, got ${typeOf(value)}`];
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) errors.push(`${path}: ${String(value)} not in enum`);
  if (typeof schema.minimum === "number" && typeof value === "number" && value < schema.minimum)
    errors.push(`${path}: below minimum`);
  if (typeof schema.pattern === "string" && typeof value === "string" && !new RegExp(schema.pattern, "u").test(value))
    errors.push(`${path}: does not match ${schema.pattern}`);
  if (Array.isArray(schema.anyOf) && !schema.anyOf.some((s) => validate(root, s as Schema, value, path).length === 0))
    errors.push(`${path}: matches no anyOf branch`);
  if (
    Array.isArray(schema.oneOf) &&
    schema.oneOf.filter((s) => validate(root, s as Schema, value, path).length === 0).length !== 1
  )
    errors.push(`${path}: does not match exactly one oneOf branch`);
  if (Array.isArray(value)) {
    if (typeof schema.minItems === "number" && value.length < schema.minItems) errors.push(`${path}: too few items`);
    if (schema.uniqueItems === true && new Set(value.map((v) => JSON.stringify(v))).size !== value.length)
      errors.push(`${path}: items not unique`);
    if (schema.items)
      for (const [i, v] of value.entries()) errors.push(...validate(root, schema.items as Schema, v, `${path}[${i}]`));
  }
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    const props = (schema.properties ?? {}) as Record<string, Schema>;
    for (const r of (schema.required as string[] | undefined) ?? [])
      if (!(r in obj)) errors.push(`${path}: missing ${r}`);
    for (const [k, v] of Object.entries(obj)) {
      if (props[k]) errors.push(...validate(root, props[k], v, `${path}.${k}`));
      else if (schema.additionalProperties === false) errors.push(`${path}: unexpected property ${k}`);
      else if (typeof schema.additionalProperties === "object")
        errors.push(...validate(root, schema.additionalProperties as Schema, v, `${path}.${k}`));
    }
  }
  return errors;
}

const schemaPath = fileURLToPath(
  new URL("../../../../shared/corpora/schemas/sarif-schema-2.1.0.json", import.meta.url),
);
const skipSchema = existsSync(schemaPath) ? false : `SARIF schema not found at ${schemaPath}`;

function fixtureDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "warden-scan-report-"));
  writeFileSync(join(dir, "evil.pkl"), callPickle("os", "system", "id"));
  writeFileSync(
    join(dir, "model.safetensors"),
    safetensors({ a: { dtype: "F32", shape: [2], data_offsets: [0, 8] } }, 8),
  );
  writeFileSync(join(dir, "weights.bin"), zip([{ name: "archive/data.pkl", data: benignPickle() }]));
  writeFileSync(join(dir, "odd.pkl"), callPickle("sklearn.tree", "DecisionTreeClassifier"));
  return dir;
}

test("the validator rejects what the SARIF schema forbids", { skip: skipSchema }, () => {
  const schema = JSON.parse(readFileSync(schemaPath, "utf8")) as Schema;
  assert.ok(validate(schema, schema, { version: "2.0.0", runs: [] }).length > 0);
  assert.ok(validate(schema, schema, { version: "2.1.0", runs: [{ tool: { driver: {} } }] }).length > 0);
  assert.ok(
    validate(schema, schema, {
      version: "2.1.0",
      runs: [{ tool: { driver: { name: "x" } }, results: [{ level: "fatal", message: { text: "m" } }] }],
    }).length > 0,
  );
});

test("SARIF output validates against the SARIF 2.1.0 schema and carries every finding", {
  skip: skipSchema,
}, async () => {
  const dir = fixtureDir();
  try {
    const result = await scanPath([dir]);
    const sarif = toSarif(result);
    const schema = JSON.parse(readFileSync(schemaPath, "utf8")) as Schema;
    assert.deepEqual(validate(schema, schema, sarif), []);
    const run = (sarif.runs as { results: { ruleId: string; level: string }[] }[])[0]!;
    assert.equal(
      run.results.length,
      result.files.reduce((n, f) => n + f.findings.length, 0),
    );
    assert.ok(run.results.some((r) => r.ruleId === "pickle-dangerous-global" && r.level === "error"));
    assert.ok(run.results.some((r) => r.ruleId === "pickle-unknown-global" && r.level === "warning"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("JSON and text reports: verdict per file, findings with rule/severity/message/location, summary", async () => {
  const dir = fixtureDir();
  try {
    const result = await scanPath([dir]);
    const byName = Object.fromEntries(result.files.map((f) => [f.path.slice(dir.length + 1), f]));
    assert.equal(byName["evil.pkl"]!.verdict, "unsafe");
    assert.equal(byName["model.safetensors"]!.verdict, "safe");
    assert.equal(byName["weights.bin"]!.format, "pytorch-zip");
    assert.equal(byName["odd.pkl"]!.verdict, "suspicious");
    const f = byName["evil.pkl"]!.findings[0]!;
    assert.deepEqual(Object.keys(f).sort(), ["location", "message", "rule", "severity"]);
    assert.equal(result.summary.files, 4);
    assert.equal(result.summary.unsafe, 1);
    const text = formatText(result);
    assert.match(text, /UNSAFE\s+\S*evil\.pkl/);
    assert.match(text, /4 file\(s\): 2 safe, 1 suspicious, 1 unsafe, 0 invalid/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const repo = fileURLToPath(new URL("../../../", import.meta.url));
const CLI = `import { Command } from "commander";
import { registerModelScanCommand } from "./src/cli/model-scan.ts";
const p = new Command("warden").exitOverride();
registerModelScanCommand(p.command("model"));
await p.parseAsync(JSON.parse(process.env.ARGS), { from: "user" });`;

/** Runs the command in a child process (stdout is the report) with no workspace. */
function runCli(args: string[], env: Record<string, string> = {}): { code: number; out: string } {
  const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", CLI], {
    cwd: repo,
    encoding: "utf8",
    env: {
      ...process.env,
      ARGS: JSON.stringify(["model", "scan", ...args]),
      WARDEN_HOME: join(tmpdir(), "warden-no-such-home"),
      ...env,
    },
  });
  return { code: r.status ?? -1, out: r.stdout };
}

test("--fail-on: invalid and unsafe always fail, suspicious only with the default", () => {
  const file = (verdict: Verdict): FileResult => ({ path: "f", format: "pickle", verdict, findings: [], size: 1 });
  assert.equal(fails(file("suspicious"), "suspicious"), true);
  assert.equal(fails(file("suspicious"), "unsafe"), false);
  assert.equal(fails(file("invalid"), "unsafe"), true);
  assert.equal(fails(file("unsafe"), "unsafe"), true);
  assert.equal(fails(file("safe"), "suspicious"), false);
});

test("warden model scan: exit 0 when every file is safe, 1 otherwise; --json and --sarif on stdout", () => {
  const dir = fixtureDir();
  try {
    const safe = runCli(["--json", join(dir, "model.safetensors"), join(dir, "weights.bin")]);
    assert.equal(safe.code, 0);
    assert.equal(JSON.parse(safe.out).summary.safe, 2);
    const bad = runCli(["--sarif", "--fail-on", "unsafe", dir]);
    assert.equal(bad.code, 1);
    assert.equal(JSON.parse(bad.out).version, "2.1.0");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("with a workspace, each scanned file is recorded in the ledger as model.scanned", async () => {
  const dir = fixtureDir();
  const env = {
    WARDEN_HOME: join(dir, ".warden"),
    WARDEN_CONFIG: join(dir, "warden.yaml"),
    WARDEN_PASSPHRASE: "scan-test",
    WARDEN_ACTOR: "scanner-test",
  };
  try {
    await initWorkspace({ env });
    const r = runCli(["--json", join(dir, "evil.pkl"), join(dir, "model.safetensors")], env);
    assert.equal(r.code, 1);
    const ws = await openWorkspace({ env });
    try {
      const entries = await ws.ledger.find({ type: "model.scanned" });
      assert.equal(entries.length, 2);
      const evil = entries.find((e) => e.entry.subject.endsWith("evil.pkl"))!;
      assert.equal(evil.entry.actor, "scanner-test");
      assert.deepEqual(Object.keys(evil.entry.data as object).sort(), ["findings", "format", "sha256", "verdict"]);
      assert.equal((evil.entry.data as { verdict: string }).verdict, "unsafe");
      assert.match((evil.entry.data as { sha256: string }).sha256, /^[0-9a-f]{64}$/);
    } finally {
      await ws.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
