import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { KEY_TYPES, KeyRing, kekSourceFromEnv, tryFromBase64 } from "../../../src/core/crypto/index.ts";
import { deriveKek } from "../../../src/core/crypto/kek.ts";
import { signerFromSecret } from "../../../src/core/crypto/key-material.ts";
import {
  decodeKeyFile,
  decodeMeta,
  decodeWekFile,
  openKeySecret,
  openWek,
} from "../../../src/core/crypto/keyring-files.ts";
import { isWardenError } from "../../../src/core/errors.ts";
import { enc, FAST_SCRYPT, tempDir, tempKeyRing } from "./helpers.ts";

const PASS = "correct horse battery staple";

test("create, list, info, reopen and sign with a stored key", async () => {
  const { ring, dir } = await tempKeyRing(PASS);
  const info = await ring.create("release", "ed25519");
  assert.match(info.keyId, /^[0-9a-f]{64}$/);
  assert.deepEqual(ring.list(), [info]);
  assert.deepEqual(ring.info("release"), info);
  const again = await KeyRing.open(dir, { passphrase: PASS });
  assert.deepEqual(again.list(), [info]);
  const signer = await again.signer("release");
  assert.equal(signer.keyId, info.keyId);
  assert.ok(ring.publicKey("release").verify(enc("m"), signer.sign(enc("m"))));
  assert.deepEqual(await again.ensure("release", "ed25519"), info);
  await assert.rejects(again.ensure("release", "ml-dsa-65"), (e) => isWardenError(e, "E_KEY_TYPE"));
});

test("wrong passphrase is E_PASSPHRASE_WRONG, checked before any key file is read", async () => {
  const { ring, dir } = await tempKeyRing(PASS);
  await ring.create("a", "ed25519");
  await writeFile(join(dir, "keys", "a.json"), "{ corrupt");
  await assert.rejects(KeyRing.open(dir, { passphrase: "wrong" }), (e) => isWardenError(e, "E_PASSPHRASE_WRONG"));
  await assert.rejects(KeyRing.open(dir, { passphrase: PASS }), (e) => isWardenError(e, "E_KEYRING_CORRUPT"));
});

test("default scrypt cost is N=2^15, r=8, p=1 and is recorded in the metadata", async () => {
  const dir = join(await tempDir(), "ring");
  await KeyRing.open(dir, { passphrase: PASS });
  const meta = decodeMeta("keyring.json", await readFile(join(dir, "keyring.json"), "utf8"));
  assert.deepEqual(meta.kek, { kind: "scrypt", N: 32768, r: 8, p: 1 });
  assert.equal(meta.salt.length, 32);
});

test("key-file KEK: raw 32 bytes or 64 hex characters; wrong or mismatched source refused", async () => {
  const base = await tempDir();
  const raw = randomBytes(32);
  await writeFile(join(base, "kek.bin"), raw);
  await writeFile(join(base, "kek.hex"), `${raw.toString("hex")}\n`);
  await writeFile(join(base, "other.bin"), randomBytes(32));
  await writeFile(join(base, "short.bin"), randomBytes(31));
  const dir = join(base, "ring");
  const ring = await KeyRing.open(dir, { keyFile: join(base, "kek.bin") });
  await ring.create("k", "ecdsa-p256");
  const viaHex = await KeyRing.open(dir, { keyFile: join(base, "kek.hex") });
  assert.equal((await viaHex.signer("k")).keyId, ring.info("k").keyId);
  await assert.rejects(KeyRing.open(dir, { keyFile: join(base, "other.bin") }), (e) =>
    isWardenError(e, "E_PASSPHRASE_WRONG"),
  );
  await assert.rejects(KeyRing.open(dir, { keyFile: join(base, "short.bin") }), (e) =>
    isWardenError(e, "E_CONFIG_INVALID"),
  );
  await assert.rejects(KeyRing.open(dir, { passphrase: PASS }), (e) => isWardenError(e, "E_PASSPHRASE_WRONG"));
  await assert.rejects(KeyRing.open(dir, { keyFile: join(base, "none") }), (e) =>
    isWardenError(e, "E_PASSPHRASE_MISSING"),
  );
});

