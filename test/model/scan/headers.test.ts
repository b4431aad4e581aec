/**
 * Header formats are checked without reading tensor data: a counting byte source shows how much of a large
 * safetensors, GGUF, ONNX or PyTorch zip file the scanner actually reads.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { newContext, scanSource } from "../../../src/model/scan/engine.ts";
import type { Source } from "../../../src/model/scan/source.ts";
import { DEFAULT_LIMITS } from "../../../src/model/scan/types.ts";
import { benignPickle, bytes, gguf, PB, zip } from "./build.ts";

/** A virtual file: `head` followed by `padding` bytes that must not be read, counting what is read. */
function counting(head: Uint8Array, padding: number, tail = new Uint8Array(0)): { src: Source; read: () => number } {
  let read = 0;
  const size = head.length + padding + tail.length;
  return {
    read: () => read,
    src: {
      size,
      read(offset, length) {
        const start = Math.max(0, Math.min(offset, size));
        const end = Math.min(size, start + Math.max(0, length));
        read += end - start;
        const out = new Uint8Array(end - start);
        for (let i = start; i < end; i++) {
          if (i < head.length) out[i - start] = head[i]!;
          else if (i >= head.length + padding) out[i - start] = tail[i - head.length - padding]!;
        }
        return out;
      },
    },
  };
}

const BIG = 64 << 20;

test("safetensors: only the header is read", () => {
  const header = new TextEncoder().encode(JSON.stringify({ w: { dtype: "U8", shape: [BIG], data_offsets: [0, BIG] } }));
  const le = [header.length & 0xff, (header.length >> 8) & 0xff, 0, 0, 0, 0, 0, 0];
  const { src, read } = counting(bytes(le, header), BIG);
  const ctx = newContext(DEFAULT_LIMITS);
  assert.equal(scanSource(src, "", 0, ctx), "safetensors");
  assert.deepEqual(ctx.findings, []);
  assert.ok(read() < 256 << 10, `read ${read()} bytes`);
});

test("GGUF: metadata and tensor infos only", () => {
  const file = gguf({ "general.name": "big" }, [{ name: "w", dims: [BIG / 4], offset: 0 }], 0);
  const { src, read } = counting(file, BIG);
  const ctx = newContext(DEFAULT_LIMITS);
  assert.equal(scanSource(src, "", 0, ctx), "gguf");
  assert.deepEqual(ctx.findings, []);
  assert.ok(read() < 256 << 10, `read ${read()} bytes`);
});

test("ONNX: raw tensor payloads are skipped by length", () => {
  const lenVarint = PB.varint(BIG);
  const tensorHead = bytes(PB.int(1, BIG), PB.int(2, 2), PB.str(8, "w"), 0x4a, lenVarint);
  const tensorLen = PB.varint(tensorHead.length + BIG);
  const graphBody = bytes(0x2a, tensorLen, tensorHead);
  const graphLen = PB.varint(graphBody.length + BIG);
  const head = bytes(PB.int(1, 8), 0x3a, graphLen, graphBody);
  const { src, read } = counting(head, BIG);
  const ctx = newContext(DEFAULT_LIMITS);
  assert.equal(scanSource(src, "", 0, ctx), "onnx");
  assert.deepEqual(ctx.findings, []);
  assert.ok(read() < 256 << 10, `read ${read()} bytes`);
});

test("PyTorch zip: the pickle is read, stored tensor storages are not", () => {
  const big = zip([
    { name: "archive/data.pkl", data: benignPickle() },
    { name: "archive/data/0", data: new Uint8Array(16) },
  ]);
  const ctx0 = newContext(DEFAULT_LIMITS);
  assert.equal(scanSource({ size: big.length, read: (o, n) => big.subarray(o, o + n) }, "", 0, ctx0), "pytorch-zip");
  // The same archive with a 64 MiB storage: the local header of data/0 is followed by BIG bytes, then the directory.
  const pkl = benignPickle();
  const z = zip([
    { name: "archive/data.pkl", data: pkl },
    { name: "archive/data/0", data: new Uint8Array(0) },
  ]);
  const storageHeaderEnd = 30 + "archive/data.pkl".length + pkl.length + 30 + "archive/data/0".length;
  const head = z.slice(0, storageHeaderEnd);
  const tail = z.slice(storageHeaderEnd);
  const patch = (buf: Uint8Array, at: number, v: number) => {
    buf[at] = v & 0xff;
    buf[at + 1] = (v >>> 8) & 0xff;
    buf[at + 2] = (v >>> 16) & 0xff;
    buf[at + 3] = (v >>> 24) & 0xff;
  };
  const localStorage = 30 + "archive/data.pkl".length + pkl.length;
  patch(head, localStorage + 18, BIG);
  patch(head, localStorage + 22, BIG);
  const cdStorage = 46 + "archive/data.pkl".length;
  patch(tail, cdStorage + 20, BIG);
  patch(tail, cdStorage + 24, BIG);
  patch(tail, tail.length - 6, storageHeaderEnd + BIG);
  const { src, read } = counting(head, BIG, tail);
  const ctx = newContext(DEFAULT_LIMITS);
  assert.equal(scanSource(src, "", 0, ctx), "pytorch-zip");
  assert.deepEqual(
    ctx.findings.filter((f) => f.severity !== "low" && f.severity !== "info"),
    [],
  );
  assert.ok(read() < 512 << 10, `read ${read()} bytes`);
});
