/** The bounded JSON Schema (draft-07 subset) validator: each keyword accepts and rejects, refs resolve, total on input. */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { JsonSchemaValidator } from "../../src/core/json-schema.ts";

const schema = {
  type: "object",
  required: ["id", "tags"],
  additionalProperties: false,
  properties: {
    id: { type: "integer", minimum: 1, maximum: 9 },
    name: { type: "string", minLength: 2, maxLength: 4, pattern: "^[a-z]+$" },
    tags: { type: "array", items: { $ref: "#/definitions/tag" }, minItems: 1, uniqueItems: true },
    kind: { enum: ["a", "b"] },
    fixed: { const: 3 },
    either: { oneOf: [{ type: "string" }, { type: "number" }] },
    any: { anyOf: [{ type: "null" }, { $ref: "other.json#/definitions/flag" }] },
    all: { allOf: [{ type: "number" }, { not: { const: 0 } }] },
    // biome-ignore lint/suspicious/noThenProperty: "then" is a JSON Schema keyword here.
    cond: { if: { type: "string" }, then: { minLength: 3 }, else: { type: "number" } },
    map: { type: "object", patternProperties: { "^x-": { type: "boolean" } }, additionalProperties: false },
    pair: { type: "array", items: [{ type: "string" }, { type: "number" }], additionalItems: false },
  },
  definitions: { tag: { type: "string" } },
};
const other = { definitions: { flag: { type: "boolean" } } };
const v = new JsonSchemaValidator(schema, { "other.json": other });
const paths = (x: unknown) => v.validate(x).map((e) => e.path);

test("valid documents produce no errors", () => {
  assert.deepEqual(
    v.validate({
      id: 3,
      name: "abc",
      tags: ["t", "u"],
      kind: "a",
      fixed: 3,
      either: 1,
      any: true,
      all: 2,
      cond: "abcd",
      map: { "x-a": true },
      pair: ["a", 1],
    }),
    [],
  );
});

test("each keyword rejects what it forbids, at the right path", () => {
  assert.deepEqual(paths({ tags: ["t"] }), ["/"]);
  assert.deepEqual(paths({ id: 1.5, tags: ["t"] }), ["/id"]);
  assert.deepEqual(paths({ id: 10, tags: ["t"] }), ["/id"]);
  assert.deepEqual(paths({ id: 1, tags: ["t"], name: "ABC" }), ["/name"]);
  assert.deepEqual(paths({ id: 1, tags: ["t"], name: "abcde" }), ["/name"]);
  assert.deepEqual(paths({ id: 1, tags: [] }), ["/tags"]);
  assert.deepEqual(paths({ id: 1, tags: ["t", "t"] }), ["/tags"]);
  assert.deepEqual(paths({ id: 1, tags: [1] }), ["/tags/0"]);
  assert.deepEqual(paths({ id: 1, tags: ["t"], kind: "c" }), ["/kind"]);
  assert.deepEqual(paths({ id: 1, tags: ["t"], fixed: 4 }), ["/fixed"]);
  assert.deepEqual(paths({ id: 1, tags: ["t"], either: true }), ["/either"]);
  assert.deepEqual(paths({ id: 1, tags: ["t"], any: "no" }), ["/any"]);
  assert.deepEqual(paths({ id: 1, tags: ["t"], all: 0 }), ["/all"]);
  assert.deepEqual(paths({ id: 1, tags: ["t"], cond: "ab" }), ["/cond"]);
  assert.deepEqual(paths({ id: 1, tags: ["t"], cond: true }), ["/cond"]);
  assert.deepEqual(paths({ id: 1, tags: ["t"], map: { "x-a": 1 } }), ["/map/x-a"]);
  assert.deepEqual(paths({ id: 1, tags: ["t"], map: { y: true } }), ["/map/y"]);
  assert.deepEqual(paths({ id: 1, tags: ["t"], pair: ["a", 1, 2] }), ["/pair/2"]);
  assert.deepEqual(paths({ id: 1, tags: ["t"], extra: 1 }), ["/extra"]);
});

test("unknown $ref targets are reported as invalid schemas", () => {
  const bad = new JsonSchemaValidator({ $ref: "missing.json#/x" });
  assert.throws(() => bad.validate(1), /unknown document/);
});

test("validation is total on arbitrary JSON (CycloneDX schema when available)", () => {
  const dir = fileURLToPath(new URL("../../../shared/corpora/schemas/", import.meta.url));
  const load = (f: string) => JSON.parse(readFileSync(join(dir, f), "utf8"));
  const cdx = existsSync(join(dir, "bom-1.6.schema.json"))
    ? new JsonSchemaValidator(load("bom-1.6.schema.json"), {
        "spdx.schema.json": load("spdx.schema.json"),
        "jsf-0.82.schema.json": load("jsf-0.82.schema.json"),
      })
    : v;
  fc.assert(
    fc.property(fc.jsonValue(), (x) => {
      const errors = cdx.validate(x);
      assert.ok(Array.isArray(errors) && errors.length <= 50);
    }),
    { numRuns: 200 },
  );
});
