/**
 * One-shot AES-256-GCM (NIST SP 800-38D) sealing of small secrets with a random 96-bit nonce:
 * `sealed = nonce(12) || ciphertext || tag(16)`. Used for private keys at rest and for wrapping data keys.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

const NONCE = 12;
const TAG = 16;

/** A plain Uint8Array view of a Buffer (no copy). */
function bytesOf(buf: Buffer): Uint8Array {
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** Encrypts and authenticates `plaintext` under the 32-byte `key`, binding `aad`. */
export function seal(key: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
  const nonce = randomBytes(NONCE);
  const cipher = createCipheriv("aes-256-gcm", key, nonce);
  cipher.setAAD(aad);
  return bytesOf(Buffer.concat([nonce, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]));
}

/** Decrypts a {@link seal} output; undefined when the key, the AAD or the bytes are wrong. */
export function open(key: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array | undefined {
  if (sealed.byteLength < NONCE + TAG) return undefined;
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, sealed.subarray(0, NONCE));
    decipher.setAAD(aad);
    decipher.setAuthTag(sealed.subarray(sealed.byteLength - TAG));
    return bytesOf(Buffer.concat([decipher.update(sealed.subarray(NONCE, sealed.byteLength - TAG)), decipher.final()]));
  } catch {
    return undefined;
  }
}