test("kekSourceFromEnv prefers WARDEN_PASSPHRASE, then WARDEN_KEY_FILE, then the configured path", () => {
  assert.deepEqual(kekSourceFromEnv({ WARDEN_PASSPHRASE: "p", WARDEN_KEY_FILE: "/k" }), { passphrase: "p" });
  assert.deepEqual(kekSourceFromEnv({ WARDEN_KEY_FILE: "/k" }, "/cfg"), { keyFile: "/k" });
  assert.deepEqual(kekSourceFromEnv({ WARDEN_PASSPHRASE: "" }, "/cfg"), { keyFile: "/cfg" });
  assert.throws(
    () => kekSourceFromEnv({}),
    (e) => isWardenError(e, "E_PASSPHRASE_MISSING") && /WARDEN_PASSPHRASE/.test(e.message),
  );
});

test("name, existence and type errors", async () => {
  const { ring } = await tempKeyRing(PASS);
  await ring.create("a.b_c-1", "ed25519");
  await assert.rejects(ring.create("a.b_c-1", "ed25519"), (e) => isWardenError(e, "E_KEY_EXISTS"));
  for (const bad of ["", "A", "../x", ".hidden", "a/b", "a".repeat(65), "é"]) {
    await assert.rejects(ring.create(bad, "ed25519"), (e) => isWardenError(e, "E_INPUT_INVALID"), bad);
  }
  await assert.rejects(ring.create("x", "rsa" as never), (e) => isWardenError(e, "E_KEY_TYPE"));
  await assert.rejects(ring.signer("nope"), (e) => isWardenError(e, "E_KEY_NOT_FOUND"));
  assert.throws(
    () => ring.publicKey("nope"),
    (e) => isWardenError(e, "E_KEY_NOT_FOUND"),
  );
});

test("a second keyring instance sees E_KEY_EXISTS too (exclusive create on disk)", async () => {
  const { ring, dir } = await tempKeyRing(PASS);
  const other = await KeyRing.open(dir, { passphrase: PASS });
  await ring.create("shared", "ed25519");
  await assert.rejects(other.create("shared", "ed25519"), (e) => isWardenError(e, "E_KEY_EXISTS"));
});

test("files at rest: mode 0600, private key bytes absent in any encoding, secret bound to name", async () => {
  const { ring, dir } = await tempKeyRing(PASS);
  for (const type of KEY_TYPES) await ring.create(`k-${type}`, type);
  const meta = decodeMeta("m", await readFile(join(dir, "keyring.json"), "utf8"));
  const kek = await deriveKek({ passphrase: PASS }, meta.salt, FAST_SCRYPT);
  for (const type of KEY_TYPES) {
    const path = join(dir, "keys", `k-${type}.json`);
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    const text = await readFile(path, "utf8");
    const bytes = await readFile(path);
    const secret = openKeySecret(path, decodeKeyFile(path, text, `k-${type}`), kek);
    assert.equal(signerFromSecret(type, secret).keyId, ring.info(`k-${type}`).keyId, "decrypted secret is the key");
    const tail = Buffer.from(secret.subarray(secret.length - 32));
    for (const needle of [tail, Buffer.from(tail.toString("hex")), Buffer.from(tail.toString("base64").slice(0, 40))]) {
      assert.equal(bytes.indexOf(needle), -1, `${type}: private bytes found in the file`);
    }
    const sealed = tryFromBase64(JSON.parse(text).privateKey)!;
    assert.equal(sealed.length, secret.length + 28);
  }
  assert.equal((await stat(dir)).mode & 0o777, 0o700);
});

