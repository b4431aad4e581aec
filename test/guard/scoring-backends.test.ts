import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { loadAddon } from "../../src/core/native.ts";
import { collapse, type FeatureSettings, featureSeeds, foldTable, type MarkerToken } from "../../src/guard/features.ts";
import {
  decodeModel,
  encodeWeights,
  type LinearModel,
  NUM_CLASSES,
  scoreCollapsed,
  shippedModel,
} from "../../src/guard/model.ts";
import { guardBackend } from "../../src/guard/native.ts";

const native = guardBackend() === "native";
const skipNative = native
  ? false
  : "the warden_guard addon is not built (npm run build:native); the JavaScript scorer is used";

test("the native scorer is present where CI requires it", { skip: !process.env.WARDEN_TEST_REQUIRE_NATIVE }, () => {
  assert.equal(guardBackend(), "native");
});

/** A model with random weights over other feature settings, to exercise what the shipped one does not. */
function randomModel(seed: number, features: FeatureSettings, window: number, stride: number): LinearModel {
  const buckets = 1 << features.bits;
  const w = new Float32Array(buckets * NUM_CLASSES);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < w.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    w[i] = ((x >>> 0) / 2 ** 32 - 0.5) * 2;
  }
  return decodeModel({
    format: "warden-guard-linear/1",
    classes: ["benign", "injection", "jailbreak"],
    features,
    window,
    stride,
    threshold: 0.5,
    training: {},
    metrics: {},
    bias: [0.5, -0.2, -0.3],
    weights: encodeWeights(w, buckets),
  });
}

const MODELS = [
  shippedModel(),
  randomModel(7, { bits: 12, charMin: 2, charMax: 6, wordBigrams: false, markerValue: 2 }, 100, 30),
  randomModel(9, { bits: 10, charMin: 1, charMax: 1, wordBigrams: true, dedupe: 37 }, 16, 5),
  randomModel(11, { bits: 14, charMin: 3, charMax: 9, wordBigrams: true, dedupe: 3 }, 64, 64),
];

const text = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.string({ unit: "grapheme", maxLength: 200 }),
  fc.tuple(fc.string({ minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 60 })).map(([s, n]) => s.repeat(n)),
  fc
    .array(fc.constantFrom("ignore ", "previous ", "instructions", "\n\n", "Ünïcödé ", "0042 ", "  ", "ÆØÅ", "文字"), {
      maxLength: 400,
    })
    .map((a) => a.join("")),
);

test("the native and JavaScript scorers give identical windows, scores and feature counts (property)", {
  skip: skipNative,
}, () => {
  fc.assert(
    fc.property(
      text,
      fc.integer({ min: 0, max: MODELS.length - 1 }),
      fc.array(fc.nat(), { maxLength: 4 }),
      (t, m, marks) => {
        const model = MODELS[m] as LinearModel;
        const c = collapse(t);
        const markers: MarkerToken[] = marks.map((p, i) => ({
          pos: c.length === 0 ? 0 : p % c.length,
          token: `sig:t${i % 2}`,
        }));
        assert.deepEqual(scoreCollapsed(model, c, markers, "native"), scoreCollapsed(model, c, markers, "js"));
      },
    ),
    { numRuns: 1500 },
  );
});

test("the native scorer rejects arguments that do not fit together", { skip: skipNative }, () => {
  const addon = loadAddon<{ blockSums: (...a: unknown[]) => number }>("warden_guard", "WARDEN_NATIVE_GUARD");
  assert.ok(addon);
  const f = shippedModel().features;
  const codes = new Uint16Array(200);
  const params = Int32Array.of(f.charMin, f.charMax, 1, f.dedupe ?? 0, f.bits, 64, 200);
  const ok = [
    codes,
    200,
    params,
    featureSeeds(f),
    shippedModel().q,
    new Int32Array(15),
    new Int32Array(5),
    new Int32Array(4),
  ];
  assert.equal(typeof addon.blockSums(...ok), "number");
  const bad: Array<[number, unknown]> = [
    [1, 201],
    [5, new Int32Array(14)],
    [6, new Int32Array(4)],
    [7, new Int32Array(3)],
    [4, new Int8Array(10)],
    [3, new Int32Array(2)],
    [2, Int32Array.of(0, 5, 1, 0, 16, 64, 200)],
    [2, Int32Array.of(3, 5, 1, 0, 30, 64, 200)],
    [0, new Uint8Array(200)],
  ];
  for (const [i, v] of bad) {
    const args: unknown[] = [...ok];
    args[i] = v;
    assert.throws(() => addon.blockSums(...args), /warden_guard/, `argument ${i}`);
  }
});

test("the fold table is the per-unit definition: whitespace 0, digits 0x30, otherwise the one-unit lower case", () => {
  const table = foldTable();
  const space = new Set([0x20, 0x0a, 0x0d, 0x09, 0x0c, 0x0b, 0xa0]);
  for (let c = 0; c < 65536; c++) {
    const lower = String.fromCharCode(c).toLowerCase();
    const expected = space.has(c) ? 0 : c >= 0x30 && c <= 0x39 ? 0x30 : lower.length === 1 ? lower.charCodeAt(0) : c;
    if (table[c] !== expected) assert.fail(`unit ${c.toString(16)}: ${table[c]} != ${expected}`);
  }
});

test("the native and JavaScript collapse agree on any string, lone surrogates included (property)", {
  skip: skipNative,
}, () => {
  const unit = fc.oneof(
    fc.constantFrom(" ", "\t", "\n", "\r", "\u00a0", "\u2003", "\u0000", "\ud800", "\udc00", "İ", "Σ", "A", "7", "é"),
    fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
  );
  fc.assert(
    fc.property(
      fc.oneof(
        fc.array(unit, { maxLength: 200 }).map((a) => a.join("")),
        fc.string({ unit: "grapheme" }),
      ),
      (t) => {
        const a = collapse(t, "native");
        const b = collapse(t, "js");
        assert.equal(a.length, b.length);
        assert.deepEqual(a.codes.subarray(0, a.length), b.codes.subarray(0, b.length));
        assert.deepEqual(a.origin.subarray(0, a.length), b.origin.subarray(0, b.length));
      },
    ),
    { numRuns: 3000 },
  );
});

test("the native collapse rejects buffers that are too small", { skip: skipNative }, () => {
  const addon = loadAddon<{ collapse: (...a: unknown[]) => number }>("warden_guard", "WARDEN_NATIVE_GUARD");
  assert.ok(addon);
  assert.equal(addon.collapse("a  b", foldTable(), new Uint16Array(5), new Int32Array(4)), 3);
  assert.throws(() => addon.collapse("a  b", foldTable(), new Uint16Array(4), new Int32Array(4)), /warden_guard/);
  assert.throws(() => addon.collapse("a  b", foldTable(), new Uint16Array(5), new Int32Array(3)), /warden_guard/);
  assert.throws(
    () => addon.collapse("a  b", new Uint16Array(100), new Uint16Array(5), new Int32Array(4)),
    /warden_guard/,
  );
  assert.throws(() => addon.collapse(42, foldTable(), new Uint16Array(5), new Int32Array(4)), /warden_guard/);
});
