import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import fc from "fast-check";
import { aesGcmBackend, chunkCipher } from "../../../src/core/crypto/chunk-cipher.ts";
import { decryptBuffer, decryptFile, encryptBuffer, encryptFile } from "../../../src/core/crypto/index.ts";
import { newHeader, parseHeader } from "../../../src/core/crypto/stream-format.ts";
import { isWardenError } from "../../../src/core/errors.ts";
import { tempDir, tempKeyRing } from "./helpers.ts";

const HEADER = 96;
const TAG = 16;
const native = aesGcmBackend() === "libcrypto";
const skipNative = native ? false : "the warden_gcm addon is not built (npm run build:native); node:crypto is used";

test("the libcrypto backend is present where CI requires it", { skip: !process.env.WARDEN_TEST_REQUIRE_NATIVE }, () => {
  assert.equal(aesGcmBackend(), "libcrypto");
});

function headerFor(chunkSize: number) {
  return parseHeader(newHeader(chunkSize, randomBytes(7)));
}

test("both backends seal identical bytes and open each other's, at any batch and chunk size", {
  skip: skipNative,
}, () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1024, max: 5000 }),
      fc.integer({ min: 0, max: 40_000 }),
      fc.integer({ min: 0, max: 1000 }),
      fc.boolean(),
      (chunkSize, length, counter, final) => {
        const header = headerFor(chunkSize);
        const key = randomBytes(32);
        const plain = randomBytes(length);
        const a = chunkCipher(key, header, "libcrypto");
        const b = chunkCipher(key, header, "node");
        const sealed = a.seal(plain, counter, final);
        assert.deepEqual(sealed, b.seal(plain, counter, final));
        assert.equal(sealed.byteLength, length + Math.max(1, Math.ceil(length / chunkSize)) * TAG);
        assert.deepEqual(b.open(sealed, counter, final), plain);
        assert.deepEqual(a.open(sealed, counter, final), plain);
      },
    ),
    { numRuns: 60 },
  );
});

test("a flipped bit, a wrong counter or a wrong final flag names the chunk that fails, in both backends", {
  skip: skipNative,
}, () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 30_000 }), fc.nat(), (length, at) => {
      const chunkSize = 1024;
      const header = headerFor(chunkSize);
      const key = randomBytes(32);
      for (const backend of ["libcrypto", "node"] as const) {
        const cipher = chunkCipher(key, header, backend);
        const sealed = cipher.seal(randomBytes(length), 7, true);
        const bit = at % (sealed.byteLength * 8);
        const altered = Uint8Array.from(sealed);
        altered[bit >> 3] = (altered[bit >> 3] as number) ^ (1 << (bit & 7));
        assert.equal(cipher.open(altered, 7, true), 7 + Math.floor((bit >> 3) / (chunkSize + TAG)), backend);
        assert.equal(cipher.open(sealed, 8, true), 8, backend);
        const chunks = Math.ceil(length / chunkSize);
        assert.equal(cipher.open(sealed, 7, false), 7 + chunks - 1, backend);
      }
    }),
    { numRuns: 40 },
  );
});

test("the addon rejects buffers that do not match the chunk layout instead of reading past them", {
  skip: skipNative,
}, () => {
  const header = headerFor(1024);
  const cipher = chunkCipher(randomBytes(32), header, "libcrypto");
  const sealed = cipher.seal(randomBytes(3000), 0, true);
  // A record shorter than a tag is refused before the addon is called by the stream code; the addon refuses it too.
  assert.throws(() => cipher.open(sealed.subarray(0, 1040 + 5), 0, true), RangeError);
});

test("objects spanning many batches round-trip and detect truncation at a batch boundary", async () => {
  const { ring } = await tempKeyRing();
  const chunkSize = 1024;
  const data = new Uint8Array(randomBytes(3 * (1 << 20) + 123));
  const sealed = await encryptBuffer(data, ring, { chunkSize });
  assert.deepEqual(await decryptBuffer(sealed, ring), data);
  const batchRecords = (1 << 20) / chunkSize;
  const cut = HEADER + 2 * batchRecords * (chunkSize + TAG);
  await assert.rejects(decryptBuffer(sealed.subarray(0, cut), ring), (e) => isWardenError(e, "E_DECRYPT_FAILED"));
  const exact = new Uint8Array(randomBytes(2 * (1 << 20)));
  assert.deepEqual(await decryptBuffer(await encryptBuffer(exact, ring, { chunkSize }), ring), exact);
});

test("a file tampered in a late batch fails to decrypt with nothing left behind, while writes were in flight", async () => {
  const { ring } = await tempKeyRing();
  const dir = await tempDir();
  const plain = join(dir, "plain.bin");
  await writeFile(plain, randomBytes(6 * (1 << 20) + 77));
  await encryptFile(plain, join(dir, "sealed.bin"), ring, { chunkSize: 1024 });
  const sealed = await readFile(join(dir, "sealed.bin"));
  sealed[sealed.length - 3000] = (sealed[sealed.length - 3000] as number) ^ 1;
  await writeFile(join(dir, "sealed.bin"), sealed);
  await assert.rejects(decryptFile(join(dir, "sealed.bin"), join(dir, "out.bin"), ring), (e) =>
    isWardenError(e, "E_DECRYPT_FAILED"),
  );
  assert.deepEqual((await readdir(dir)).sort(), ["plain.bin", "sealed.bin"]);
  await encryptFile(plain, join(dir, "again.bin"), ring);
  await decryptFile(join(dir, "again.bin"), join(dir, "out.bin"), ring);
  assert.ok((await readFile(join(dir, "out.bin"))).equals(await readFile(plain)));
});
