/**
 * Hybrid signatures: Ed25519 (RFC 8032) and ML-DSA-65 (FIPS 204) over the same message, so a signature stays secure
 * while either algorithm does. A hybrid signature verifies only when BOTH halves verify.
 *
 * Encodings (each part preceded by its length as a 4-byte big-endian integer, see `encodeParts`):
 * - public key: `u32be(len) || Ed25519 SPKI DER || u32be(1952) || ML-DSA-65 raw public key`; PEM label
 *   `WARDEN HYBRID PUBLIC KEY`; JWK: a JWK Set (RFC 7517 §5) `{ keys: [Ed25519 OKP JWK, ML-DSA-65 AKP JWK] }`.
 * - signature: `u32be(64) || Ed25519 signature || u32be(3309) || ML-DSA-65 signature`.
 * - private key (stored encrypted only): `u32be(len) || Ed25519 PKCS#8 DER || u32be(32) || ML-DSA-65 seed`.
 * The halves are exposed as `parts` so that formats with one line per algorithm (signed-note checkpoints with an
 * Ed25519 signature and an ML-DSA cosignature) can use them separately. Unlike the IETF composite-signature drafts,
 * the message is not prefixed or prehashed: each half is a plain signature a standard verifier accepts.
 */
import { WardenError } from "../errors.ts";
import { classicPublicKeyFromSpki, classicSignerFromSecret, generateClassic } from "./classic-keys.ts";
import { sha256Hex } from "./digest.ts";
import { encodeParts, tryDecodeParts } from "./encoding.ts";
import { generateMlDsa, mlDsaPublicKey, mlDsaSignerFromSecret } from "./ml-dsa.ts";
import { toPem } from "./pem.ts";
import type { PublicKey, Signer } from "./types.ts";

/** PEM label of a hybrid public key. */
export const HYBRID_PEM_LABEL = "WARDEN HYBRID PUBLIC KEY";

/** Encodes the two halves of a hybrid signature. */
export function encodeHybridSignature(parts: { ed25519: Uint8Array; mlDsa: Uint8Array }): Uint8Array {
  return encodeParts([parts.ed25519, parts.mlDsa]);
}

/** Splits a hybrid signature into its halves; undefined when the framing is invalid. */
export function decodeHybridSignature(sig: Uint8Array): { ed25519: Uint8Array; mlDsa: Uint8Array } | undefined {
  const parts = tryDecodeParts(sig, 2);
  return parts?.[0] && parts[1] ? { ed25519: parts[0], mlDsa: parts[1] } : undefined;
}

/** Combines an Ed25519 and an ML-DSA-65 public key into a hybrid one. */
export function hybridPublicKey(ed25519: PublicKey, mlDsa: PublicKey): PublicKey {
  if (ed25519.type !== "ed25519" || mlDsa.type !== "ml-dsa-65") {
    throw new WardenError("E_KEY_TYPE", `a hybrid key needs ed25519 + ml-dsa-65, got ${ed25519.type} + ${mlDsa.type}`);
  }
  const bytes = encodeParts([ed25519.bytes, mlDsa.bytes]);
  return {
    type: "hybrid",
    keyId: sha256Hex(bytes),
    bytes,
    parts: { ed25519, mlDsa },
    verify(data, sig) {
      const halves = decodeHybridSignature(sig);
      if (!halves) return false;
      const edOk = ed25519.verify(data, halves.ed25519);
      const mlOk = mlDsa.verify(data, halves.mlDsa);
      return edOk && mlOk;
    },
    toPem: () => toPem(HYBRID_PEM_LABEL, bytes),
    toJwk: () => ({ keys: [ed25519.toJwk(), mlDsa.toJwk()] }),
  };
}

/** Parses the hybrid public-key encoding above. */
export function hybridPublicKeyFromBytes(bytes: Uint8Array): PublicKey {
  const parts = tryDecodeParts(bytes, 2);
  if (!parts?.[0] || !parts[1]) throw new WardenError("E_INPUT_INVALID", "invalid hybrid public key framing");
  return hybridPublicKey(classicPublicKeyFromSpki(parts[0]), mlDsaPublicKey(parts[1]));
}

function hybridSigner(ed25519: Signer, mlDsa: Signer): Signer {
  const pub = hybridPublicKey(ed25519.publicKey(), mlDsa.publicKey());
  return {
    type: "hybrid",
    keyId: pub.keyId,
    parts: { ed25519, mlDsa },
    sign: (data) => encodeHybridSignature({ ed25519: ed25519.sign(data), mlDsa: mlDsa.sign(data) }),
    publicKey: () => pub,
  };
}

/** Generates a hybrid key pair; `secret` is the private-key encoding above. */
export function generateHybrid(): { signer: Signer; secret: Uint8Array } {
  const ed = generateClassic("ed25519");
  const ml = generateMlDsa();
  return { signer: hybridSigner(ed.signer, ml.signer), secret: encodeParts([ed.secret, ml.secret]) };
}

/** Rebuilds a hybrid signer from its stored private-key encoding. */
export function hybridSignerFromSecret(secret: Uint8Array): Signer {
  const parts = tryDecodeParts(secret, 2);
  if (!parts?.[0] || !parts[1]) throw new WardenError("E_KEY_TYPE", "invalid hybrid private key framing");
  return hybridSigner(classicSignerFromSecret("ed25519", parts[0]), mlDsaSignerFromSecret(parts[1]));
}
