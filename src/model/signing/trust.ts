/**
 * Trusted signers for OMS verification: Warden public keys (single or hybrid Ed25519 + ML-DSA-65, where every half
 * must have signed) and PEM public keys, identified by the OMS key hint (hex SHA-256 of the PEM).
 */

import { WardenError } from "../../core/errors.ts";
import { type PublicKey, publicKeyFromPem } from "../../core/index.ts";
import { type DsseVerifier, keyHint, pemBlocks, verifierFromPem } from "./keys.ts";

/**
 * A trusted signer: one key, or a hybrid whose every part must have signed. `hint` identifies it in bundles (OMS
 * hint for single keys; for hybrids the hint of the hybrid public key PEM).
 */
export interface TrustedKey {
  name?: string;
  type: string;
  hint: string;
  parts: DsseVerifier[];
}

/** OMS key hint of a Warden public key: SHA-256 of its PEM (SPKI for single keys, the hybrid PEM for hybrids). */
export function publicKeyHint(pk: PublicKey): string {
  return keyHint(pk.toPem());
}

/** Wraps a single-key verifier as a trusted key. */
export function trustedKey(v: DsseVerifier, name?: string): TrustedKey {
  return name === undefined
    ? { type: v.type, hint: v.hint, parts: [v] }
    : { name, type: v.type, hint: v.hint, parts: [v] };
}

/** A trusted key from a Warden public key; hybrids require both halves. */
export function trustedKeyFromPublicKey(pk: PublicKey, name?: string): TrustedKey {
  const part = (k: PublicKey): DsseVerifier => ({
    type: k.type,
    hint: publicKeyHint(k),
    verify: (d, s) => k.verify(d, s),
  });
  const parts = pk.type === "hybrid" && pk.parts ? [part(pk.parts.ed25519), part(pk.parts.mlDsa)] : [part(pk)];
  const base = { type: pk.type, hint: publicKeyHint(pk), parts };
  return name === undefined ? base : { ...base, name };
}

/**
 * Reads a trusted key from PEM text: a WARDEN HYBRID PUBLIC KEY block, or the first PUBLIC KEY block (Ed25519,
 * ECDSA P-256/P-384/P-521 or ML-DSA-65), ignoring text around it (certtool dumps).
 */
export function trustedKeyFromPem(text: string, where: string, name?: string): TrustedKey {
  const hybrid = pemBlocks(text, "WARDEN HYBRID PUBLIC KEY")[0];
  const single = pemBlocks(text, "PUBLIC KEY")[0];
  const block = hybrid ?? single;
  if (!block) throw new WardenError("E_INPUT_INVALID", `${where}: no PUBLIC KEY block found`);
  try {
    return trustedKeyFromPublicKey(publicKeyFromPem(block), name);
  } catch (e) {
    if (hybrid) throw new WardenError("E_INPUT_INVALID", `${where}: invalid hybrid public key`, { cause: e });
    return trustedKey(verifierFromPem(block, where), name);
  }
}
