/**
 * Key generation and reconstruction for every key type, dispatching to the algorithm files. `secret` is the private
 * key's storage encoding (PKCS#8 DER, ML-DSA seed, or the hybrid framing), which only ever leaves memory encrypted.
 */
import { classicSignerFromSecret, generateClassic } from "./classic-keys.ts";
import { generateHybrid, hybridSignerFromSecret } from "./hybrid.ts";
import { generateMlDsa, mlDsaSignerFromSecret } from "./ml-dsa.ts";
import type { KeyType, Signer } from "./types.ts";

/** Generates a key pair of `type`. */
export function generateKey(type: KeyType): { signer: Signer; secret: Uint8Array } {
  switch (type) {
    case "hybrid":
      return generateHybrid();
    case "ml-dsa-65":
      return generateMlDsa();
    default:
      return generateClassic(type);
  }
}

/** Rebuilds the signer of `type` from its storage encoding. */
export function signerFromSecret(type: KeyType, secret: Uint8Array): Signer {
  switch (type) {
    case "hybrid":
      return hybridSignerFromSecret(secret);
    case "ml-dsa-65":
      return mlDsaSignerFromSecret(secret);
    default:
      return classicSignerFromSecret(type, secret);
  }
}
