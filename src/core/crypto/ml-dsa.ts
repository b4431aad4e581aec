/**
 * ML-DSA-65 (FIPS 204) keys on @noble/post-quantum: pure mode, empty context, hedged (randomised) signing.
 * Private keys are kept as the 32-byte key-generation seed ξ (FIPS 204 Algorithm 6; the "seed" private-key form of
 * RFC 9881), from which the expanded key is rebuilt in memory. Public keys are SPKI with the NIST OID
 * id-ml-dsa-65 = 2.16.840.1.101.3.4.3.18 and absent parameters (RFC 9881, formerly draft-ietf-lamps-dilithium-certificates);
 * the JWK form is the "AKP" key type of draft-ietf-cose-dilithium (no final JOSE standard yet).
 */
import { randomBytes } from "node:crypto";
import { ml_dsa65 } from "@noble/post-quantum/ml-dsa.js";
import { WardenError } from "../errors.ts";
import { sha256Hex } from "./digest.ts";
import { toBase64Url } from "./encoding.ts";
import { toPem } from "./pem.ts";
import type { PublicKey, Signer } from "./types.ts";

/** FIPS 204 Table 2 sizes for ML-DSA-65. */
export const ML_DSA_65 = { publicKey: 1952, signature: 3309, seed: 32 } as const;

/**
 * DER prefix of an ML-DSA-65 SPKI: SEQUENCE(1970) { SEQUENCE(11) { OID 2.16.840.1.101.3.4.3.18 }
 * BIT STRING(1953, 0 unused bits) }, followed by the 1952 raw public-key bytes.
 */
const SPKI_PREFIX = Uint8Array.from([
  0x30, 0x82, 0x07, 0xb2, 0x30, 0x0b, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03, 0x12, 0x03, 0x82,
  0x07, 0xa1, 0x00,
]);

/** The SPKI DER (RFC 5280 §4.1.2.7, RFC 9881) of a raw ML-DSA-65 public key. */
export function mlDsaSpki(raw: Uint8Array): Uint8Array {
  const out = new Uint8Array(SPKI_PREFIX.byteLength + raw.byteLength);
  out.set(SPKI_PREFIX);
  out.set(raw, SPKI_PREFIX.byteLength);
  return out;
}

/** True when `der` starts with the ML-DSA-65 SPKI algorithm identifier. */
export function isMlDsaSpki(der: Uint8Array): boolean {
  return der.byteLength > SPKI_PREFIX.byteLength && SPKI_PREFIX.every((b, i) => der[i] === b);
}

/** The raw public key inside an ML-DSA-65 SPKI; throws E_INPUT_INVALID when the encoding is not exactly that. */
export function mlDsaRawFromSpki(der: Uint8Array): Uint8Array {
  if (!isMlDsaSpki(der) || der.byteLength !== SPKI_PREFIX.byteLength + ML_DSA_65.publicKey) {
    throw new WardenError("E_INPUT_INVALID", "invalid ML-DSA-65 SPKI public key (RFC 9881 encoding expected)");
  }
  return der.slice(SPKI_PREFIX.byteLength);
}

/** An ML-DSA-65 public key from its raw 1952-byte FIPS 204 encoding. */
export function mlDsaPublicKey(raw: Uint8Array): PublicKey {
  if (raw.byteLength !== ML_DSA_65.publicKey) {
    throw new WardenError(
      "E_INPUT_INVALID",
      `ML-DSA-65 public key must be ${ML_DSA_65.publicKey} bytes, got ${raw.byteLength}`,
    );
  }
  const bytes = raw.slice();
  const keyId = sha256Hex(bytes);
  return {
    type: "ml-dsa-65",
    keyId,
    bytes,
    verify(data, sig) {
      if (sig.byteLength !== ML_DSA_65.signature) return false;
      try {
        return ml_dsa65.verify(sig, data, bytes);
      } catch {
        return false;
      }
    },
    toPem: () => toPem("PUBLIC KEY", mlDsaSpki(bytes)),
    toJwk: () => ({ kty: "AKP", alg: "ML-DSA-65", pub: toBase64Url(bytes), kid: keyId }),
  };
}

/** Rebuilds an ML-DSA-65 signer from its 32-byte seed ξ (FIPS 204 ML-DSA.KeyGen_internal). */
export function mlDsaSignerFromSecret(seed: Uint8Array): Signer {
  if (seed.byteLength !== ML_DSA_65.seed) {
    throw new WardenError("E_KEY_TYPE", `ML-DSA-65 seed must be ${ML_DSA_65.seed} bytes, got ${seed.byteLength}`);
  }
  const { publicKey, secretKey } = ml_dsa65.keygen(seed);
  const pub = mlDsaPublicKey(publicKey);
  return {
    type: "ml-dsa-65",
    keyId: pub.keyId,
    sign: (data) => ml_dsa65.sign(data, secretKey),
    publicKey: () => pub,
  };
}

/** Generates a fresh ML-DSA-65 key pair; `secret` is the seed to be stored encrypted. */
export function generateMlDsa(): { signer: Signer; secret: Uint8Array } {
  const secret = new Uint8Array(randomBytes(ML_DSA_65.seed));
  return { signer: mlDsaSignerFromSecret(secret), secret };
}
