// Ledger entry validation and canonical encoding (RFC 8785 bytes are the Merkle leaf).
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, test } from "node:test";
import fc from "fast-check";
import { isWardenError } from "../../src/core/errors.ts";
import { prepareEntry } from "../../src/ledger/entry.ts";

const base = { type: "model.signed", subject: "models/m1", actor: "alice" };
const invalid = (e: unknown) => isWardenError(e, "E_LEDGER_ENTRY_INVALID");

describe("ledger entries", () => {
  test("canonical JSON with sorted keys is the leaf; time is set at append", () => {
    const p = prepareEntry(
      { ...base, data: { z: 1, a: [true, null, "é"] } },
      () => new Date("2026-01-02T03:04:05.678Z"),
    );
    assert.equal(
      p.body,
      '{"actor":"alice","data":{"a":[true,null,"é"],"z":1},"subject":"models/m1","time":"2026-01-02T03:04:05.678Z","type":"model.signed"}',
    );
    const expected = createHash("sha256")
      .update(Buffer.concat([Buffer.from([0]), Buffer.from(p.body, "utf8")]))
      .digest();
    assert.deepEqual(p.leafHash, expected);
  });

  test("given times are normalised to millisecond ISO-8601 UTC; data defaults to {}", () => {
    assert.equal(prepareEntry({ ...base, time: "2026-01-02T03:04:05Z" }).entry.time, "2026-01-02T03:04:05.000Z");
    assert.equal(prepareEntry({ ...base, time: "2026-01-02T03:04:05.1Z" }).entry.time, "2026-01-02T03:04:05.100Z");
    assert.deepEqual(prepareEntry(base).entry.data, {});
  });

  test("bad type, subject, actor, time, data or size are refused with E_LEDGER_ENTRY_INVALID", () => {
    const bad: unknown[] = [
      { ...base, type: "Model.signed" },
      { ...base, type: "1abc" },
      { ...base, type: "" },
      { ...base, type: "a b" },
      { ...base, subject: "" },
      { ...base, subject: "x".repeat(1025) },
      { ...base, actor: 42 },
      { ...base, time: "2026-01-02 03:04:05" },
      { ...base, time: "2026-01-02T03:04:05+01:00" },
      { ...base, time: "2026-13-45T03:04:05Z" },
      { ...base, time: "2026-01-02T03:04:05.123456Z" },
      { ...base, data: { n: 10n } },
      { ...base, data: { n: Number.NaN } },
      { ...base, data: "x".repeat(1024 * 1024) },
      null,
      "entry",
    ];
    for (const e of bad)
      assert.throws(
        () => prepareEntry(e as never),
        invalid,
        JSON.stringify(e, (_k, v) => (typeof v === "bigint" ? "big" : v))?.slice(0, 80),
      );
    assert.ok(prepareEntry({ ...base, subject: "x".repeat(1024) }));
  });

  test("any JSON data is accepted and round-trips through the canonical body", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (data) => {
        const p = prepareEntry({ ...base, data });
        const back = JSON.parse(p.body) as { data: unknown };
        assert.deepEqual(back.data, JSON.parse(JSON.stringify(data)));
      }),
    );
  });

  test("arbitrary input is validated, never crashes", () => {
    fc.assert(
      fc.property(fc.anything(), (x) => {
        try {
          prepareEntry(x as never);
        } catch (e) {
          assert.ok(invalid(e), String(e));
        }
      }),
    );
  });
});
