/**
 * Model registry on a real SQLite store and ledger: register, list, promotion gates (each failing on its own, with the
 * failing gate named), separation of duties with two actors, superseding, rollback to the last known-good signed
 * version, and the ledger trail. Runs on PostgreSQL too when WARDEN_TEST_PG_URL is set.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import fc from "fast-check";
import { isWardenError } from "../../src/core/errors.ts";
import { KeyRing } from "../../src/core/index.ts";
import { Ledger } from "../../src/ledger/index.ts";
import {
  type GateName,
  getVersion,
  history,
  listVersions,
  parseRef,
  promoteVersion,
  type RegistryContext,
  recordScan,
  registerVersion,
  rollback,
  type ScanRecord,
  signModel,
  trustedKeyFromPublicKey,
} from "../../src/model/index.ts";
import { openStore, type Store } from "../../src/store/index.ts";

const SAFE: ScanRecord = { safe: true, summary: { files: 2 }, flagged: [], scannedAt: "2026-01-01T00:00:00.000Z" };
const UNSAFE: ScanRecord = {
  safe: false,
  summary: { files: 2 },
  flagged: [{ path: "weights.pkl", verdict: "unsafe" }],
  scannedAt: "2026-01-02T00:00:00.000Z",
};
const PRODUCTION: GateName[] = ["signature", "scan", "integrity", "separation-of-duties"];

test("parseRef accepts NAME@VERSION and rejects anything else with E_USAGE", () => {
  assert.deepEqual(parseRef("fraud-model@1.2.3"), { name: "fraud-model", version: "1.2.3" });
  fc.assert(
    fc.property(fc.string(), (s) => {
      try {
        const r = parseRef(s);
        assert.equal(`${r.name}@${r.version}`, s);
      } catch (e) {
        assert.ok(isWardenError(e, "E_USAGE"));
      }
    }),
  );
});

const dialects: { name: string; url?: string }[] = [{ name: "sqlite" }];
if (process.env.WARDEN_TEST_PG_URL) dialects.push({ name: "postgres", url: process.env.WARDEN_TEST_PG_URL });

for (const dialect of dialects) {
  describe(`model registry (${dialect.name})`, () => {
    let home: string;
    let store: Store;
    let ledger: Ledger;
    let ring: KeyRing;

    const ctx = (actor: string): RegistryContext => ({
      store,
      ledger,
      actor,
      trust: { keys: [trustedKeyFromPublicKey(ring.publicKey("release"), "release")], roots: [] },
      policy: { staging: ["scan"], production: PRODUCTION },
    });

    const model = async (tag: string, sign = true): Promise<string> => {
      const dir = join(home, tag);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, "weights.bin"), `weights ${tag}`);
      writeFileSync(join(dir, "config.json"), `{"tag": "${tag}"}`);
      if (sign) await signModel({ modelPath: dir, signer: await ring.signer("release") });
      return dir;
    };

    before(async () => {
      home = mkdtempSync(join(tmpdir(), "warden-registry-"));
      const schema = `reg_${process.pid}_${Date.now()}`;
      store = await openStore(dialect.url ? { url: dialect.url, schema } : { sqlitePath: join(home, "w.db") });
      ledger = await Ledger.open(store, { origin: "test.local/ledger" });
      ring = await KeyRing.open(join(home, "keys"), { passphrase: "pw" }, { scrypt: { N: 1 << 10, r: 8, p: 1 } });
      await ring.create("release", "ecdsa-p256");
      await ring.create("rogue", "ed25519");
    });
    after(async () => {
      await store.close();
      rmSync(home, { recursive: true, force: true });
    });

    const refused = async (p: Promise<unknown>, gate: string): Promise<void> => {
      await assert.rejects(p, (e: unknown) => {
        assert.ok(isWardenError(e, "E_PROMOTION_REFUSED"), String(e));
        const gates = (e.details?.gates ?? []) as { gate: string; ok: boolean }[];
        assert.deepEqual(
          gates.filter((g) => !g.ok).map((g) => g.gate),
          [gate],
        );
        assert.match(e.message, new RegExp(`${gate}:`));
        return true;
      });
    };

    test("register, list and show with lineage and metrics", async () => {
      const dir = await model("base");
      const v = await registerVersion(ctx("alice"), {
        name: "fraud",
        version: "1.0.0",
        path: dir,
        datasets: ["a".repeat(64)],
        metrics: { auc: 0.91 },
        scan: SAFE,
      });
      assert.equal(v.stage, "development");
      assert.equal(v.registeredBy, "alice");
      assert.equal(v.signature?.method, "key");
      assert.equal(v.signature?.signedDigest, v.digest);
      assert.deepEqual(v.lineage, { datasets: ["a".repeat(64)], parents: [] });
      const child = await registerVersion(ctx("alice"), {
        name: "fraud-distilled",
        version: "0.1",
        path: await model("child"),
        parents: ["fraud@1.0.0"],
        scan: SAFE,
      });
      assert.deepEqual(child.lineage.parents, ["fraud@1.0.0"]);
      await assert.rejects(
        registerVersion(ctx("alice"), { name: "x", version: "1", path: dir, parents: ["nope@1"] }),
        /not registered/,
      );
      await assert.rejects(
        registerVersion(ctx("alice"), { name: "fraud", version: "1.0.0", path: dir }),
        /already registered/,
      );
      assert.deepEqual(
        (await listVersions(store, { name: "fraud" })).map((x) => x.version),
        ["1.0.0"],
      );
    });

    test("the registrant cannot approve production; another principal can", async () => {
      await promoteVersion(ctx("alice"), "fraud", "1.0.0", "staging");
      await refused(promoteVersion(ctx("alice"), "fraud", "1.0.0", "production"), "separation-of-duties");
      const r = await promoteVersion(ctx("bob"), "fraud", "1.0.0", "production");
      assert.equal(r.to, "production");
      assert.ok(r.gates.every((g) => g.ok));
      assert.equal((await getVersion(store, "fraud", "1.0.0")).stage, "production");
    });

    test("an unsigned version fails only the signature gate", async () => {
      await registerVersion(ctx("alice"), {
        name: "fraud",
        version: "u1",
        path: await model("unsigned", false),
        scan: SAFE,
      });
      await refused(promoteVersion(ctx("bob"), "fraud", "u1", "production"), "signature");
    });

    test("signature by an untrusted key fails the signature gate", async () => {
      const dir = await model("rogue", false);
      await signModel({ modelPath: dir, signer: await ring.signer("rogue") });
      await registerVersion(ctx("alice"), { name: "fraud", version: "r1", path: dir, scan: SAFE });
      await refused(promoteVersion(ctx("bob"), "fraud", "r1", "production"), "signature");
    });

    test("an unsafe latest scan, or none, fails the scan gate", async () => {
      await registerVersion(ctx("alice"), { name: "fraud", version: "s1", path: await model("s1"), scan: SAFE });
      await recordScan(ctx("alice"), "fraud", "s1", UNSAFE);
      await refused(promoteVersion(ctx("bob"), "fraud", "s1", "production"), "scan");
      await registerVersion(ctx("alice"), { name: "fraud", version: "s2", path: await model("s2") });
      await refused(promoteVersion(ctx("bob"), "fraud", "s2", "staging"), "scan");
    });

    test("files changed after signing fail the integrity gate, naming the file", async () => {
      const dir = await model("i1");
      await registerVersion(ctx("alice"), { name: "fraud", version: "i1", path: dir, scan: SAFE });
      writeFileSync(join(dir, "weights.bin"), "tampered");
      await assert.rejects(promoteVersion(ctx("bob"), "fraud", "i1", "production"), (e: unknown) => {
        assert.ok(isWardenError(e, "E_PROMOTION_REFUSED"));
        const failed = ((e.details?.gates ?? []) as { gate: string; ok: boolean; detail: string }[]).filter(
          (g) => !g.ok,
        );
        assert.deepEqual(
          failed.map((g) => g.gate),
          ["integrity"],
        );
        assert.match(failed[0]?.detail ?? "", /changed: weights\.bin/);
        return true;
      });
    });

    test("promotion supersedes production and rollback returns to the last known-good signed version", async () => {
      await registerVersion(ctx("alice"), { name: "fraud", version: "2.0.0", path: await model("v2"), scan: SAFE });
      const r = await promoteVersion(ctx("bob"), "fraud", "2.0.0", "production");
      assert.equal(r.superseded, "1.0.0");
      assert.equal((await getVersion(store, "fraud", "1.0.0")).stage, "retired");
      const rb = await rollback(ctx("carol"), "fraud", "accuracy regression");
      assert.deepEqual([rb.from, rb.to], ["2.0.0", "1.0.0"]);
      assert.equal((await getVersion(store, "fraud", "1.0.0")).stage, "production");
      assert.equal((await getVersion(store, "fraud", "2.0.0")).stage, "retired");
      const h = await history(store, "fraud");
      assert.match(h.at(-1)?.reason ?? "", /rollback from 2\.0\.0: accuracy regression/);
      // No other known-good production version remains once 2.0.0's files are tampered with.
      writeFileSync(join(home, "v2", "weights.bin"), "tampered");
      await assert.rejects(rollback(ctx("carol"), "fraud", "again"), /no known-good signed version/);
      const types = (await ledger.find({})).map((x) => x.entry.type);
      for (const t of [
        "model.registered",
        "model.promoted",
        "model.promotion_refused",
        "model.rolled_back",
        "model.rollback_refused",
      ]) {
        assert.ok(types.includes(t), `ledger has ${t}`);
      }
    });
  });
}
