import assert from "node:assert/strict";
import { createPublicKey, generateKeyPairSync, verify as nodeVerify } from "node:crypto";
import { test } from "node:test";
import fc from "fast-check";
import {
  decodeHybridSignature,
  encodeHybridSignature,
  KEY_TYPES,
  ML_DSA_65,
  publicKeyFromBytes,
  publicKeyFromJwk,
  publicKeyFromPem,
  type Signer,
} from "../../../src/core/crypto/index.ts";
import { isWardenError } from "../../../src/core/errors.ts";
import { enc, tempKeyRing } from "./helpers.ts";

const { ring } = await tempKeyRing();
const signers = new Map<string, Signer>();
for (const type of KEY_TYPES) {
  await ring.create(`k-${type}`, type);
  signers.set(type, await ring.signer(`k-${type}`));
}
const msg = enc("the quick brown fox");

function flip(bytes: Uint8Array, at: number): Uint8Array {
  const out = bytes.slice();
  out[at % out.length] = (out[at % out.length] ?? 0) ^ 0x01;
  return out;
}

for (const type of KEY_TYPES) {
  test(`${type}: signs and verifies; altered message or signature fails`, () => {
    const signer = signers.get(type)!;
    const pub = signer.publicKey();
    assert.equal(pub.type, type);
    assert.equal(pub.keyId, signer.keyId);
    const sig = signer.sign(msg);
    assert.ok(pub.verify(msg, sig));
    assert.ok(!pub.verify(flip(msg, 3), sig));
    assert.ok(!pub.verify(msg, flip(sig, 10)));
    assert.ok(!pub.verify(msg, sig.subarray(0, sig.length - 1)));
    assert.ok(!pub.verify(msg, new Uint8Array()));
  });

  test(`${type}: PEM, JWK and bytes exports round-trip to the same key`, () => {
    const pub = ring.publicKey(`k-${type}`);
    const sig = signers.get(type)!.sign(msg);
    for (const back of [
      publicKeyFromPem(ring.exportPublic(`k-${type}`, "pem")),
      publicKeyFromJwk(JSON.parse(ring.exportPublic(`k-${type}`, "jwk"))),
      publicKeyFromBytes(type, pub.bytes),
    ]) {
      assert.equal(back.type, type);
      assert.equal(back.keyId, pub.keyId);
      assert.deepEqual(back.bytes, pub.bytes);
      assert.ok(back.verify(msg, sig));
    }
  });
}

test("ECDSA signatures are DER and verify with node:crypto using SHA-256 (P-256) and SHA-384 (P-384)", () => {
  for (const [type, hash] of [
    ["ecdsa-p256", "sha256"],
    ["ecdsa-p384", "sha384"],
  ] as const) {
    const signer = signers.get(type)!;
    const sig = signer.sign(msg);
    assert.equal(sig[0], 0x30, "DER SEQUENCE");
    const key = createPublicKey(signer.publicKey().toPem());
    assert.ok(nodeVerify(hash, msg, { key, dsaEncoding: "der" }, sig));
    assert.ok(!nodeVerify(hash === "sha256" ? "sha384" : "sha256", msg, { key, dsaEncoding: "der" }, sig));
  }
});

test("Ed25519 signatures verify with node:crypto; key id is SHA-256 of the SPKI DER", () => {
  const signer = signers.get("ed25519")!;
  const key = createPublicKey(signer.publicKey().toPem());
  assert.ok(nodeVerify(null, msg, key, signer.sign(msg)));
  const der = key.export({ type: "spki", format: "der" });
  assert.deepEqual(signer.publicKey().bytes, new Uint8Array(der));
});

test("ML-DSA-65: FIPS 204 sizes, RFC 9881 SPKI with OID 2.16.840.1.101.3.4.3.18, AKP JWK", () => {
  const pub = signers.get("ml-dsa-65")!.publicKey();
  assert.equal(pub.bytes.length, ML_DSA_65.publicKey);
  assert.equal(signers.get("ml-dsa-65")!.sign(msg).length, ML_DSA_65.signature);
  const pem = pub.toPem();
  assert.match(pem, /^-----BEGIN PUBLIC KEY-----\n/);
  const der = Buffer.from(pem.replace(/-----[A-Z ]+-----|\n/g, ""), "base64");
  assert.equal(der.subarray(6, 17).toString("hex"), "0609608648016503040312");
  assert.equal(der.length, 22 + ML_DSA_65.publicKey);
  const jwk = pub.toJwk();
  assert.equal(jwk.kty, "AKP");
  assert.equal(jwk.alg, "ML-DSA-65");
});

