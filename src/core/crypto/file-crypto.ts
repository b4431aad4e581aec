/**
 * Envelope encryption of files in the WARDENC v1 format (stream-format.ts). Outputs are written to a temp file beside
 * the target and renamed into place only on success, so a failure (including a tampered input found at its very
 * end) never leaves a partial ciphertext or plaintext behind. `rewrapFile` implements key rotation for an object by
 * rewriting its 76-byte key slot in place.
 */
import { createWriteStream } from "node:fs";
import { open, rename, rm } from "node:fs/promises";
import { pipeline } from "node:stream/promises";
import { WardenError } from "../errors.ts";
import { tempPathFor } from "./atomic-file.ts";
import { decryptIterable, type EncryptOptions, encryptIterable, unwrapDataKey } from "./stream-crypto.ts";
import {
  DEFAULT_CHUNK,
  HEADER_LENGTH,
  KEY_SLOT,
  parseHeader,
  setKeyId,
  setWrapped,
  TAG_LENGTH,
} from "./stream-format.ts";
import type { WrappingKeys } from "./wrapping-key.ts";

async function writeVia(what: string, outPath: string, produce: (tmp: string) => Promise<void>): Promise<void> {
  const tmp = tempPathFor(outPath);
  try {
    await produce(tmp);
    await rename(tmp, outPath);
  } catch (e) {
    await rm(tmp, { force: true });
    if (e instanceof WardenError) throw e;
    throw new WardenError("E_IO", `cannot ${what} to ${outPath}: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * Reads `path` as a first piece of `firstSize` bytes, then pieces of `size` bytes, each in a fresh buffer, so framed
 * data arrives aligned and is never copied again. The next read is issued before a piece is handed on, so disk reads
 * overlap with the consumer's work; at most two pieces are in memory.
 */
async function* readPieces(path: string, firstSize: number, size: number): AsyncGenerator<Uint8Array> {
  const fh = await open(path, "r");
  const readPiece = async (want: number) => {
    const buf = Buffer.allocUnsafe(want);
    const { bytesRead } = await fh.read(buf, 0, want, null);
    return bytesRead === want ? buf : buf.subarray(0, bytesRead);
  };
  let next = readPiece(firstSize);
  try {
    for (;;) {
      const piece = await next;
      if (piece.byteLength === 0) return;
      next = readPiece(size);
      yield piece;
    }
  } finally {
    await next.catch(() => undefined);
    await fh.close();
  }
}

/** A write stream for a fresh temp file that buffers a few chunks, so writes overlap with encryption. */
function tempWriter(tmp: string, chunkSize: number) {
  return createWriteStream(tmp, { flags: "wx", mode: 0o600, highWaterMark: 4 * chunkSize });
}

async function syncFile(path: string): Promise<void> {
  const fh = await open(path, "r");
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Encrypts `inPath` to `outPath` (mode 0600), atomically. */
export async function encryptFile(
  inPath: string,
  outPath: string,
  keys: WrappingKeys,
  options: EncryptOptions = {},
): Promise<void> {
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK;
  await writeVia(`encrypt ${inPath}`, outPath, async (tmp) => {
    const source = readPieces(inPath, chunkSize, chunkSize);
    await pipeline(await encryptIterable(keys, source, { chunkSize }), tempWriter(tmp, chunkSize));
    await syncFile(tmp);
  });
}

/**
 * Decrypts `inPath` to `outPath` (mode 0600), atomically: on E_DECRYPT_FAILED (tampering, truncation, wrong key) no
 * output file is left behind.
 */
export async function decryptFile(inPath: string, outPath: string, keys: WrappingKeys): Promise<void> {
  const header = await readHeader(inPath);
  await writeVia(`decrypt ${inPath}`, outPath, async (tmp) => {
    const source = readPieces(inPath, HEADER_LENGTH, header.chunkSize + TAG_LENGTH);
    await pipeline(await decryptIterable(keys, source), tempWriter(tmp, header.chunkSize));
    await syncFile(tmp);
  });
}

async function readHeader(path: string) {
  const fh = await open(path, "r").catch((e: Error) => {
    throw new WardenError("E_IO", `cannot open ${path}: ${e.message}`, { cause: e });
  });
  try {
    const buf = new Uint8Array(HEADER_LENGTH);
    const { bytesRead } = await fh.read(buf, 0, HEADER_LENGTH, 0);
    return parseHeader(buf.subarray(0, bytesRead));
  } finally {
    await fh.close();
  }
}

/** What {@link rewrapFile} did. */
export interface RewrapResult {
  /** Wrapping key id before and after. */
  from: string;
  to: string;
  /** False when the file was already wrapped under the current key. */
  changed: boolean;
}

/**
 * Key rotation for one encrypted file: unwraps its data key with the key version named in its header and re-wraps it
 * under `keys.currentWrappingKey()`, rewriting only the 76-byte key slot (one positioned write, then fsync); the
 * chunks are not re-encrypted and stay byte-for-byte identical. E_DECRYPT_FAILED when the data key does not unwrap.
 */
export async function rewrapFile(path: string, keys: WrappingKeys): Promise<RewrapResult> {
  const header = await readHeader(path);
  const dataKey = await unwrapDataKey(header, keys);
  const current = await keys.currentWrappingKey();
  if (current.id === header.keyId) return { from: header.keyId, to: current.id, changed: false };
  const bytes = header.bytes.slice();
  setWrapped(bytes, current.wrap(dataKey, setKeyId(bytes, current.id)));
  dataKey.fill(0);
  const fh = await open(path, "r+");
  try {
    await fh.write(bytes, KEY_SLOT.offset, KEY_SLOT.length, KEY_SLOT.offset);
    await fh.sync();
  } finally {
    await fh.close();
  }
  return { from: header.keyId, to: current.id, changed: true };
}
