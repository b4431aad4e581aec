import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import fc from "fast-check";
import {
  encodeParts,
  fromHex,
  sha256,
  sha256File,
  sha256Hex,
  toBase64,
  toBase64Url,
  toHex,
  tryDecodeParts,
  tryFromBase64,
} from "../../../src/core/crypto/index.ts";
import { isWardenError } from "../../../src/core/errors.ts";
import { enc, tempDir } from "./helpers.ts";

test("sha256 matches the FIPS 180-4 example vectors", () => {
  assert.equal(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  assert.equal(toHex(sha256(new Uint8Array())), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
});

test("sha256File streams a multi-megabyte file to the same digest as sha256 of its bytes", async () => {
  const dir = await tempDir();
  const data = new Uint8Array(3 * 1024 * 1024 + 17).map((_, i) => (i * 31) & 0xff);
  await writeFile(join(dir, "f"), data);
  assert.equal(await sha256File(join(dir, "f")), sha256Hex(data));
  await assert.rejects(sha256File(join(dir, "missing")), (e) => isWardenError(e, "E_IO") && /missing/.test(e.message));
});

test("hex and base64 round-trip any bytes; junk is refused", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      assert.deepEqual(fromHex(toHex(bytes)), bytes);
      assert.deepEqual(tryFromBase64(toBase64(bytes)), bytes);
      assert.deepEqual(tryFromBase64(toBase64Url(bytes)), bytes);
    }),
  );
  assert.throws(
    () => fromHex("abc"),
    (e) => isWardenError(e, "E_INPUT_INVALID"),
  );
  assert.throws(
    () => fromHex("zz"),
    (e) => isWardenError(e, "E_INPUT_INVALID"),
  );
  assert.equal(tryFromBase64("ab$d"), undefined);
  assert.equal(tryFromBase64("a"), undefined);
  assert.equal(tryFromBase64("ab+_"), undefined);
});

test("length-prefixed parts round-trip and reject bad framing", () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 50 }), { minLength: 1, maxLength: 4 }), (parts) => {
      const encoded = encodeParts(parts);
      assert.deepEqual(tryDecodeParts(encoded, parts.length), parts);
      assert.equal(tryDecodeParts(encoded, parts.length + 1), undefined);
      assert.equal(tryDecodeParts(encoded.subarray(0, encoded.length - 1), parts.length), undefined);
      assert.equal(tryDecodeParts(new Uint8Array([...encoded, 0]), parts.length), undefined);
    }),
  );
  fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (junk) => void tryDecodeParts(junk, 2)));
  assert.deepEqual(tryDecodeParts(encodeParts([enc("a"), enc("")]), 2), [enc("a"), new Uint8Array()]);
});
