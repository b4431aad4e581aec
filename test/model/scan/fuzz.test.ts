/**
 * Property tests (fast-check) for the parsers: arbitrary, truncated and mutated inputs always get a verdict, never a
 * crash, hang or internal error; malicious payloads stay unsafe whatever the zip packaging around them.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { type FileResult, scanBytes } from "../../../src/model/scan/index.ts";
import {
  benignPickle,
  bytes,
  callPickle,
  gguf,
  LZMA_ALONE_OS_SYSTEM,
  npy,
  PB,
  safetensors,
  sevenZip,
  tar,
  XZ_OS_SYSTEM,
  zip,
} from "./build.ts";

const VERDICTS = new Set(["safe", "suspicious", "unsafe", "invalid"]);
const SMALL = { limits: { maxMemberBytes: 1 << 20, maxTotalInflatedBytes: 4 << 20, maxPickleOps: 200_000 } };

function wellFormed(r: FileResult): void {
  assert.ok(VERDICTS.has(r.verdict));
  assert.ok(!r.findings.some((f) => f.rule === "invalid-scan-error"), JSON.stringify(r.findings));
}

const OPCODES = [..."(.0123FIJKLMNPQRSTUVXabcdegh}ijl]opqrst)uGBC"].map((c) => c.charCodeAt(0));
for (let b = 0x80; b <= 0x98; b++) OPCODES.push(b);

const pickleFragment = fc.oneof(
  fc.constantFrom(...OPCODES).map((b) => Uint8Array.of(b)),
  fc.uint8Array({ maxLength: 6 }),
  fc.constantFrom("os\n", "system\n", "builtins\n", "eval\n", "1\n", "'x'\n").map((s) => new TextEncoder().encode(s)),
);
const pickleLike = fc.array(pickleFragment, { maxLength: 60 }).map((parts) => bytes(...parts));

test("the pickle machine gives every opcode soup a verdict", () => {
  fc.assert(
    fc.property(pickleLike, (b) => {
      wellFormed(scanBytes(b, "fuzz.pkl", SMALL));
    }),
    { numRuns: 800 },
  );
});

test("arbitrary bytes with any magic prefix get a verdict", () => {
  const magic = fc.constantFrom(
    Uint8Array.of(0x80, 0x04),
    Uint8Array.of(0x50, 0x4b, 0x03, 0x04),
    Uint8Array.of(0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 0x01, 0x00),
    new TextEncoder().encode("GGUF"),
    Uint8Array.of(0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a),
    Uint8Array.of(0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c),
    Uint8Array.of(0x1f, 0x8b, 0x08),
    Uint8Array.of(0x08, 0x07, 0x3a),
    Uint8Array.of(0x10, 0, 0, 0, 0, 0, 0, 0, 0x7b),
  );
  fc.assert(
    fc.property(magic, fc.uint8Array({ maxLength: 600 }), (m, rest) => {
      wellFormed(scanBytes(bytes(m, rest), "fuzz", SMALL));
    }),
    { numRuns: 800 },
  );
});

const fixtures: Uint8Array[] = [
  LZMA_ALONE_OS_SYSTEM,
  XZ_OS_SYSTEM,
  sevenZip("m.pkl", LZMA_ALONE_OS_SYSTEM.subarray(13), 22, {
    id: [0x03, 0x01, 0x01],
    props: [...LZMA_ALONE_OS_SYSTEM.subarray(0, 5)],
  }),
  zip([
    { name: "archive/data.pkl", data: benignPickle(), deflate: true },
    { name: "archive/data/0", data: new Uint8Array(16) },
  ]),
  tar([{ name: "pickle", data: benignPickle() }]),
  npy("|O", "(1,)", benignPickle()),
  safetensors({ a: { dtype: "F32", shape: [2], data_offsets: [0, 8] } }, 8),
  gguf({ "tokenizer.chat_template": "{{ x }}" }, [{ name: "w", dims: [4], offset: 0 }], 16),
  bytes(
    PB.int(1, 8),
    PB.msg(7, PB.msg(1, PB.str(4, "Relu")), PB.msg(5, PB.int(1, 2), PB.int(2, 1), PB.msg(9, new Uint8Array(8)))),
  ),
];

test("truncated and mutated fixtures of every format get a verdict", () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...fixtures),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
      fc.option(fc.nat()),
      (fixture, flips, cut) => {
        const b = fixture.slice();
        for (const [i, v] of flips) b[i % b.length] = v;
        wellFormed(scanBytes(cut === null ? b : b.subarray(0, cut % (b.length + 1)), "mutant", SMALL));
      },
    ),
    { numRuns: 1000 },
  );
});

test("a malicious pickle stays unsafe whatever the zip packaging", () => {
  const evil = callPickle("os", "system", "id");
  fc.assert(
    fc.property(
      fc.string({ minLength: 1, maxLength: 20 }).filter((s) => !s.includes("/")),
      fc.integer({ min: 0, max: 0xffff }),
      fc.boolean(),
      fc.boolean(),
      fc.option(fc.string({ minLength: 1, maxLength: 12 })),
      fc.option(fc.nat()),
      (name, flags, deflate, central, localName, crc) => {
        const member = { name: `archive/${name}`, data: evil, flags: flags & ~0x08, deflate };
        const z = zip(
          [
            { name: "archive/version", data: bytes("3\n") },
            { ...member, ...(localName === null ? {} : { localName }), ...(crc === null ? {} : { crc: crc >>> 0 }) },
          ],
          { central },
        );
        const r = scanBytes(z, "packed.zip", SMALL);
        assert.equal(r.verdict, "unsafe", JSON.stringify(r.findings));
      },
    ),
    { numRuns: 300 },
  );
});

test("deeply nested and self-referential pickles stay bounded", () => {
  const deepMarks = bytes(new Uint8Array(20_000).fill(0x28), 0x2e);
  wellFormed(scanBytes(deepMarks, "marks.pkl"));
  const selfRef = bytes(0x80, 0x02, 0x5d, 0x71, 0x00, 0x68, 0x00, 0x61, 0x68, 0x00, 0x61, 0x2e);
  assert.equal(scanBytes(selfRef, "self.pkl").verdict, "safe");
  const manyOps = bytes(0x80, 0x02, new Uint8Array(300_000).fill(0x4e), 0x2e);
  const r = scanBytes(manyOps, "ops.pkl", { limits: { maxPickleStack: 100_000 } });
  assert.equal(r.verdict, "invalid");
});
