import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { cli, cliJson, tempDir } from "./helpers.ts";

test("warden data register/verify/lineage/encrypt/decrypt/export from the command line", async () => {
  const dir = tempDir();
  const env = { WARDEN_ACTOR: "alice" };
  await cliJson(dir, ["init"], env);
  const csv = join(dir, "people.csv");
  writeFileSync(csv, "id,name\n1,ann\n2,bob\n");
  const reg = await cliJson<{ id: string; files: number }>(
    dir,
    ["data", "register", csv, "--name", "people", "--classification", "confidential"],
    env,
  );
  assert.equal(reg.id, "people@1");
  const derived = join(dir, "derived.csv");
  writeFileSync(derived, "id\n1\n");
  await cliJson(
    dir,
    ["data", "register", derived, "--name", "ids", "--parent", "people@1", "--transform", "drop names"],
    env,
  );

  const ok = await cliJson<{ ok: boolean }>(dir, ["data", "verify", "people@1"], env);
  assert.equal(ok.ok, true);

  const dot = await cli(dir, ["data", "lineage", "ids@1", "--format", "dot"], env);
  assert.equal(dot.code, 0);
  assert.match(dot.stdout, /"people@1" -> "ids@1" \[label="drop names \(ledger #\d+\)"\]/);

  const enc = await cliJson<{ out: string }>(dir, ["data", "encrypt", csv, "--dataset", "people@1"], env);
  assert.equal(enc.out, `${csv}.wenc`);
  assert.ok(!readFileSync(enc.out).includes(Buffer.from("ann")));
  const plain = join(dir, "plain.csv");
  await cliJson(dir, ["data", "decrypt", enc.out, "--out", plain, "--dataset", "people@1"], env);
  assert.equal(readFileSync(plain, "utf8"), "id,name\n1,ann\n2,bob\n");

  const denied = await cli(dir, ["data", "verify", "people@1", "--json"], { WARDEN_ACTOR: "eve" });
  assert.equal(denied.code, 1);
  assert.equal(JSON.parse(denied.stdout).error.code, "E_ACCESS_DENIED");
  const noExport = await cli(dir, ["data", "export", "people@1", "--out", join(dir, "out")], env);
  assert.equal(noExport.code, 1, "stewards may not export confidential data by default");

  writeFileSync(csv, "id,name\n1,ann\n2,BOB\n");
  const bad = await cli(dir, ["data", "verify", "people@1"], env);
  assert.equal(bad.code, 1);
  assert.match(bad.stdout, /changed: \. \(rows changed: 3;/);

  const access = await cliJson<{ entry: { type: string; actor: string; data: { allowed: boolean } } }[]>(
    dir,
    ["ledger", "verify"],
    env,
  );
  assert.ok(access);
});