test("hybrid: verifies only when BOTH halves verify; halves are usable on their own", () => {
  const signer = signers.get("hybrid")!;
  const pub = signer.publicKey();
  const sig = signer.sign(msg);
  const halves = decodeHybridSignature(sig)!;
  assert.equal(halves.ed25519.length, 64);
  assert.equal(halves.mlDsa.length, ML_DSA_65.signature);
  assert.ok(pub.parts!.ed25519.verify(msg, halves.ed25519));
  assert.ok(pub.parts!.mlDsa.verify(msg, halves.mlDsa));
  assert.equal(signer.parts!.ed25519.keyId, pub.parts!.ed25519.keyId);
  assert.ok(pub.verify(msg, encodeHybridSignature(halves)));
  assert.ok(!pub.verify(msg, encodeHybridSignature({ ...halves, ed25519: flip(halves.ed25519, 5) })), "Ed25519 half");
  assert.ok(!pub.verify(msg, encodeHybridSignature({ ...halves, mlDsa: flip(halves.mlDsa, 100) })), "ML-DSA half");
  const other = signer.parts!.ed25519.sign(enc("other"));
  assert.ok(!pub.verify(msg, encodeHybridSignature({ ...halves, ed25519: other })));
  assert.ok(!pub.verify(msg, halves.ed25519), "a bare Ed25519 signature is not a hybrid signature");
  assert.match(pub.toPem(), /^-----BEGIN WARDEN HYBRID PUBLIC KEY-----/);
  assert.equal((pub.toJwk().keys as unknown[]).length, 2);
});

test("a key of one type never verifies another key's signature", () => {
  const sigs = KEY_TYPES.map((t) => signers.get(t)!.sign(msg));
  for (const [i, t] of KEY_TYPES.entries()) {
    for (const [j, sig] of sigs.entries()) if (i !== j) assert.ok(!signers.get(t)!.publicKey().verify(msg, sig));
  }
});

test("public key parsers refuse junk with WardenErrors only", () => {
  const isParseError = (e: unknown) => isWardenError(e, "E_INPUT_INVALID") || isWardenError(e, "E_KEY_TYPE");
  fc.assert(
    fc.property(fc.string({ maxLength: 300 }), (s) => {
      try {
        publicKeyFromPem(s);
      } catch (e) {
        assert.ok(isParseError(e), String(e));
      }
    }),
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (der) => {
      const pem = `-----BEGIN PUBLIC KEY-----\n${Buffer.from(der).toString("base64")}\n-----END PUBLIC KEY-----\n`;
      for (const attempt of [() => publicKeyFromPem(pem), () => publicKeyFromBytes("hybrid", der)]) {
        try {
          attempt();
        } catch (e) {
          assert.ok(isParseError(e), String(e));
        }
      }
    }),
  );
  fc.assert(
    fc.property(fc.jsonValue(), (v) => {
      try {
        publicKeyFromJwk(v);
      } catch (e) {
        assert.ok(isParseError(e), String(e));
      }
    }),
  );
  const rsa = generateKeyPairSync("rsa", { modulusLength: 1024 }).publicKey.export({ type: "spki", format: "pem" });
  assert.throws(
    () => publicKeyFromPem(rsa.toString()),
    (e) => isWardenError(e, "E_KEY_TYPE"),
  );
  const p521 = generateKeyPairSync("ec", { namedCurve: "secp521r1" }).publicKey.export({ type: "spki", format: "pem" });
  assert.throws(
    () => publicKeyFromPem(p521.toString()),
    (e) => isWardenError(e, "E_KEY_TYPE"),
  );
  assert.throws(
    () => publicKeyFromJwk({ ...signers.get("ed25519")!.publicKey().toJwk(), d: "AAAA" }),
    (e) => isWardenError(e, "E_INPUT_INVALID") && /private/.test(e.message),
  );
});
