/**
 * The Warden encrypted-object format ("WARDENC" v1), used for files, streams and buffers alike. Modelled on age's
 * payload (https://age-encryption.org/v1) and the STREAM construction of Hoang, Reyhanitabar, Rogaway and Vizár,
 * "Online Authenticated-Encryption and its Nonce-Reuse Misuse-Resistance" (CRYPTO 2015):
 *
 * ```
 * offset size  field
 *      0    8  magic "WARDENC" followed by the format version byte 0x01
 *      8    1  algorithm: 0x01 = AES-256-GCM chunks, STREAM nonces
 *      9    4  chunk size in bytes, big-endian (1 KiB .. 16 MiB)
 *     13    7  nonce prefix (random per object)
 *     20   16  id of the workspace encryption key that wraps the data key          } the key slot, rewritten by
 *     36   60  wrapped data key: AES-256-GCM(wrapping key, nonce 12, key 32, tag 16) } rotation (`rewrapFile`)
 *     96       chunks: each AES-256-GCM(data key, nonce, plaintext) || tag(16)
 * ```
 * - The data key is 256 random bits, fresh for every object. Its wrapping binds bytes 0..36 (the fixed header plus the
 *   wrapping key id) as associated data.
 * - Chunk i's 96-bit nonce is `nonce prefix (7) || u32be(i) || final flag (1 byte: 0x01 for the last chunk, else 0x00)`,
 *   and every chunk authenticates header bytes 0..20 as associated data. Every chunk but the last holds exactly
 *   `chunk size` plaintext bytes; the last holds 1..chunk size bytes (0 only when the whole object is empty). Hence
 *   reordered, dropped, duplicated or altered chunks, a missing final chunk (truncation) and data after it
 *   (extension) all fail authentication, and so does any change to the fixed header.
 * - The key slot (bytes 20..96) is deliberately outside the chunks' associated data, so rotation can re-wrap the data
 *   key under a new workspace key version by rewriting 76 bytes in place, without touching the data.
 */
import { WardenError } from "../errors.ts";
import { toHex } from "./encoding.ts";

export const MAGIC = Uint8Array.from([0x57, 0x41, 0x52, 0x44, 0x45, 0x4e, 0x43, 0x01]);
export const ALG_AES_256_GCM = 0x01;
export const HEADER_LENGTH = 96;
/** Length of the header prefix authenticated by every chunk. */
export const FIXED_LENGTH = 20;
/** Offset and length of the key slot (wrapping key id + wrapped data key). */
export const KEY_SLOT = { offset: 20, length: 76 } as const;
export const WRAPPED_LENGTH = 60;
export const TAG_LENGTH = 16;
export const MIN_CHUNK = 1024;
export const MAX_CHUNK = 16 * 1024 * 1024;
/** Default plaintext chunk size: 64 KiB, as age uses. */
export const DEFAULT_CHUNK = 64 * 1024;
/** Most chunks one object may have (the counter is 32 bits). */
export const MAX_CHUNKS = 2 ** 32;

/** A parsed header. `fixed` and `wrapAad` are views for use as associated data. */
export interface StreamHeader {
  bytes: Uint8Array;
  chunkSize: number;
  noncePrefix: Uint8Array;
  /** Wrapping key id as 32 lowercase hex characters. */
  keyId: string;
  wrapped: Uint8Array;
  /** Bytes 0..20: associated data of every chunk. */
  fixed: Uint8Array;
  /** Bytes 0..36: associated data of the data-key wrapping. */
  wrapAad: Uint8Array;
}

/** Throws E_DECRYPT_FAILED: the one error for any object that does not decrypt. */
export function decryptFailed(what: string): WardenError {
  return new WardenError("E_DECRYPT_FAILED", `decryption failed: ${what}`);
}

/** Checks a chunk size option; throws E_USAGE when out of range. */
export function checkChunkSize(chunkSize: number): number {
  if (!Number.isInteger(chunkSize) || chunkSize < MIN_CHUNK || chunkSize > MAX_CHUNK) {
    throw new WardenError(
      "E_USAGE",
      `chunk size must be an integer from ${MIN_CHUNK} to ${MAX_CHUNK}, got ${chunkSize}`,
    );
  }
  return chunkSize;
}

/** Writes the fixed part of a header (bytes 0..20); the key slot is filled by {@link setKeySlot}. */
export function newHeader(chunkSize: number, noncePrefix: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(HEADER_LENGTH);
  bytes.set(MAGIC, 0);
  bytes[8] = ALG_AES_256_GCM;
  new DataView(bytes.buffer).setUint32(9, checkChunkSize(chunkSize));
  bytes.set(noncePrefix.subarray(0, 7), 13);
  return bytes;
}

/** Writes the wrapping key id (16 bytes, from hex) into the header and returns the wrap AAD (bytes 0..36). */
export function setKeyId(header: Uint8Array, keyIdHex: string): Uint8Array {
  header.set(Buffer.from(keyIdHex, "hex"), KEY_SLOT.offset);
  return header.subarray(0, KEY_SLOT.offset + 16);
}

/** Writes the wrapped data key into the header. */
export function setWrapped(header: Uint8Array, wrapped: Uint8Array): void {
  if (wrapped.byteLength !== WRAPPED_LENGTH) throw new WardenError("E_INTERNAL", "wrapped data key has wrong length");
  header.set(wrapped, KEY_SLOT.offset + 16);
}

/** Parses and checks the 96 header bytes; E_DECRYPT_FAILED when they are not a Warden v1 header. */
export function parseHeader(bytes: Uint8Array): StreamHeader {
  if (bytes.byteLength < HEADER_LENGTH) throw decryptFailed("input is too short to be a Warden encrypted object");
  if (!MAGIC.every((b, i) => bytes[i] === b)) throw decryptFailed("input is not a Warden encrypted object (bad magic)");
  if (bytes[8] !== ALG_AES_256_GCM) throw decryptFailed(`unknown algorithm ${bytes[8]}`);
  const chunkSize = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(9);
  if (chunkSize < MIN_CHUNK || chunkSize > MAX_CHUNK) throw decryptFailed(`chunk size ${chunkSize} out of range`);
  const header = bytes.subarray(0, HEADER_LENGTH);
  return {
    bytes: header,
    chunkSize,
    noncePrefix: header.subarray(13, 20),
    keyId: toHex(header.subarray(20, 36)),
    wrapped: header.subarray(36, 96),
    fixed: header.subarray(0, FIXED_LENGTH),
    wrapAad: header.subarray(0, 36),
  };
}

/** The STREAM nonce of chunk `counter`. */
export function chunkNonce(prefix: Uint8Array, counter: number, final: boolean): Uint8Array {
  const nonce = new Uint8Array(12);
  nonce.set(prefix, 0);
  new DataView(nonce.buffer).setUint32(7, counter);
  nonce[11] = final ? 1 : 0;
  return nonce;
}
