import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, test } from "node:test";
import Database from "better-sqlite3";
import { publicKeyFromPem } from "../../src/core/crypto/index.ts";
import { noteKeysFor, verifyConsistency, verifyInclusion, verifyNote } from "../../src/ledger/index.ts";
import { cli, cliJson, tempDir } from "./helpers.ts";

describe("warden init, keys and ledger from the command line", () => {
  const dir = tempDir();

  before(async () => {
    const r = await cliJson<{ created: boolean; configWritten: boolean; ledgerSize: number }>(dir, ["init"]);
    assert.equal(r.created, true);
    assert.equal(r.configWritten, true);
    assert.equal(r.ledgerSize, 1);
  });

  test("init is idempotent and the written warden.yaml is the commented default", async () => {
    const again = await cliJson<{ created: boolean; ledgerSize: number }>(dir, ["init"]);
    assert.equal(again.created, false);
    assert.equal(again.ledgerSize, 1);
    const show = await cliJson<{ path: string; config: { ledger: { origin: string } } }>(dir, ["config", "show"]);
    assert.equal(show.path, join(dir, "warden.yaml"));
    assert.equal(show.config.ledger.origin, "warden.local/ledger");
    const schema = await cli(dir, ["config", "schema"]);
    assert.equal(JSON.parse(schema.stdout).type, "object");
  });

  test("ledger append/entry/proof/consistency/checkpoint/verify have the documented JSON shapes", async () => {
    const a = await cliJson<{ index: number; leafHash: string; treeSize: number }>(dir, [
      "ledger",
      "append",
      "--type",
      "test.event",
      "--subject",
      "s1",
      "--data",
      '{"n":1}',
    ]);
    assert.deepEqual(Object.keys(a).sort(), ["index", "leafHash", "treeSize"]);
    assert.match(a.leafHash, /^[0-9a-f]{64}$/);
    assert.equal(a.treeSize, a.index + 1);
    const b = await cliJson<{ index: number; treeSize: number }>(
      dir,
      ["ledger", "append", "--type", "test.event", "--subject", "s2"],
      {
        WARDEN_ACTOR: "bob",
      },
    );
    assert.equal(b.index, a.index + 1);

    const e = await cliJson<{ index: number; leafHash: string; entry: Record<string, unknown> }>(dir, [
      "ledger",
      "entry",
      String(b.index),
    ]);
    assert.deepEqual(Object.keys(e).sort(), ["entry", "index", "leafHash"]);
    assert.equal(e.entry.actor, "bob");
    assert.equal(e.entry.subject, "s2");
    assert.deepEqual(Object.keys(e.entry).sort(), ["actor", "data", "subject", "time", "type"]);

    const p = await cliJson<{ index: number; treeSize: number; leafHash: string; rootHash: string; hashes: string[] }>(
      dir,
      ["ledger", "proof", "--index", String(a.index)],
    );
    assert.deepEqual(Object.keys(p).sort(), ["hashes", "index", "leafHash", "rootHash", "treeSize"]);
    assert.equal(p.leafHash, a.leafHash);
    assert.ok(verifyInclusion(p.leafHash, p.index, p.treeSize, p.hashes, p.rootHash));

    const c = await cliJson<{ from: number; to: number; oldRoot: string; newRoot: string; hashes: string[] }>(dir, [
      "ledger",
      "consistency",
      "--from",
      "1",
      "--to",
      String(b.treeSize),
    ]);
    assert.deepEqual(Object.keys(c).sort(), ["from", "hashes", "newRoot", "oldRoot", "to"]);
    assert.ok(verifyConsistency(c.from, c.to, c.oldRoot, c.newRoot, c.hashes));
    assert.equal(c.newRoot, p.rootHash);

    const cp = await cliJson<{ treeSize: number; rootHash: string; note: string }>(dir, ["ledger", "checkpoint"]);
    assert.equal(cp.treeSize, b.treeSize);
    assert.equal(cp.rootHash, p.rootHash);
    assert.ok(
      cp.note.startsWith(
        `warden.local/ledger\n${cp.treeSize}\n${Buffer.from(cp.rootHash, "hex").toString("base64")}\n\n`,
      ),
    );
    assert.match(cp.note, /\n— workspace [A-Za-z0-9+/=]+\n$/);
    const pem = (await cli(dir, ["keys", "export", "workspace", "--format", "pem"])).stdout;
    const pub = publicKeyFromPem(pem);
    const verified = verifyNote(cp.note, noteKeysFor("workspace", pub));
    assert.equal(verified.treeSize, cp.treeSize);

    const v = await cliJson<{ ok: boolean; treeSize: number }>(dir, ["ledger", "verify"]);
    assert.equal(v.ok, true);
    assert.equal(v.treeSize, b.treeSize);
  });

  test("keys of every type can be created, listed and exported", async () => {
    for (const type of ["ecdsa-p256", "ecdsa-p384", "ml-dsa-65", "hybrid"]) {
      const k = await cliJson<{ name: string; type: string; keyId: string }>(dir, [
        "keys",
        "create",
        `k-${type}`,
        "--type",
        type,
      ]);
      assert.equal(k.type, type);
      assert.match(k.keyId, /^[0-9a-f]{64}$/);
    }
    const list = await cliJson<{ name: string }[]>(dir, ["keys", "list"]);
    assert.deepEqual(list.map((k) => k.name).sort(), [
      "k-ecdsa-p256",
      "k-ecdsa-p384",
      "k-hybrid",
      "k-ml-dsa-65",
      "workspace",
    ]);
    const jwk = await cliJson<{ publicKey: { kty: string; crv: string } }>(dir, [
      "keys",
      "export",
      "k-ecdsa-p256",
      "--format",
      "jwk",
    ]);
    assert.equal(jwk.publicKey.kty, "EC");
    assert.equal(jwk.publicKey.crv, "P-256");
    const dup = await cli(dir, ["keys", "create", "k-hybrid", "--type", "hybrid", "--json"]);
    assert.equal(dup.code, 3);
    assert.equal(JSON.parse(dup.stdout).error.code, "E_KEY_EXISTS");
  });

  test("bad input gets a clear error, a non-zero exit, and changes nothing", async () => {
    const size = (await cliJson<{ treeSize: number }>(dir, ["ledger", "verify"])).treeSize;

    const wrong = await cli(dir, ["ledger", "append", "--type", "x.y", "--subject", "s"], {
      WARDEN_PASSPHRASE: "wrong",
    });
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /E_PASSPHRASE_WRONG/);

    const beyond = await cli(dir, ["ledger", "proof", "--index", String(size + 5), "--json"]);
    assert.equal(beyond.code, 2);
    assert.equal(JSON.parse(beyond.stdout).error.code, "E_LEDGER_RANGE");

    const badData = await cli(dir, ["ledger", "append", "--type", "x.y", "--subject", "s", "--data", "{nope"]);
    assert.equal(badData.code, 2);
    assert.match(badData.stderr, /E_LEDGER_ENTRY_INVALID/);

    const unknownKey = await cli(dir, ["keys", "export", "nobody"]);
    assert.equal(unknownKey.code, 2);
    assert.match(unknownKey.stderr, /E_KEY_NOT_FOUND/);

    const usage = await cli(dir, ["ledger", "frobnicate"]);
    assert.equal(usage.code, 2);

    const badConfig = join(dir, "bad.yaml");
    writeFileSync(badConfig, "ledger:\n  origni: x\n");
    const cfg = await cli(dir, ["ledger", "verify"], { WARDEN_CONFIG: badConfig });
    assert.equal(cfg.code, 2);
    assert.match(cfg.stderr, /E_CONFIG_INVALID: .*bad\.yaml:2:3: ledger\.origni: unknown key/);

    const after = await cliJson<{ ok: boolean; treeSize: number }>(dir, ["ledger", "verify"]);
    assert.deepEqual(after, { ok: true, treeSize: size });
  });

  test("a tampered database row makes verify fail and name the entry", async () => {
    const t = tempDir();
    await cliJson(t, ["init"]);
    for (let i = 0; i < 5; i++) await cliJson(t, ["ledger", "append", "--type", "t.e", "--subject", `s${i}`]);
    const db = new Database(join(t, ".warden", "warden.db"));
    const row = db.prepare("SELECT idx, body FROM ledger_entries WHERE idx = 3").get() as { idx: number; body: string };
    db.prepare("UPDATE ledger_entries SET body = ? WHERE idx = 3").run(row.body.replace('"s2"', '"s9"'));
    db.close();
    const v = await cli(t, ["ledger", "verify", "--json"]);
    assert.equal(v.code, 1);
    const out = JSON.parse(v.stdout);
    assert.equal(out.ok, false);
    assert.equal(out.firstBadIndex, 3);
  });
});

test("the guided tour (npm start) initialises a workspace and verifies the ledger", async () => {
  const dir = tempDir();
  const r = await cli(dir, ["tour"], { WARDEN_PASSPHRASE: "" });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /key-encryption key file was generated/);
  assert.match(r.stdout, /entry 3 of 4: \d+ hashes, root [0-9a-f]{16}… verified/);
  assert.match(r.stdout, /ok\S*: 4 entries/);
  const again = await cli(dir, ["tour"], { WARDEN_PASSPHRASE: "" });
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /4 → 7: \S*consistent/);
  const help = await cli(dir, ["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Exit codes: 0 ok/);
});
