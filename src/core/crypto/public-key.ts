/**
 * Importing public keys from their exported forms: PEM (RFC 7468 SPKI `PUBLIC KEY`, or `WARDEN HYBRID PUBLIC KEY`),
 * JWK (RFC 7517/8037 OKP, RFC 7518 EC, draft-ietf-cose-dilithium AKP for ML-DSA-65, a two-key JWK Set for hybrid)
 * and the raw `PublicKey.bytes` encoding.
 */
import { createPublicKey, type JsonWebKey } from "node:crypto";
import { WardenError } from "../errors.ts";
import { classicPublicKey, classicPublicKeyFromSpki } from "./classic-keys.ts";
import { tryFromBase64 } from "./encoding.ts";
import { HYBRID_PEM_LABEL, hybridPublicKey, hybridPublicKeyFromBytes } from "./hybrid.ts";
import { isMlDsaSpki, mlDsaPublicKey, mlDsaRawFromSpki } from "./ml-dsa.ts";
import { parsePem } from "./pem.ts";
import type { KeyType, PublicKey } from "./types.ts";

/** Parses a PEM public key: SPKI (Ed25519, EC P-256/P-384, ML-DSA-65) or a Warden hybrid key. */
export function publicKeyFromPem(pem: string): PublicKey {
  const { label, der } = parsePem(pem);
  if (label === HYBRID_PEM_LABEL) return hybridPublicKeyFromBytes(der);
  if (label !== "PUBLIC KEY") {
    throw new WardenError("E_KEY_TYPE", `unsupported PEM label "${label}": expected PUBLIC KEY or ${HYBRID_PEM_LABEL}`);
  }
  return isMlDsaSpki(der) ? mlDsaPublicKey(mlDsaRawFromSpki(der)) : classicPublicKeyFromSpki(der);
}

/** Rebuilds a public key from `PublicKey.bytes` and its type. */
export function publicKeyFromBytes(type: KeyType, bytes: Uint8Array): PublicKey {
  const key =
    type === "hybrid"
      ? hybridPublicKeyFromBytes(bytes)
      : type === "ml-dsa-65"
        ? mlDsaPublicKey(bytes)
        : classicPublicKeyFromSpki(bytes);
  if (key.type !== type) throw new WardenError("E_KEY_TYPE", `public key is ${key.type}, expected ${type}`);
  return key;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Parses a JWK: OKP Ed25519 (RFC 8037), EC P-256/P-384 (RFC 7518 §6.2), `{kty:"AKP", alg:"ML-DSA-65", pub}`
 * (draft-ietf-cose-dilithium), or a JWK Set `{keys:[Ed25519, ML-DSA-65]}` for a hybrid key. Only public members are
 * read; a JWK carrying private members (`d`, `priv`) is refused so secrets are not passed around by mistake.
 */
export function publicKeyFromJwk(jwk: unknown): PublicKey {
  if (!isObject(jwk)) throw new WardenError("E_INPUT_INVALID", "JWK must be a JSON object");
  if (Array.isArray(jwk.keys)) {
    if (jwk.keys.length !== 2) throw new WardenError("E_INPUT_INVALID", "hybrid JWK Set must hold exactly 2 keys");
    return hybridPublicKey(publicKeyFromJwk(jwk.keys[0]), publicKeyFromJwk(jwk.keys[1]));
  }
  if ("d" in jwk || "priv" in jwk) {
    throw new WardenError("E_INPUT_INVALID", "JWK contains private key material; export and pass the public key only");
  }
  if (jwk.kty === "AKP") {
    const raw = typeof jwk.pub === "string" ? tryFromBase64(jwk.pub) : undefined;
    if (jwk.alg !== "ML-DSA-65" || !raw) {
      throw new WardenError("E_KEY_TYPE", 'AKP JWK must have alg "ML-DSA-65" and a base64url "pub"');
    }
    return mlDsaPublicKey(raw);
  }
  if (jwk.kty !== "OKP" && jwk.kty !== "EC") {
    throw new WardenError("E_KEY_TYPE", `unsupported JWK kty ${JSON.stringify(jwk.kty)}: expected OKP, EC or AKP`);
  }
  try {
    return classicPublicKey(createPublicKey({ key: jwk as JsonWebKey, format: "jwk" }));
  } catch (e) {
    if (e instanceof WardenError) throw e;
    throw new WardenError("E_INPUT_INVALID", `invalid JWK: ${(e as Error).message}`, { cause: e });
  }
}
