/**
 * `warden model` commands end to end, in process, on a real workspace: sign, verify (and a tampered file failing with
 * exit code 1), register, promote refused for the registrant (E_PROMOTION_REFUSED naming the gate) and accepted for a
 * second actor, rollback, and the BOM.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { Command } from "commander";
import { registerKeysCommands } from "../../src/cli/keys.ts";
import { registerModelCommands } from "../../src/cli/model.ts";
import { toWardenError } from "../../src/core/errors.ts";

let home: string;
let modelDir: string;

/** Runs one CLI command as `actor`; returns stdout, the error code (if any) and the exit code. */
async function warden(actor: string, ...args: string[]): Promise<{ out: string; code?: string; exit: number }> {
  process.env.WARDEN_ACTOR = actor;
  process.exitCode = 0;
  const program = new Command("warden").exitOverride();
  registerKeysCommands(program);
  registerModelCommands(program);
  let out = "";
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    out += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString();
    return true;
  }) as typeof process.stdout.write;
  try {
    await program.parseAsync(["node", "warden", ...args]);
    const exit = typeof process.exitCode === "number" ? process.exitCode : 0;
    return { out, exit };
  } catch (e) {
    const err = toWardenError(e);
    return { out, code: err.code, exit: err.exitCode };
  } finally {
    process.stdout.write = write;
    process.exitCode = 0;
  }
}

before(async () => {
  home = mkdtempSync(join(tmpdir(), "warden-model-cli-"));
  mkdirSync(join(home, "ws"));
  writeFileSync(join(home, "warden.yaml"), "");
  process.env.WARDEN_HOME = join(home, "ws");
  process.env.WARDEN_CONFIG = join(home, "warden.yaml");
  process.env.WARDEN_PASSPHRASE = "cli test passphrase";
  modelDir = join(home, "m");
  mkdirSync(modelDir);
  writeFileSync(
    join(modelDir, "weights.safetensors"),
    Buffer.concat([Buffer.from([2, 0, 0, 0, 0, 0, 0, 0]), Buffer.from("{}")]),
  );
  writeFileSync(join(modelDir, "requirements.txt"), "numpy==2.0.0\n");
});
after(() => rmSync(home, { recursive: true, force: true }));

test("sign, verify, register, promote with two actors, rollback and BOM", async () => {
  assert.equal((await warden("alice", "keys", "create", "release", "--type", "ecdsa-p256")).exit, 0);
  const signed = await warden("alice", "model", "sign", modelDir, "--key-name", "release", "--json");
  assert.equal(signed.exit, 0);
  const digest = JSON.parse(signed.out).digest as string;
  const verified = await warden("alice", "model", "verify", modelDir, "--json");
  assert.equal(JSON.parse(verified.out).ok, true);

  const reg = await warden("alice", "model", "register", "demo@1", modelDir, "--metric", "acc=0.9", "--json");
  assert.equal(reg.exit, 0, reg.out);
  const v = JSON.parse(reg.out);
  assert.equal(v.digest, digest);
  assert.equal(v.scan?.safe, true, JSON.stringify(v.scan));

  const refused = await warden("alice", "model", "promote", "demo@1", "--to", "production");
  assert.equal(refused.code, "E_PROMOTION_REFUSED");
  assert.equal(refused.exit, 1);
  const ok = await warden("bob", "model", "promote", "demo@1", "--to", "production", "--json");
  assert.equal(ok.exit, 0, ok.out);
  assert.equal(JSON.parse(ok.out).to, "production");

  const bom = JSON.parse((await warden("bob", "model", "bom", "demo@1")).out);
  assert.equal(bom.metadata.component.type, "machine-learning-model");
  assert.ok(bom.components.some((c: { purl?: string }) => c.purl === "pkg:pypi/numpy@2.0.0"));
  const spdx = JSON.parse((await warden("bob", "model", "bom", "demo@1", "--format", "spdx")).out);
  assert.equal(spdx["@context"], "https://spdx.org/rdf/3.0.1/spdx-context.jsonld");

  const none = await warden("carol", "model", "rollback", "demo", "--reason", "bad");
  assert.equal(none.code, "E_PROMOTION_REFUSED");

  writeFileSync(join(modelDir, "weights.safetensors"), "tampered");
  const bad = await warden("alice", "model", "verify", modelDir);
  assert.equal(bad.exit, 1);
  assert.match(bad.out, /FAILED .*changed: weights\.safetensors/);
  const listed = JSON.parse((await warden("alice", "model", "list", "--json")).out);
  assert.deepEqual(
    listed.map((x: { name: string; version: string; stage: string }) => `${x.name}@${x.version}:${x.stage}`),
    ["demo@1:production"],
  );
});
