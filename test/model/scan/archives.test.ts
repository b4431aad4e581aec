/**
 * Archives beyond zip: 7z (copy, LZMA, LZMA2 and unsupported coders), LZMA members of zips (method 14) and bare
 * `.lzma` streams (joblib's lzma compressor). Every malicious payload inside must be found.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { scanBytes } from "../../../src/model/scan/index.ts";
import { benignPickle, bytes, callPickle, LZMA_ALONE_OS_SYSTEM, sevenZip, XZ_OS_SYSTEM, zip } from "./build.ts";

const evil = callPickle("os", "system", "id");
const lzmaProps = [...LZMA_ALONE_OS_SYSTEM.subarray(0, 5)];
const lzmaData = LZMA_ALONE_OS_SYSTEM.subarray(13);

test("7z with a stored (copy) member: the member is scanned under its name", () => {
  const r = scanBytes(sevenZip("evil.pkl", evil, evil.length, { id: [0x00] }), "a.7z");
  assert.equal(r.format, "7z");
  assert.equal(r.verdict, "unsafe");
  assert.ok(
    r.findings.some((f) => f.location.startsWith("evil.pkl@offset")),
    JSON.stringify(r.findings),
  );
  assert.equal(
    scanBytes(sevenZip("ok.pkl", benignPickle(), benignPickle().length, { id: [0x00] }), "b.7z").verdict,
    "safe",
  );
});

test("7z with LZMA and LZMA2 coders is decoded", () => {
  const lz = scanBytes(
    sevenZip("evil.pkl", lzmaData, evil.length, { id: [0x03, 0x01, 0x01], props: lzmaProps }),
    "c.7z",
  );
  assert.equal(lz.verdict, "unsafe", JSON.stringify(lz.findings));
  const chunk = bytes(0x01, 0x00, evil.length - 1, evil, 0x00);
  const lz2 = scanBytes(sevenZip("evil.pkl", chunk, evil.length, { id: [0x21], props: [0x18] }), "d.7z");
  assert.equal(lz2.verdict, "unsafe", JSON.stringify(lz2.findings));
});

test("7z with an unsupported coder (AES) or a corrupt stream is invalid, never safe", () => {
  const aes = scanBytes(sevenZip("x.pkl", evil, evil.length, { id: [0x06, 0xf1, 0x07, 0x01] }), "e.7z");
  assert.equal(aes.verdict, "invalid");
  const corrupt = scanBytes(
    sevenZip("x.pkl", lzmaData.subarray(0, 10), evil.length, { id: [0x03, 0x01, 0x01], props: lzmaProps }),
    "f.7z",
  );
  assert.equal(corrupt.verdict, "invalid");
  const bomb = scanBytes(sevenZip("x.pkl", evil, 10_000, { id: [0x21] }), "g.7z", { limits: { maxMemberBytes: 1000 } });
  assert.equal(bomb.verdict, "unsafe");
});

test("zip members compressed with LZMA (method 14) and bare .lzma streams are scanned", () => {
  const member = bytes(0x09, 0x14, 0x05, 0x00, lzmaProps, lzmaData);
  const z = zip([{ name: "archive/data.pkl", data: evil }]);
  // Rewrite the single stored member as method 14 with the LZMA payload.
  const rebuilt = zip([{ name: "archive/data.pkl", data: member, flags: 0x02 }]);
  for (const off of [8, 30 + "archive/data.pkl".length + member.length + 10]) rebuilt[off] = 14;
  const r = scanBytes(rebuilt, "lzma.zip");
  assert.equal(r.verdict, "unsafe", JSON.stringify(r.findings));
  assert.equal(scanBytes(z, "plain.zip").verdict, "unsafe");
  const alone = scanBytes(LZMA_ALONE_OS_SYSTEM, "model.joblib.lzma");
  assert.equal(alone.format, "lzma");
  assert.equal(alone.verdict, "unsafe");
});

test(".xz streams (joblib's xz compressor) are decoded and scanned; corrupt ones are invalid", () => {
  const r = scanBytes(XZ_OS_SYSTEM, "model.joblib.xz");
  assert.equal(r.format, "xz");
  assert.equal(r.verdict, "unsafe", JSON.stringify(r.findings));
  const corrupt = XZ_OS_SYSTEM.slice();
  corrupt[40] = (corrupt[40] ?? 0) ^ 0xff;
  assert.notEqual(scanBytes(corrupt, "bad.xz").verdict, "safe");
  assert.equal(scanBytes(XZ_OS_SYSTEM.subarray(0, 30), "short.xz").verdict, "invalid");
});
