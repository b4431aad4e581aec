/**
 * Envelope encryption of byte streams in the WARDENC v1 format (see stream-format.ts): a fresh data key per object,
 * wrapped by the current workspace encryption key, and AES-256-GCM chunks with STREAM nonces, sealed in batches of about
 * 1 MiB (chunk-cipher.ts). Memory stays flat: about one batch is held at a time, whatever the input size.
 */
import { randomBytes } from "node:crypto";
import type { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { isWardenError } from "../errors.ts";
import { ByteReader } from "./byte-reader.ts";
import { type ChunkCipher, chunkCipher } from "./chunk-cipher.ts";
import {
  checkChunkSize,
  DEFAULT_CHUNK,
  decryptFailed,
  HEADER_LENGTH,
  newHeader,
  parseHeader,
  type StreamHeader,
  setKeyId,
  setWrapped,
  TAG_LENGTH,
} from "./stream-format.ts";
import type { WrappingKey, WrappingKeys } from "./wrapping-key.ts";

const BATCH_BYTES = 1 << 20;

/** Options for encryption. */
export interface EncryptOptions {
  /** Plaintext bytes per chunk (1 KiB .. 16 MiB, default 64 KiB). */
  chunkSize?: number;
}

/** A byte source: a Node Readable, or any async iterable of byte chunks (which must not be mutated once yielded). */
export type ByteSource = AsyncIterable<Uint8Array>;

/** Creates a header with a fresh data key wrapped under the current workspace encryption key. */
export async function newObject(
  keys: WrappingKeys,
  chunkSize: number,
): Promise<{ header: StreamHeader; dataKey: Uint8Array }> {
  const wk = await keys.currentWrappingKey();
  const bytes = newHeader(checkChunkSize(chunkSize), randomBytes(7));
  const dataKey = new Uint8Array(randomBytes(32));
  setWrapped(bytes, wk.wrap(dataKey, setKeyId(bytes, wk.id)));
  return { header: parseHeader(bytes), dataKey };
}

/** Recovers the data key of a parsed header; E_DECRYPT_FAILED for an unknown key id or a bad wrapping. */
export async function unwrapDataKey(header: StreamHeader, keys: WrappingKeys): Promise<Uint8Array> {
  let wk: WrappingKey;
  try {
    wk = await keys.wrappingKey(header.keyId);
  } catch (e) {
    if (isWardenError(e, "E_KEY_NOT_FOUND")) {
      throw decryptFailed(
        `the object is encrypted under workspace key ${header.keyId}, which this keyring does not hold`,
      );
    }
    throw e;
  }
  const dataKey = wk.unwrap(header.wrapped, header.wrapAad);
  if (dataKey?.byteLength !== 32) throw decryptFailed("the data key does not unwrap (wrong key or altered header)");
  return dataKey;
}

/** Chunks per batch handed to the cipher: about 1 MiB of plaintext. */
export function batchChunks(chunkSize: number): number {
  return Math.max(1, Math.floor(BATCH_BYTES / chunkSize));
}

/** Bytes of plaintext (`sealed` false) or of stored records (`sealed` true) per batch: the best read size. */
export function batchBytes(chunkSize: number, sealed: boolean): number {
  return batchChunks(chunkSize) * (chunkSize + (sealed ? TAG_LENGTH : 0));
}

/**
 * Opens one batch of stored records (chunks from `counter`; `final` when it ends the object), into `out` when given.
 * Throws E_DECRYPT_FAILED for a missing, truncated, altered or empty final chunk.
 */
export function openBatch(
  cipher: ChunkCipher,
  records: Uint8Array,
  counter: number,
  final: boolean,
  out?: Uint8Array,
): Uint8Array {
  if (records.byteLength === 0) {
    throw decryptFailed(counter === 0 ? "no data after the header" : "the final chunk is missing (truncated)");
  }
  const record = cipher.chunkSize + TAG_LENGTH;
  const chunks = Math.ceil(records.byteLength / record);
  const last = records.byteLength - (chunks - 1) * record;
  if (last < TAG_LENGTH) throw decryptFailed("the final chunk is missing (truncated)");
  const plain = cipher.open(records, counter, final, out);
  if (typeof plain === "number") {
    throw decryptFailed(`chunk ${plain} fails authentication (altered, reordered, truncated or wrong key)`);
  }
  if (final && counter + chunks > 1 && last === TAG_LENGTH) throw decryptFailed("empty final chunk");
  return plain;
}

async function* encryptChunks(
  source: ByteSource,
  header: StreamHeader,
  dataKey: Uint8Array,
): AsyncGenerator<Uint8Array> {
  const cipher = chunkCipher(dataKey, header);
  const reader = new ByteReader(source);
  const batch = batchBytes(header.chunkSize, false);
  yield header.bytes;
  try {
    for (let counter = 0; ; counter += batchChunks(header.chunkSize)) {
      const plain = await reader.read(batch);
      const final = plain.byteLength < batch || (await reader.atEnd());
      yield cipher.seal(plain, counter, final);
      if (final) return;
    }
  } finally {
    await reader.close();
  }
}

async function* decryptChunks(
  reader: ByteReader,
  header: StreamHeader,
  dataKey: Uint8Array,
): AsyncGenerator<Uint8Array> {
  const cipher = chunkCipher(dataKey, header);
  const batch = batchBytes(header.chunkSize, true);
  for (let counter = 0; ; counter += batchChunks(header.chunkSize)) {
    const records = await reader.read(batch);
    const final = records.byteLength < batch || (await reader.atEnd());
    yield openBatch(cipher, records, counter, final);
    if (final) return;
  }
}

/** Reads and parses the header at the start of `reader`, then unwraps the data key. */
async function openHeader(
  reader: ByteReader,
  keys: WrappingKeys,
): Promise<{ header: StreamHeader; dataKey: Uint8Array }> {
  const header = parseHeader((await reader.read(HEADER_LENGTH)).slice());
  return { header, dataKey: await unwrapDataKey(header, keys) };
}

/**
 * Encrypts `source` into the WARDENC v1 format as an async iterable of output chunks (header first). The data key is
 * fresh and wrapped under `keys.currentWrappingKey()`.
 */
export async function encryptIterable(
  keys: WrappingKeys,
  source: ByteSource,
  options: EncryptOptions = {},
): Promise<AsyncIterable<Uint8Array>> {
  const { header, dataKey } = await newObject(keys, options.chunkSize ?? DEFAULT_CHUNK);
  return encryptChunks(source, header, dataKey);
}

/**
 * Decrypts a WARDENC v1 object as an async iterable of plaintext chunks. Each chunk is authenticated before it is
 * yielded, but truncation is only detected at the end: treat the output as untrusted until iteration completes
 * without E_DECRYPT_FAILED (decryptFile does this for you).
 */
export async function decryptIterable(keys: WrappingKeys, source: ByteSource): Promise<AsyncIterable<Uint8Array>> {
  const reader = new ByteReader(source);
  try {
    const { header, dataKey } = await openHeader(reader, keys);
    return decryptChunks(reader, header, dataKey);
  } catch (e) {
    await reader.close();
    throw e;
  }
}

/** Encrypts `source` into `destination` (a Node Writable), honouring backpressure. */
export async function encryptStream(
  source: ByteSource,
  destination: Writable,
  keys: WrappingKeys,
  options: EncryptOptions = {},
): Promise<void> {
  const encrypted = await encryptIterable(keys, source, options);
  await pipeline(encrypted, destination);
}

/**
 * Decrypts `source` into `destination`. Rejects with E_DECRYPT_FAILED on any tampering; plaintext already written
 * before a truncation is detected must then be discarded by the caller (see {@link decryptIterable}).
 */
export async function decryptStream(source: ByteSource, destination: Writable, keys: WrappingKeys): Promise<void> {
  const decrypted = await decryptIterable(keys, source);
  await pipeline(decrypted, destination);
}

async function* once(data: Uint8Array): AsyncGenerator<Uint8Array> {
  yield data;
}

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of chunks) parts.push(c);
  return new Uint8Array(Buffer.concat(parts));
}

/** Encrypts a small object held in memory (same format as files and streams). */
export async function encryptBuffer(
  data: Uint8Array,
  keys: WrappingKeys,
  options: EncryptOptions = {},
): Promise<Uint8Array> {
  return collect(await encryptIterable(keys, once(data), options));
}

/** Decrypts a WARDENC v1 object held in memory; E_DECRYPT_FAILED on any tampering or a wrong key. */
export async function decryptBuffer(data: Uint8Array, keys: WrappingKeys): Promise<Uint8Array> {
  return collect(await decryptIterable(keys, once(data)));
}
