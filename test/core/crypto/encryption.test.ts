import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import fc from "fast-check";
import {
  decryptBuffer,
  decryptFile,
  decryptIterable,
  decryptStream,
  encryptBuffer,
  encryptFile,
  encryptIterable,
  encryptStream,
  rewrapFile,
} from "../../../src/core/crypto/index.ts";
import { isWardenError } from "../../../src/core/errors.ts";
import { tempDir, tempKeyRing } from "./helpers.ts";

const HEADER = 96;
const TAG = 16;
const CHUNK = 1024;
const { ring } = await tempKeyRing();
const { ring: otherRing } = await tempKeyRing("another passphrase");
const isDecryptFailed = (e: unknown) => isWardenError(e, "E_DECRYPT_FAILED");

async function* pieces(data: Uint8Array, cuts: number[]): AsyncGenerator<Uint8Array> {
  let at = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    yield data.slice(at, Math.max(at, cut));
    at = Math.max(at, cut);
  }
  yield data.slice(at);
}

async function collect(it: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const p of it) parts.push(p);
  return new Uint8Array(Buffer.concat(parts));
}

/** Chunk `i` (ciphertext + tag) of an object with CHUNK-sized chunks. */
function chunkAt(obj: Uint8Array, i: number): Uint8Array {
  const start = HEADER + i * (CHUNK + TAG);
  return obj.subarray(start, Math.min(obj.length, start + CHUNK + TAG));
}

test("round trips of random sizes and arbitrary input splits (property)", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.uint8Array({ maxLength: 5 * CHUNK + 3 }),
      fc.array(fc.nat(6 * CHUNK)),
      fc.array(fc.nat(6 * CHUNK)),
      async (data, cuts, cuts2) => {
        const obj = await collect(await encryptIterable(ring, pieces(data, cuts), { chunkSize: CHUNK }));
        const chunks = Math.max(1, Math.ceil(data.length / CHUNK));
        assert.equal(obj.length, HEADER + data.length + chunks * TAG, "one tag per chunk, no empty trailing chunk");
        assert.deepEqual(await collect(await decryptIterable(ring, pieces(obj, cuts2))), data);
      },
    ),
    { numRuns: 60 },
  );
});

test("exact chunk multiples and chunk boundaries round-trip", async () => {
  for (const n of [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, 3 * CHUNK - 1]) {
    const data = randomBytes(n);
    const obj = await encryptBuffer(data, ring, { chunkSize: CHUNK });
    assert.deepEqual(await decryptBuffer(obj, ring), new Uint8Array(data), `size ${n}`);
  }
  const big = randomBytes(200_000);
  assert.deepEqual(
    await decryptBuffer(await encryptBuffer(big, ring), ring),
    new Uint8Array(big),
    "default chunk size",
  );
});

test("fresh data key and nonce prefix per object: equal plaintexts give unrelated ciphertexts", async () => {
  const data = new Uint8Array(3000);
  const a = await encryptBuffer(data, ring, { chunkSize: CHUNK });
  const b = await encryptBuffer(data, ring, { chunkSize: CHUNK });
  assert.notDeepEqual(a.subarray(13), b.subarray(13));
  assert.deepEqual(a.subarray(0, 13), b.subarray(0, 13), "magic, algorithm and chunk size are equal");
});

test("tampering is detected: altered chunk, header, key slot; swapped, dropped, duplicated or appended chunks", async () => {
  const data = randomBytes(3 * CHUNK + 100);
  const obj = await encryptBuffer(data, ring, { chunkSize: CHUNK });
  const [c0, c1, c2, c3] = [0, 1, 2, 3].map((i) => chunkAt(obj, i)) as [Uint8Array, Uint8Array, Uint8Array, Uint8Array];
  const head = obj.subarray(0, HEADER);
  const cat = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));
  const flipped = (at: number) => {
    const copy = obj.slice();
    copy[at] = (copy[at] ?? 0) ^ 0x80;
    return copy;
  };
  const other = await encryptBuffer(randomBytes(3 * CHUNK + 100), ring, { chunkSize: CHUNK });
  const cases: Record<string, Uint8Array> = {
    "bit flip in chunk 1": flipped(HEADER + CHUNK + TAG + 5),
    "bit flip in a tag": flipped(HEADER + CHUNK + 3),
    "bit flip in the final chunk": flipped(obj.length - 20),
    "bit flip in the nonce prefix": flipped(15),
    "changed chunk size": flipped(11),
    "bit flip in the key id": flipped(25),
    "bit flip in the wrapped key": flipped(60),
    "bad magic": flipped(0),
    "swapped chunks 0 and 1": cat(head, c1, c0, c2, c3),
    "final chunk missing (truncated at a chunk boundary)": cat(head, c0, c1, c2),
    "final chunk cut short": obj.subarray(0, obj.length - 1),
    "middle chunk dropped": cat(head, c0, c2, c3),
    "chunk duplicated": cat(head, c0, c0, c1, c2, c3),
    "chunk appended after the final one": cat(obj, c1),
    "chunk spliced from another object": cat(head, c0, chunkAt(other, 1), c2, c3),
    "header only": head.slice(),
    "empty input": new Uint8Array(),
  };
  for (const [name, bad] of Object.entries(cases)) {
    await assert.rejects(decryptBuffer(bad, ring), isDecryptFailed, name);
  }
  await assert.rejects(decryptBuffer(obj, otherRing), isDecryptFailed, "wrong keyring");
});

