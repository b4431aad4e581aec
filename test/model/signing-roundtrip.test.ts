/**
 * sign → verify round trips with every Warden key type (ECDSA P-256/P-384, Ed25519, ML-DSA-65, hybrid), the OMS shape
 * of the bundles Warden writes, the hybrid "both halves" rule, the shards serialization and the ledger events.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { KeyRing, type KeyType } from "../../src/core/index.ts";
import { type Audit, signModel, trustedKeyFromPublicKey, verifyModel } from "../../src/model/index.ts";

let home: string;
let ring: KeyRing;

function makeModel(root: string): string {
  const dir = join(root, "my-model");
  mkdirSync(join(dir, "sub"), { recursive: true });
  mkdirSync(join(dir, ".git"), { recursive: true });
  writeFileSync(join(dir, "weights.bin"), Buffer.alloc(3000, 7));
  writeFileSync(join(dir, "config.json"), '{"layers": 2}');
  writeFileSync(join(dir, "sub", "tokenizer.txt"), "a b c");
  writeFileSync(join(dir, ".git", "HEAD"), "ref: main");
  return dir;
}

before(async () => {
  home = mkdtempSync(join(tmpdir(), "warden-sign-"));
  ring = await KeyRing.open(
    join(home, "keys"),
    { passphrase: "test passphrase" },
    { scrypt: { N: 1 << 10, r: 8, p: 1 } },
  );
});
after(() => rmSync(home, { recursive: true, force: true }));

for (const type of ["ecdsa-p256", "ecdsa-p384", "ed25519", "ml-dsa-65", "hybrid"] as KeyType[]) {
  test(`sign and verify with ${type}`, async () => {
    await ring.create(`k-${type}`, type);
    const signer = await ring.signer(`k-${type}`);
    const dir = makeModel(mkdtempSync(join(home, "m-")));
    const events: { type: string; subject: string }[] = [];
    const audit: Audit = { actor: "alice", ledger: { append: async (e) => void events.push(e) } };
    const signed = await signModel({ modelPath: dir, signer, audit });
    assert.equal(signed.resources, 3);
    assert.equal(signed.keyType, type);
    const key = trustedKeyFromPublicKey(ring.publicKey(`k-${type}`), `k-${type}`);
    const ok = await verifyModel({ modelPath: dir, keys: [key], audit });
    assert.equal(ok.ok, true, ok.failure);
    assert.equal(ok.digest, signed.digest);
    assert.deepEqual(
      events.map((e) => e.type),
      ["model.signed", "model.verified"],
    );
    writeFileSync(join(dir, "sub", "tokenizer.txt"), "a b d");
    const bad = await verifyModel({ modelPath: dir, keys: [key], audit });
    assert.equal(bad.ok, false);
    assert.deepEqual(bad.diff?.changed, ["sub/tokenizer.txt"]);
    assert.equal(events.at(-1)?.type, "model.verify_failed");
  });
}

test("ECDSA bundles have the OMS v1.x structure", async () => {
  const shared = fileURLToPath(
    new URL("../../../shared/corpora/model-signing/v1.1.0-elliptic-key/model.sig", import.meta.url),
  );
  await ring.create("oms-shape", "ecdsa-p384");
  const dir = makeModel(mkdtempSync(join(home, "m-")));
  await signModel({ modelPath: dir, signer: await ring.signer("oms-shape") });
  const ours = JSON.parse(readFileSync(join(dir, "model.sig"), "utf8"));
  const shape = (b: Record<string, unknown>): unknown =>
    JSON.parse(
      JSON.stringify(b, (k, v) => (typeof v === "string" && k !== "mediaType" && k !== "payloadType" ? typeof v : v)),
    );
  const statementKeys = (b: { dsseEnvelope: { payload: string } }) => {
    const st = JSON.parse(Buffer.from(b.dsseEnvelope.payload, "base64").toString());
    return {
      top: Object.keys(st).sort(),
      subject: Object.keys(st.subject[0]).sort(),
      predicate: Object.keys(st.predicate).sort(),
      serialization: Object.keys(st.predicate.serialization).sort(),
      resource: Object.keys(st.predicate.resources[0]).sort(),
      predicateType: st.predicateType,
      subjectName: st.subject[0].name,
    };
  };
  assert.match(ours.verificationMaterial.publicKey.hint, /^[0-9a-f]{64}$/);
  assert.equal(ours.dsseEnvelope.signatures.length, 1);
  assert.equal(ours.dsseEnvelope.signatures[0].keyid, "");
  const mine = statementKeys(ours);
  assert.equal(mine.subjectName, "my-model");
  assert.equal(mine.predicateType, "https://model_signing/signature/v1.0");
  if (existsSync(shared)) {
    const theirs = JSON.parse(readFileSync(shared, "utf8"));
    assert.deepEqual(shape(ours), shape(theirs));
    assert.deepEqual({ ...mine, subjectName: "" }, { ...statementKeys(theirs), subjectName: "" });
  }
});

test("hybrid bundles carry two signatures and fail when either half is tampered", async () => {
  await ring.create("hy", "hybrid");
  const dir = makeModel(mkdtempSync(join(home, "m-")));
  await signModel({ modelPath: dir, signer: await ring.signer("hy") });
  const key = trustedKeyFromPublicKey(ring.publicKey("hy"));
  const sigPath = join(dir, "model.sig");
  const original = readFileSync(sigPath, "utf8");
  const bundle = JSON.parse(original);
  assert.equal(bundle.dsseEnvelope.signatures.length, 2);
  assert.match(bundle.dsseEnvelope.signatures[0].keyid, /^ed25519:[0-9a-f]{64}$/);
  assert.match(bundle.dsseEnvelope.signatures[1].keyid, /^ml-dsa-65:[0-9a-f]{64}$/);
  for (const i of [0, 1]) {
    const b = JSON.parse(original);
    const sig = Buffer.from(b.dsseEnvelope.signatures[i].sig, "base64");
    sig[5] = (sig[5] ?? 0) ^ 1;
    b.dsseEnvelope.signatures[i].sig = sig.toString("base64");
    writeFileSync(sigPath, JSON.stringify(b));
    const r = await verifyModel({ modelPath: dir, keys: [key] });
    assert.equal(r.ok, false, `half ${i} tampered`);
    assert.match(r.failure ?? "", /both the Ed25519 and the ML-DSA-65/);
    const dropped = JSON.parse(original);
    dropped.dsseEnvelope.signatures.splice(i, 1);
    writeFileSync(sigPath, JSON.stringify(dropped));
    assert.equal((await verifyModel({ modelPath: dir, keys: [key] })).ok, false, `half ${i} removed`);
  }
  writeFileSync(sigPath, original);
  assert.equal((await verifyModel({ modelPath: dir, keys: [key] })).ok, true);
});

test("shards serialization signs, verifies and names the changed file", async () => {
  await ring.create("sh", "ed25519");
  const dir = makeModel(mkdtempSync(join(home, "m-")));
  const signed = await signModel({
    modelPath: dir,
    signer: await ring.signer("sh"),
    method: "shards",
    shardSize: 1024,
  });
  assert.equal(signed.method, "shards");
  assert.equal(signed.resources, 3 + 1 + 1);
  const bundle = JSON.parse(readFileSync(join(dir, "model.sig"), "utf8"));
  const st = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, "base64").toString());
  assert.deepEqual(
    st.predicate.resources.map((r: { name: string }) => r.name),
    [
      "config.json:0:13",
      "sub/tokenizer.txt:0:5",
      "weights.bin:0:1024",
      "weights.bin:1024:2048",
      "weights.bin:2048:3000",
    ],
  );
  assert.equal(st.predicate.serialization.shard_size, 1024);
  const key = trustedKeyFromPublicKey(ring.publicKey("sh"));
  assert.equal((await verifyModel({ modelPath: dir, keys: [key] })).ok, true);
  const w = readFileSync(join(dir, "weights.bin"));
  w[2500] = 1;
  writeFileSync(join(dir, "weights.bin"), w);
  const r = await verifyModel({ modelPath: dir, keys: [key] });
  assert.deepEqual(r.diff, { changed: ["weights.bin"], added: [], removed: [] });
});

test("a signature by an untrusted key is refused", async () => {
  await ring.create("a1", "ed25519");
  await ring.create("a2", "ed25519");
  const dir = makeModel(mkdtempSync(join(home, "m-")));
  await signModel({ modelPath: dir, signer: await ring.signer("a1") });
  const r = await verifyModel({ modelPath: dir, keys: [trustedKeyFromPublicKey(ring.publicKey("a2"))] });
  assert.equal(r.ok, false);
  assert.match(r.failure ?? "", /not a trusted key/);
});
