import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { test } from "node:test";
import { canonicalJson } from "../../src/core/canonical-json.ts";
import { ERROR_CODES, toWardenError, WardenError } from "../../src/core/errors.ts";
import { createLogger } from "../../src/core/logging.ts";

test("error kinds map to the documented exit codes and HTTP statuses", () => {
  assert.equal(new WardenError("E_USAGE", "x").exitCode, 2);
  assert.equal(new WardenError("E_CONFIG_INVALID", "x").exitCode, 2);
  assert.equal(new WardenError("E_LEDGER_TAMPERED", "x").exitCode, 1);
  assert.equal(new WardenError("E_DB_CONNECT", "x").exitCode, 3);
  assert.equal(new WardenError("E_ACCESS_DENIED", "x").httpStatus, 403);
  assert.equal(new WardenError("E_LEDGER_RANGE", "x").httpStatus, 400);
  for (const code of Object.keys(ERROR_CODES) as (keyof typeof ERROR_CODES)[]) {
    const e = new WardenError(code, "m");
    assert.ok([1, 2, 3].includes(e.exitCode), code);
    assert.ok(e.httpStatus >= 400 && e.httpStatus < 600, code);
    assert.match(code, /^E_[A-Z0-9_]+$/);
  }
});

test("toWardenError keeps WardenErrors and wraps others with their cause", () => {
  const w = new WardenError("E_IO", "disk");
  assert.equal(toWardenError(w), w);
  const cause = new TypeError("boom");
  const wrapped = toWardenError(cause);
  assert.equal(wrapped.code, "E_INTERNAL");
  assert.equal(wrapped.cause, cause);
  assert.deepEqual(JSON.parse(JSON.stringify(wrapped)), { code: "E_INTERNAL", message: "boom" });
});

test("canonical JSON follows RFC 8785: sorted keys, ES number form, no whitespace", () => {
  assert.equal(
    canonicalJson({ b: 1, a: [1e21, 0.1, "é"], c: { z: null, y: true } }),
    '{"a":[1e+21,0.1,"é"],"b":1,"c":{"y":true,"z":null}}',
  );
  assert.throws(() => canonicalJson(undefined), /E_INPUT_INVALID|cannot be canonicalised/);
});

test("the logger never writes secrets", async () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  const log = createLogger({ level: "info", destination: sink });
  log.info(
    { passphrase: "hunter2", apiKey: "sk-live-123", req: { headers: { authorization: "Bearer t0k" } }, user: "ann" },
    "login",
  );
  log.info({ nested: { token: "abc" } }, "x");
  await new Promise((r) => setImmediate(r));
  const out = lines.join("");
  assert.match(out, /"user":"ann"/);
  for (const secret of ["hunter2", "sk-live-123", "t0k", '"abc"']) assert.ok(!out.includes(secret), `leaked ${secret}`);
  assert.match(out, /\[redacted\]/);
});