test("tampered or misplaced key files are reported as E_KEYRING_CORRUPT naming the file", async () => {
  const { ring, dir } = await tempKeyRing(PASS);
  await ring.create("a", "ed25519");
  await ring.create("b", "ed25519");
  const path = join(dir, "keys", "a.json");
  const doc = JSON.parse(await readFile(path, "utf8"));
  const sealed = tryFromBase64(doc.privateKey)!;
  sealed[20] = (sealed[20] ?? 0) ^ 1;
  await writeFile(path, JSON.stringify({ ...doc, privateKey: Buffer.from(sealed).toString("base64") }));
  const reopened = await KeyRing.open(dir, { passphrase: PASS });
  await assert.rejects(reopened.signer("a"), (e) => isWardenError(e, "E_KEYRING_CORRUPT") && e.message.includes(path));
  await writeFile(path, JSON.stringify({ ...doc, createdAt: "2000-01-01T00:00:00.000Z" }));
  await assert.rejects((await KeyRing.open(dir, { passphrase: PASS })).signer("a"), (e) =>
    isWardenError(e, "E_KEYRING_CORRUPT"),
  );
  await writeFile(path, JSON.stringify(doc));
  await rename(join(dir, "keyring.json"), join(dir, "keyring.bak"));
  await assert.rejects(
    KeyRing.open(dir, { passphrase: PASS }),
    (e) => isWardenError(e, "E_KEYRING_CORRUPT") && e.message.includes("keyring.json"),
    "no fresh metadata over existing keys",
  );
  await rename(join(dir, "keyring.bak"), join(dir, "keyring.json"));
  await rename(join(dir, "keys", "b.json"), join(dir, "keys", "c.json"));
  await assert.rejects(
    KeyRing.open(dir, { passphrase: PASS }),
    (e) => isWardenError(e, "E_KEYRING_CORRUPT") && e.message.includes("c.json"),
  );
});

test("workspace encryption keys: created on first use, rotated in versions, persisted", async () => {
  const { ring, dir } = await tempKeyRing(PASS);
  assert.deepEqual(ring.encryptionKeys(), []);
  const first = await ring.currentWrappingKey();
  assert.equal(first.version, 1);
  const rotated = await ring.rotateEncryptionKey();
  assert.equal(rotated.version, 2);
  assert.ok(rotated.current);
  const other = await KeyRing.open(dir, { passphrase: PASS });
  assert.deepEqual(
    other.encryptionKeys().map((k) => [k.version, k.current]),
    [
      [1, false],
      [2, true],
    ],
  );
  assert.equal((await other.currentWrappingKey()).id, rotated.id);
  const dataKey = randomBytes(32);
  const aad = enc("aad");
  assert.deepEqual((await other.wrappingKey(first.id)).unwrap(first.wrap(dataKey, aad), aad), new Uint8Array(dataKey));
  await assert.rejects(other.wrappingKey("00".repeat(16)), (e) => isWardenError(e, "E_KEY_NOT_FOUND"));
  const files = await readdir(join(dir, "encryption"));
  assert.deepEqual(files.sort(), ["v000001.json", "v000002.json"]);
  const meta = decodeMeta("m", await readFile(join(dir, "keyring.json"), "utf8"));
  const kek = await deriveKek({ passphrase: PASS }, meta.salt, FAST_SCRYPT);
  for (const file of files) {
    const path = join(dir, "encryption", file);
    const bytes = await readFile(path);
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    const key = Buffer.from(openWek(path, decodeWekFile(path, bytes.toString("utf8")), kek));
    assert.equal(key.length, 32);
    for (const needle of [key, Buffer.from(key.toString("hex")), Buffer.from(key.toString("base64").slice(0, 40))]) {
      assert.equal(bytes.indexOf(needle), -1, `${file}: key bytes found at rest`);
    }
  }
});

test("concurrent rotations from two keyring instances create distinct versions", async () => {
  const { ring, dir } = await tempKeyRing(PASS);
  const other = await KeyRing.open(dir, { passphrase: PASS });
  const [a, b, c] = await Promise.all([
    ring.rotateEncryptionKey(),
    other.rotateEncryptionKey(),
    ring.rotateEncryptionKey(),
  ]);
  assert.deepEqual([a.version, b.version, c.version].sort(), [1, 2, 3]);
  assert.equal(new Set([a.id, b.id, c.id]).size, 3);
  assert.equal((await KeyRing.open(dir, { passphrase: PASS })).encryptionKeys().length, 3);
});
