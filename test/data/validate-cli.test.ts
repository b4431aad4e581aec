/**
 * `warden data check` and `warden data poison` end to end (the real CLI in a child process, a workspace made by
 * `warden init` in a temp dir): each decision is appended to the ledger (`data.check`, `data.poison`, with the file's
 * SHA-256, the verdict and counts), and `poison --reference` reports only what is new relative to a trusted version.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { cli, cliJson, tempDir } from "../e2e/helpers.ts";

interface LedgerEntry {
  index: number;
  entry: { type: string; subject: string; actor: string; data: Record<string, unknown> };
}

const sha256 = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

test("data check and data poison record their decisions in the ledger", async () => {
  const dir = tempDir("warden-validate-cli-");
  const init = await cli(dir, ["init"]);
  assert.equal(init.code, 0, init.stderr);
  const env = { WARDEN_ACTOR: "analyst" };

  const csv = join(dir, "t.csv");
  const schema = join(dir, "schema.yaml");
  writeFileSync(csv, "id,age\n1,30\n2,200\n2,40\n");
  writeFileSync(schema, "columns:\n  id: {type: integer, unique: true}\n  age: {type: integer, min: 0, max: 120}\n");
  const check = await cliJson<{ ok: boolean; ledgerIndex: number }>(
    dir,
    ["data", "check", csv, "--schema", schema],
    env,
    1,
  );
  assert.equal(check.ok, false);
  const c = await cliJson<LedgerEntry>(dir, ["ledger", "entry", String(check.ledgerIndex)]);
  assert.equal(c.entry.type, "data.check");
  assert.equal(c.entry.actor, "analyst");
  assert.equal(c.entry.data.sha256, sha256(csv));
  assert.equal(c.entry.data.verdict, "fail");
  assert.equal(c.entry.data.rows, 3);
  assert.equal(c.entry.data.violations, 2);

  // A trusted version, then an update that adds three copies of a new row and one ordinary new row.
  const topics = ["goal match team", "bake bread oven", "stock market shares", "rain cloud storm"];
  const rows = Array.from({ length: 80 }, (_, i) => ({
    text: `note ${i} ${topics[i % 4]} ${topics[(i * 7) % 4]} ${i * 13}`,
    y: i % 4 === 0 ? "sport" : "other",
  }));
  const trusted = join(dir, "v1.jsonl");
  writeFileSync(trusted, `${rows.map((r) => JSON.stringify(r)).join("\n")}\n`);
  const copy = { text: "limited offer click here to win a prize today", y: "sport" };
  const update = join(dir, "v2.jsonl");
  const added = [copy, copy, { ...copy, text: `${copy.text}!` }, { text: "note 999 rain cloud storm", y: "other" }];
  writeFileSync(update, `${[...rows, ...added].map((r) => JSON.stringify(r)).join("\n")}\n`);

  const p = await cliJson<{
    flagged: number;
    reference: { rows: number; newRows: number };
    findings: { line: number; reasons: { detector: string }[] }[];
    ledgerIndex: number;
  }>(dir, ["data", "poison", update, "--label", "y", "--text", "text", "--reference", trusted], env, 1);
  assert.deepEqual(p.reference, { rows: 80, newRows: 4 });
  assert.ok(
    p.findings.every((f) => f.line > 80),
    "only new rows are reported",
  );
  const dupLines = p.findings.filter((f) => f.reasons.some((r) => r.detector.endsWith("duplicate"))).map((f) => f.line);
  assert.deepEqual(dupLines.sort(), [81, 82, 83]);
  const e = await cliJson<LedgerEntry>(dir, ["ledger", "entry", String(p.ledgerIndex)]);
  assert.equal(e.entry.type, "data.poison");
  assert.equal(e.entry.data.sha256, sha256(update));
  assert.equal(e.entry.data.verdict, "suspicious");
  assert.equal(e.entry.data.flagged, p.flagged);
  assert.deepEqual(e.entry.data.reference, {
    ref: trusted,
    file: "v1.jsonl",
    sha256: sha256(trusted),
    newRows: 4,
  });

  // The same reference as a registered dataset version: verified, then used.
  const reg = await cli(dir, ["data", "register", trusted, "--name", "notes"]);
  assert.equal(reg.code, 0, reg.stderr);
  const viaDataset = await cliJson<{ reference: { newRows: number }; ledgerIndex: number }>(
    dir,
    ["data", "poison", update, "--label", "y", "--text", "text", "--reference", "notes@1"],
    {},
    1,
  );
  assert.equal(viaDataset.reference.newRows, 4);
  writeFileSync(trusted, `${rows.map((r) => JSON.stringify(r)).join("\n")}\n{"text": "edited", "y": "other"}\n`);
  const tampered = await cli(dir, [
    "data",
    "poison",
    update,
    "--label",
    "y",
    "--text",
    "text",
    "--reference",
    "notes@1",
  ]);
  assert.equal(tampered.code, 1);
  assert.match(tampered.stderr, /no longer matches its signed manifest/);
  writeFileSync(trusted, `${rows.map((r) => JSON.stringify(r)).join("\n")}\n`);

  // The trusted version checked against itself: nothing is new, nothing is flagged, and that is recorded too.
  const same = await cliJson<{ flagged: number; ledgerIndex: number }>(dir, [
    "data",
    "poison",
    trusted,
    "--label",
    "y",
    "--text",
    "text",
    "--reference",
    trusted,
  ]);
  assert.equal(same.flagged, 0);
  const s = await cliJson<LedgerEntry>(dir, ["ledger", "entry", String(same.ledgerIndex)]);
  assert.equal(s.entry.data.verdict, "clean");
});

test("outside a workspace the commands still run and say the result is not recorded", async () => {
  const dir = tempDir("warden-validate-nows-");
  const csv = join(dir, "t.csv");
  const schema = join(dir, "schema.yaml");
  writeFileSync(csv, "id\n1\n2\n");
  writeFileSync(schema, "columns:\n  id: {type: integer, unique: true}\n");
  const r = await cli(dir, ["data", "check", csv, "--schema", schema]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /not recorded in the ledger/);
  const missing = await cli(dir, ["data", "poison", csv, "--label", "id", "--text", "id", "--reference", "base@1"]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /registered dataset, which needs a workspace/);
});
