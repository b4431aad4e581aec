/**
 * The key model shared by every signing algorithm Warden supports: key types, key metadata, signers (private halves)
 * and public keys (verifiers). Implementations live beside this file; everything is re-exported from `index.ts`.
 */

/**
 * Signature algorithms:
 * - `ed25519`: EdDSA over edwards25519 (RFC 8032), pure (no prehash).
 * - `ecdsa-p256`: ECDSA over NIST P-256 with SHA-256 (FIPS 186-5), DER-encoded signatures (RFC 3279 §2.2.3).
 * - `ecdsa-p384`: ECDSA over NIST P-384 with SHA-384, DER-encoded signatures.
 * - `ml-dsa-65`: ML-DSA-65 (FIPS 204), pure mode, empty context, hedged signing.
 * - `hybrid`: Ed25519 + ML-DSA-65 over the same message; verifies only when both halves verify.
 */
export type KeyType = "ed25519" | "ecdsa-p256" | "ecdsa-p384" | "ml-dsa-65" | "hybrid";

/** Every supported key type, in a stable order. */
export const KEY_TYPES: readonly KeyType[] = ["ed25519", "ecdsa-p256", "ecdsa-p384", "ml-dsa-65", "hybrid"];

/** True when `value` names a supported key type. */
export function isKeyType(value: unknown): value is KeyType {
  return typeof value === "string" && (KEY_TYPES as readonly string[]).includes(value);
}

/** Metadata of a named key in a {@link KeyRing}; never contains secret material. */
export interface KeyInfo {
  name: string;
  type: KeyType;
  /** Lowercase hex SHA-256 of {@link PublicKey.bytes}. */
  keyId: string;
  /** ISO 8601 UTC creation time. */
  createdAt: string;
}

/** A public key able to verify signatures made by the matching {@link Signer}. */
export interface PublicKey {
  readonly type: KeyType;
  /** Lowercase hex SHA-256 of {@link bytes}. */
  readonly keyId: string;
  /**
   * The encoded public key: SPKI DER (RFC 5280 §4.1.2.7) for `ed25519` and `ecdsa-*`; the raw 1952-byte FIPS 204
   * public key for `ml-dsa-65`; for `hybrid`, `u32be(len) || ed25519 SPKI DER || u32be(len) || ml-dsa-65 raw key`.
   */
  readonly bytes: Uint8Array;
  /** The two halves of a hybrid key (each usable on its own, e.g. for signed-note signature lines). */
  readonly parts?: { readonly ed25519: PublicKey; readonly mlDsa: PublicKey };
  /** True when `sig` is a valid signature of `data`; false for any malformed signature (never throws). */
  verify(data: Uint8Array, sig: Uint8Array): boolean;
  /** PEM: `PUBLIC KEY` (SPKI) for single keys, `WARDEN HYBRID PUBLIC KEY` for hybrid keys. */
  toPem(): string;
  /** JWK (RFC 7517); see `publicKeyFromJwk` for the ML-DSA and hybrid representations. */
  toJwk(): Record<string, unknown>;
}

/** A private key that signs; obtained from a KeyRing (decrypted in memory only). */
export interface Signer {
  readonly type: KeyType;
  readonly keyId: string;
  /** The two halves of a hybrid signer. */
  readonly parts?: { readonly ed25519: Signer; readonly mlDsa: Signer };
  /** Signs `data` (the whole message; hashing is part of the algorithm). Hybrid: see `encodeHybridSignature`. */
  sign(data: Uint8Array): Uint8Array;
  publicKey(): PublicKey;
}
