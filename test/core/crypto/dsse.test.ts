import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  buildStatement,
  INTOTO_PAYLOAD_TYPE,
  pae,
  parseEnvelope,
  parseStatement,
  signEnvelope,
  signStatement,
  verifyEnvelope,
  verifyStatement,
} from "../../../src/core/crypto/index.ts";
import { isWardenError } from "../../../src/core/errors.ts";
import { enc, tempKeyRing } from "./helpers.ts";

const { ring } = await tempKeyRing();
await ring.create("ed", "ed25519");
await ring.create("p256", "ecdsa-p256");
await ring.create("hy", "hybrid");
const ed = await ring.signer("ed");
const p256 = await ring.signer("p256");
const hy = await ring.signer("hy");
const TYPE = "http://example.com/HelloWorld";

test("PAE matches the DSSE specification's example", () => {
  assert.equal(
    Buffer.from(pae(TYPE, enc("hello world"))).toString("utf8"),
    "DSSEv1 29 http://example.com/HelloWorld 11 hello world",
  );
  assert.equal(Buffer.from(pae("", new Uint8Array())).toString("utf8"), "DSSEv1 0  0 ");
  assert.equal(Buffer.from(pae("é", enc("x"))).toString("utf8"), "DSSEv1 2 é 1 x", "LEN counts UTF-8 bytes");
});

test("envelopes signed by several key types verify, with thresholds and resolvers", () => {
  const env = signEnvelope(TYPE, enc("hello world"), [ed, p256, hy]);
  assert.equal(env.payload, "aGVsbG8gd29ybGQ=");
  assert.deepEqual(
    env.signatures.map((s) => s.keyid),
    [ed.keyId, p256.keyId, hy.keyId],
  );
  const keys = [ed.publicKey(), p256.publicKey(), hy.publicKey()];
  const all = verifyEnvelope(env, keys, { threshold: 3 });
  assert.deepEqual(Buffer.from(all.payload).toString(), "hello world");
  assert.deepEqual(all.verifiedKeyIds.sort(), keys.map((k) => k.keyId).sort());
  assert.deepEqual(verifyEnvelope(JSON.stringify(env), [hy.publicKey()]).verifiedKeyIds, [hy.keyId]);
  const byId = (keyid: string) => keys.filter((k) => k.keyId === keyid);
  assert.equal(verifyEnvelope(env, byId, { threshold: 2 }).verifiedKeyIds.length, 3);
  const noHints = { ...env, signatures: env.signatures.map((s) => ({ keyid: "", sig: s.sig })) };
  assert.equal(verifyEnvelope(noHints, keys, { threshold: 3 }).verifiedKeyIds.length, 3);
  const twice = { ...env, signatures: [env.signatures[0]!, env.signatures[0]!] };
  assert.throws(
    () => verifyEnvelope(twice, keys, { threshold: 2 }),
    (e) => isWardenError(e, "E_SIGNATURE_INVALID"),
    "one key counts once",
  );
});

test("altered payload, payload type or signature, or an untrusted key, fail with E_SIGNATURE_INVALID", () => {
  const env = signEnvelope(TYPE, enc("hello world"), [ed]);
  const trusted = [ed.publicKey()];
  const bad = [
    { ...env, payload: Buffer.from("hello World").toString("base64") },
    { ...env, payloadType: "http://example.com/Other" },
    { ...env, signatures: [{ keyid: ed.keyId, sig: Buffer.from(new Uint8Array(64)).toString("base64") }] },
  ];
  for (const e of bad)
    assert.throws(
      () => verifyEnvelope(e, trusted),
      (x) => isWardenError(x, "E_SIGNATURE_INVALID"),
    );
  assert.throws(
    () => verifyEnvelope(env, [p256.publicKey()]),
    (x) => isWardenError(x, "E_SIGNATURE_INVALID"),
  );
  const hyEnv = signEnvelope(TYPE, enc("m"), [hy]);
  assert.throws(
    () => verifyEnvelope(hyEnv, [hy.publicKey().parts!.mlDsa, hy.publicKey().parts!.ed25519]),
    (x) => isWardenError(x, "E_SIGNATURE_INVALID"),
    "a hybrid signature is not a signature of either half alone",
  );
});

