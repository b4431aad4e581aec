// C2SP signed-note checkpoints: format, key IDs, Ed25519 and ML-DSA-65 (hybrid) signatures, and the verifier's rules.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import fc from "fast-check";
import { KeyRing } from "../../src/core/crypto/index.ts";
import { isWardenError } from "../../src/core/errors.ts";
import { ML_DSA_65_NOTE_TYPE, noteKeyId, noteKeysFor, noteSignersFor, verifyNote } from "../../src/ledger/index.ts";
import { checkpointBody, signNote } from "../../src/ledger/note.ts";
import { ed25519Signer, mlDsaSigner } from "./keys.ts";

const ROOT = createHash("sha256").update("root").digest("hex");
const ed = ed25519Signer("example.com/warden");
const pq = mlDsaSigner("example.com/warden");

function rejects(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => isWardenError(e, "E_SIGNATURE_INVALID") && pattern.test(e.message));
}

describe("checkpoint notes", () => {
  test("body and signature line follow tlog-checkpoint and signed-note", () => {
    const text = checkpointBody("example.com/warden", 25, ROOT);
    assert.equal(text, `example.com/warden\n25\n${Buffer.from(ROOT, "hex").toString("base64")}\n`);
    const note = signNote(text, [ed]);
    const lines = note.split("\n");
    assert.equal(lines[3], "");
    assert.match(lines[4]!, /^\u2014 example\.com\/warden [A-Za-z0-9+/]+=*$/u);
    const sig = Buffer.from(lines[4]!.split(" ")[2]!, "base64");
    assert.equal(sig.length, 4 + 64);
    const expectedId = createHash("sha256")
      .update(Buffer.concat([Buffer.from("example.com/warden\n"), Buffer.from([0x01]), Buffer.from(ed.publicKey)]))
      .digest()
      .subarray(0, 4);
    assert.deepEqual(sig.subarray(0, 4), expectedId);
    assert.deepEqual(noteKeyId(ed), expectedId);
  });

  test("Ed25519 note verifies and yields the tree", () => {
    const note = signNote(checkpointBody("example.com/warden", 7, ROOT), [ed]);
    const v = verifyNote(note, [ed], "example.com/warden");
    assert.deepEqual(v, {
      origin: "example.com/warden",
      treeSize: 7,
      rootHash: ROOT,
      verifiedBy: ["example.com/warden (ed25519)"],
    });
  });

  test("hybrid signer: both lines verify; ML-DSA key ID uses 0xFF and the Warden identifier", () => {
    const note = signNote(checkpointBody("example.com/warden", 9, ROOT), [ed, pq]);
    const v = verifyNote(note, [ed, pq]);
    assert.deepEqual(v.verifiedBy, ["example.com/warden (ed25519)", "example.com/warden (ml-dsa-65)"]);
    assert.deepEqual(verifyNote(note, [pq]).verifiedBy, ["example.com/warden (ml-dsa-65)"]);
    const id = createHash("sha256")
      .update(
        Buffer.concat([
          Buffer.from("example.com/warden\n"),
          Buffer.from([0xff]),
          Buffer.from(ML_DSA_65_NOTE_TYPE),
          Buffer.from(pq.publicKey),
        ]),
      )
      .digest()
      .subarray(0, 4);
    assert.deepEqual(noteKeyId(pq), id);
    assert.notDeepEqual(noteKeyId(pq), noteKeyId(ed));
  });

  test("altered text, unknown keys only, or a bad signature from a known key are rejected", () => {
    const note = signNote(checkpointBody("example.com/warden", 7, ROOT), [ed]);
    rejects(() => verifyNote(note.replace("\n7\n", "\n8\n"), [ed]), /does not verify/);
    rejects(() => verifyNote(note, [ed25519Signer("example.com/warden")]), /no signature from a trusted key/);
    rejects(() => verifyNote(note, [ed25519Signer("other.example/log")]), /no signature from a trusted key/);
    rejects(() => verifyNote(note, [ed], "another.example/origin"), /origin/);
    const other = ed25519Signer("other.example/log");
    const twoSigs = signNote(checkpointBody("example.com/warden", 7, ROOT), [ed, other]);
    assert.deepEqual(verifyNote(twoSigs, [ed]).verifiedBy, ["example.com/warden (ed25519)"]);
    const [text] = twoSigs.split("\n\u2014 other");
    const forged = `${text}\n\u2014 other.example/log ${Buffer.concat([noteKeyId(other), Buffer.alloc(64)]).toString("base64")}\n`;
    rejects(() => verifyNote(forged, [ed, other]), /other\.example\/log \(ed25519\) does not verify/);
  });

  test("invalid key names and missing signers are refused", () => {
    assert.throws(
      () => signNote("x\n", []),
      (e: unknown) => isWardenError(e, "E_KEY_NOT_FOUND"),
    );
    assert.throws(
      () => signNote("x\n", [{ ...ed, name: "has space" }]),
      (e: unknown) => isWardenError(e, "E_INPUT_INVALID"),
    );
    assert.throws(
      () => signNote("x\n", [{ ...ed, name: "a+b" }]),
      (e: unknown) => isWardenError(e, "E_INPUT_INVALID"),
    );
    assert.throws(
      () => noteKeyId({ ...pq, publicKey: new Uint8Array(32) }),
      (e: unknown) => isWardenError(e, "E_KEY_TYPE"),
    );
  });

  test("arbitrary input never crashes the verifier: it verifies or throws E_SIGNATURE_INVALID", () => {
    const good = signNote(checkpointBody("example.com/warden", 7, ROOT), [ed]);
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), fc.nat(), fc.string({ maxLength: 8 }), (junk, at, insert) => {
        for (const input of [junk, good.slice(0, at % good.length) + insert + good.slice(at % good.length)]) {
          try {
            const v = verifyNote(input, [ed]);
            assert.equal(input, good);
            assert.equal(v.treeSize, 7);
          } catch (e) {
            assert.ok(isWardenError(e, "E_SIGNATURE_INVALID"), String(e));
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe("keyring adapters", () => {
  test("Ed25519 and hybrid keyring keys sign checkpoints that verify with their public keys", async () => {
    const dir = mkdtempSync(join(tmpdir(), "warden-note-keys-"));
    try {
      const ring = await KeyRing.open(dir, { passphrase: "test passphrase" }, { scrypt: { N: 1024, r: 8, p: 1 } });
      await ring.create("ledger-ed", "ed25519");
      await ring.create("ledger-hybrid", "hybrid");
      await ring.create("ledger-p256", "ecdsa-p256");
      const edSigners = noteSignersFor("example.com/ed", await ring.signer("ledger-ed"));
      const hySigners = noteSignersFor("example.com/hy", await ring.signer("ledger-hybrid"));
      assert.deepEqual(
        hySigners.map((s) => s.alg),
        ["ed25519", "ml-dsa-65"],
      );
      const note = signNote(checkpointBody("example.com/warden", 3, ROOT), [...edSigners, ...hySigners]);
      const keys = [
        ...noteKeysFor("example.com/ed", ring.publicKey("ledger-ed")),
        ...noteKeysFor("example.com/hy", ring.publicKey("ledger-hybrid")),
      ];
      assert.equal(verifyNote(note, keys).verifiedBy.length, 3);
      const wrongEd = ed25519Signer("example.com/ed");
      assert.equal(
        verifyNote(note, [wrongEd, ...noteKeysFor("example.com/hy", ring.publicKey("ledger-hybrid"))]).verifiedBy
          .length,
        2,
      );
      assert.throws(
        () => noteKeysFor("x", ring.publicKey("ledger-p256")),
        (e: unknown) => isWardenError(e, "E_KEY_TYPE"),
      );
      await assert.rejects(
        async () => noteSignersFor("example.com/p", await ring.signer("ledger-p256")),
        (e: unknown) => isWardenError(e, "E_KEY_TYPE"),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
