/**
 * Warden's cryptography: SHA-256 digests, signing keys (Ed25519, ECDSA P-256/P-384, ML-DSA-65, hybrid Ed25519 +
 * ML-DSA-65) in a keyring encrypted at rest, DSSE envelopes with in-toto Statement v1 payloads, and chunked envelope
 * encryption of objects and streams under rotatable workspace encryption keys.
 */

export { aesGcmBackend } from "./chunk-cipher.ts";
export { sha256, sha256File, sha256Hex } from "./digest.ts";
export {
  DSSE_LIMITS,
  type DsseEnvelope,
  type DsseSignature,
  type KeyResolver,
  pae,
  parseEnvelope,
  signEnvelope,
  type VerifiedEnvelope,
  verifyEnvelope,
} from "./dsse.ts";
export { encodeParts, fromHex, toBase64, toBase64Url, toHex, tryDecodeParts, tryFromBase64 } from "./encoding.ts";
export { decryptFile, encryptFile, type RewrapResult, rewrapFile } from "./file-crypto.ts";
export { type HashResult, type HashTask, hashTasks } from "./hash-pool.ts";
export { decodeHybridSignature, encodeHybridSignature, HYBRID_PEM_LABEL } from "./hybrid.ts";
export {
  buildStatement,
  INTOTO_PAYLOAD_TYPE,
  INTOTO_STATEMENT_V1,
  parseStatement,
  type ResourceDescriptor,
  STATEMENT_LIMITS,
  type Statement,
  signStatement,
  verifyStatement,
} from "./in-toto.ts";
export { DEFAULT_SCRYPT, type KekSource, kekSourceFromEnv, type ScryptParams } from "./kek.ts";
export { type EncryptionKeyInfo, KEY_NAME, KeyRing, type KeyRingOptions } from "./keyring.ts";
export { ML_DSA_65 } from "./ml-dsa.ts";
export { publicKeyFromBytes, publicKeyFromJwk, publicKeyFromPem } from "./public-key.ts";
export {
  type ByteSource,
  decryptBuffer,
  decryptIterable,
  decryptStream,
  type EncryptOptions,
  encryptBuffer,
  encryptIterable,
  encryptStream,
} from "./stream-crypto.ts";
export { DEFAULT_CHUNK as DEFAULT_ENCRYPTION_CHUNK } from "./stream-format.ts";
export { isKeyType, KEY_TYPES, type KeyInfo, type KeyType, type PublicKey, type Signer } from "./types.ts";
export type { WrappingKey, WrappingKeys } from "./wrapping-key.ts";