test("decryptFile leaves no plaintext (nor temp file) behind when the input is tampered or the key wrong", async () => {
  const dir = await tempDir();
  const data = randomBytes(5 * CHUNK);
  await writeFile(join(dir, "plain"), data);
  await encryptFile(join(dir, "plain"), join(dir, "enc"), ring, { chunkSize: CHUNK });
  const obj = await readFile(join(dir, "enc"));
  await writeFile(join(dir, "truncated"), obj.subarray(0, obj.length - (CHUNK + TAG)));
  const late = Buffer.from(obj);
  late[late.length - 1] = (late[late.length - 1] ?? 0) ^ 1;
  await writeFile(join(dir, "late-flip"), late);
  const before = (await readdir(dir)).sort();
  await assert.rejects(decryptFile(join(dir, "truncated"), join(dir, "out1"), ring), isDecryptFailed);
  await assert.rejects(decryptFile(join(dir, "late-flip"), join(dir, "out2"), ring), isDecryptFailed);
  await assert.rejects(decryptFile(join(dir, "enc"), join(dir, "out3"), otherRing), isDecryptFailed);
  await assert.rejects(decryptFile(join(dir, "plain"), join(dir, "out4"), ring), isDecryptFailed);
  assert.deepEqual((await readdir(dir)).sort(), before);
  await decryptFile(join(dir, "enc"), join(dir, "out"), ring);
  assert.deepEqual(await readFile(join(dir, "out")), data);
  assert.equal((await stat(join(dir, "out"))).mode & 0o777, 0o600);
  assert.equal((await stat(join(dir, "enc"))).mode & 0o777, 0o600);
  assert.deepEqual(await readFile(join(dir, "plain")), data, "input untouched");
  await assert.rejects(encryptFile(join(dir, "missing"), join(dir, "x"), ring), (e) => isWardenError(e, "E_IO"));
  assert.deepEqual((await readdir(dir)).sort(), [...before, "out"].sort());
});

test("Node stream API round-trips through files", async () => {
  const dir = await tempDir();
  const data = randomBytes(300_000);
  await writeFile(join(dir, "p"), data);
  await encryptStream(
    createReadStream(join(dir, "p"), { highWaterMark: 7777 }),
    createWriteStream(join(dir, "e")),
    ring,
  );
  await decryptStream(
    createReadStream(join(dir, "e"), { highWaterMark: 5000 }),
    createWriteStream(join(dir, "d")),
    ring,
  );
  assert.deepEqual(await readFile(join(dir, "d")), data);
});

test("rotation: rewrapFile changes only the key slot; old and new objects decrypt; old key id retired from use", async () => {
  const dir = await tempDir();
  const { ring: r } = await tempKeyRing();
  const data = randomBytes(4 * CHUNK + 9);
  await writeFile(join(dir, "p"), data);
  await encryptFile(join(dir, "p"), join(dir, "e"), r, { chunkSize: CHUNK });
  const before = await readFile(join(dir, "e"));
  const v1 = await r.currentWrappingKey();
  const v2 = await r.rotateEncryptionKey();
  const result = await rewrapFile(join(dir, "e"), r);
  assert.deepEqual(result, { from: v1.id, to: v2.id, changed: true });
  const after = await readFile(join(dir, "e"));
  assert.equal(after.length, before.length);
  assert.deepEqual(after.subarray(HEADER), before.subarray(HEADER), "data bytes after the header unchanged");
  assert.deepEqual(after.subarray(0, 20), before.subarray(0, 20), "fixed header unchanged");
  assert.notDeepEqual(after.subarray(20, HEADER), before.subarray(20, HEADER));
  assert.equal(Buffer.from(after.subarray(20, 36)).toString("hex"), v2.id);
  await decryptFile(join(dir, "e"), join(dir, "d"), r);
  assert.deepEqual(await readFile(join(dir, "d")), data);
  assert.deepEqual(await rewrapFile(join(dir, "e"), r), { from: v2.id, to: v2.id, changed: false });
  await writeFile(join(dir, "old"), before);
  await decryptFile(join(dir, "old"), join(dir, "d2"), r);
  assert.deepEqual(await readFile(join(dir, "d2")), data, "objects not yet re-wrapped still decrypt");
  const fresh = await encryptBuffer(data, r, { chunkSize: CHUNK });
  assert.equal(Buffer.from(fresh.subarray(20, 36)).toString("hex"), v2.id, "new objects use the new version");
  await assert.rejects(rewrapFile(join(dir, "e"), otherRing), isDecryptFailed);
});

test("decryption of random junk fails with E_DECRYPT_FAILED only (property)", async () => {
  const valid = await encryptBuffer(randomBytes(2 * CHUNK), ring, { chunkSize: CHUNK });
  await fc.assert(
    fc.asyncProperty(
      fc.uint8Array({ maxLength: 3000 }),
      fc.nat(valid.length - 1),
      fc.integer({ min: 1, max: 255 }),
      async (junk, at, x) => {
        await assert.rejects(decryptBuffer(junk, ring), isDecryptFailed);
        const mutated = valid.slice();
        mutated[at] = (mutated[at] ?? 0) ^ x;
        await assert.rejects(decryptBuffer(mutated, ring), isDecryptFailed);
      },
    ),
    { numRuns: 100 },
  );
});