test("parseEnvelope refuses junk with E_DSSE_INVALID only", () => {
  for (const junk of [
    "",
    "null",
    "[]",
    '{"payload":"!!","payloadType":"t","signatures":[{"sig":"AA=="}]}',
    '{"payload":"","payloadType":"t","signatures":[]}',
    '{"payload":"","payloadType":"","signatures":[{"sig":"AA=="}]}',
  ]) {
    assert.throws(
      () => parseEnvelope(junk),
      (e) => isWardenError(e, "E_DSSE_INVALID"),
      junk,
    );
  }
  const env = signEnvelope(TYPE, enc("x"), [ed]);
  fc.assert(
    fc.property(
      fc.oneof(
        fc.jsonValue(),
        fc.string(),
        fc.record({
          payload: fc.string(),
          payloadType: fc.string(),
          signatures: fc.array(fc.record({ keyid: fc.string(), sig: fc.string() })),
        }),
      ),
      (junk) => {
        try {
          const parsed = parseEnvelope(typeof junk === "string" ? junk : JSON.stringify(junk));
          assert.throws(
            () => verifyEnvelope(parsed, [ed.publicKey()]),
            (e) => isWardenError(e, "E_SIGNATURE_INVALID"),
          );
        } catch (e) {
          assert.ok(isWardenError(e, "E_DSSE_INVALID"), String(e));
        }
      },
    ),
    { numRuns: 300 },
  );
  const text = JSON.stringify(env);
  fc.assert(
    fc.property(fc.nat(text.length - 1), fc.string({ minLength: 1, maxLength: 1 }), (at, c) => {
      const mutated = text.slice(0, at) + c + text.slice(at + 1);
      try {
        verifyEnvelope(mutated, [ed.publicKey()]);
      } catch (e) {
        assert.ok(isWardenError(e, "E_DSSE_INVALID") || isWardenError(e, "E_SIGNATURE_INVALID"), String(e));
      }
    }),
    { numRuns: 300 },
  );
});

const digest = "a".repeat(64);

test("in-toto Statement v1: build, sign, verify and parse", () => {
  const statement = buildStatement({
    subject: [{ name: "model.safetensors", digest: { sha256: digest } }],
    predicateType: "https://model_signing/signature/v1.0",
    predicate: { serialization: { method: "files" } },
  });
  assert.equal(statement._type, "https://in-toto.io/Statement/v1");
  const env = signStatement(statement, [hy]);
  assert.equal(env.payloadType, INTOTO_PAYLOAD_TYPE);
  const { statement: back, verifiedKeyIds } = verifyStatement(env, [hy.publicKey()]);
  assert.deepEqual(back, statement);
  assert.deepEqual(verifiedKeyIds, [hy.keyId]);
  const wrongType = signEnvelope("application/json", enc(JSON.stringify(statement)), [ed]);
  assert.throws(
    () => verifyStatement(wrongType, [ed.publicKey()]),
    (e) => isWardenError(e, "E_DSSE_INVALID"),
  );
});

test("in-toto parser refuses invalid statements and junk with E_INTOTO_INVALID only", () => {
  const good = {
    _type: "https://in-toto.io/Statement/v1",
    subject: [{ name: "a", digest: { sha256: digest } }],
    predicateType: "https://x/y",
    predicate: {},
  };
  assert.deepEqual(parseStatement(JSON.stringify(good)), good);
  const bad: unknown[] = [
    { ...good, _type: "https://in-toto.io/Statement/v0.1" },
    { ...good, subject: [] },
    { ...good, subject: [{ name: "a" }] },
    { ...good, subject: [{ name: "a", digest: {} }] },
    { ...good, subject: [{ name: "a", digest: { sha256: "A".repeat(64) } }] },
    { ...good, subject: [{ name: "a", digest: { sha256: "ab" } }] },
    { ...good, subject: [{ name: 1, digest: { sha256: digest } }] },
    { ...good, predicateType: "not a uri" },
    { ...good, predicate: [1] },
  ];
  for (const b of bad)
    assert.throws(
      () => parseStatement(b),
      (e) => isWardenError(e, "E_INTOTO_INVALID"),
      JSON.stringify(b),
    );
  assert.throws(
    () => buildStatement({ subject: [], predicateType: "https://x", predicate: {} }),
    (e) => isWardenError(e, "E_INTOTO_INVALID"),
  );
  fc.assert(
    fc.property(fc.oneof(fc.jsonValue(), fc.string(), fc.uint8Array()), (junk) => {
      try {
        parseStatement(junk);
      } catch (e) {
        assert.ok(isWardenError(e, "E_INTOTO_INVALID"), String(e));
      }
    }),
    { numRuns: 300 },
  );
});
