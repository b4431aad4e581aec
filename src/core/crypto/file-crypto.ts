/**
 * Envelope encryption of files in the WARDENC v1 format (stream-format.ts). Outputs are written to a temp file beside
 * the target and renamed into place only on success, so a failure (including a tampered input found at its very
 * end) never leaves a partial ciphertext or plaintext behind. `rewrapFile` implements key rotation for an object by
 * rewriting its 76-byte key slot in place.
 */
import { type FileHandle, open, rename, rm, stat } from "node:fs/promises";
import { WardenError } from "../errors.ts";
import { tempPathFor } from "./atomic-file.ts";
import { chunkCipher } from "./chunk-cipher.ts";
import { batchBytes, batchChunks, type EncryptOptions, newObject, openBatch, unwrapDataKey } from "./stream-crypto.ts";
import {
  checkChunkSize,
  DEFAULT_CHUNK,
  HEADER_LENGTH,
  KEY_SLOT,
  parseHeader,
  setKeyId,
  setWrapped,
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

/** Batches in flight at once: one being read, one being sealed or opened, the others being written. */
const DEPTH = 4;

interface FileTransform {
  /** Where the input's batches start, and how many input bytes there are from there. */
  start: number;
  length: number;
  /** Input bytes per batch, and the most output bytes one batch can give. */
  unit: number;
  outUnit: number;
  /** Bytes written before the first batch (the header when encrypting). */
  prefix?: Uint8Array;
  /** Turns batch `index` into output written into `out`; `final` for the last batch. */
  step(input: Uint8Array, index: number, final: boolean, out: Uint8Array): Uint8Array;
}

/**
 * Streams `inPath` through `t.step` into the fresh file `tmp` (mode 0600) with positional reads and writes: the next
 * batch is read while the current one is processed, up to DEPTH writes are in flight, and the DEPTH pairs of buffers
 * are reused, so memory stays flat (about 8 MiB) and no page is faulted in per batch. The input length is fixed when
 * the file is opened; a file that shrinks meanwhile is an E_IO error.
 */
async function transformFile(inPath: string, tmp: string, t: FileTransform): Promise<void> {
  const src = await open(inPath, "r");
  try {
    const dst = await open(tmp, "wx", 0o600);
    const slots = Array.from({ length: DEPTH }, () => ({
      input: Buffer.allocUnsafe(t.unit),
      output: Buffer.allocUnsafe(t.outUnit),
      written: Promise.resolve(),
    }));
    const batches = Math.max(1, Math.ceil(t.length / t.unit));
    const readBatch = async (i: number) => {
      const slot = slots[i % DEPTH] as (typeof slots)[number];
      await slot.written;
      const want = Math.min(t.unit, t.length - i * t.unit);
      const { bytesRead } = await src.read(slot.input, 0, want, t.start + i * t.unit);
      if (bytesRead !== want) throw new WardenError("E_IO", `${inPath} changed while it was being read`);
      return slot.input.subarray(0, want);
    };
    let next: Promise<Uint8Array> | undefined;
    try {
      let at = 0;
      if (t.prefix) at = await writeAll(dst, t.prefix, 0);
      next = readBatch(0);
      for (let i = 0; i < batches; i++) {
        const input = await (next as Promise<Uint8Array>);
        next = i + 1 < batches ? readBatch(i + 1) : undefined;
        const slot = slots[i % DEPTH] as (typeof slots)[number];
        const out = t.step(input, i, i === batches - 1, slot.output);
        slot.written = writeAll(dst, out, at).then(() => undefined);
        at += out.byteLength;
      }
      await Promise.all(slots.map((s) => s.written));
      await dst.sync();
    } finally {
      // On failure, let the read ahead and the writes in flight settle before the handles close.
      await Promise.allSettled([next, ...slots.map((s) => s.written)]);
      await dst.close();
    }
  } finally {
    await src.close();
  }
}

/** Writes all of `bytes` at `position` (looping over short writes); the position after them. */
async function writeAll(fh: FileHandle, bytes: Uint8Array, position: number): Promise<number> {
  let done = 0;
  while (done < bytes.byteLength) {
    const { bytesWritten } = await fh.write(bytes, done, bytes.byteLength - done, position + done);
    if (bytesWritten === 0) throw new WardenError("E_IO", "the disk accepted no more bytes");
    done += bytesWritten;
  }
  return position + done;
}

async function fileSize(path: string): Promise<number> {
  return (
    await stat(path).catch((e: Error) => {
      throw new WardenError("E_IO", `cannot open ${path}: ${e.message}`, { cause: e });
    })
  ).size;
}

/** Encrypts `inPath` to `outPath` (mode 0600), atomically. */
export async function encryptFile(
  inPath: string,
  outPath: string,
  keys: WrappingKeys,
  options: EncryptOptions = {},
): Promise<void> {
  const chunkSize = checkChunkSize(options.chunkSize ?? DEFAULT_CHUNK);
  const length = await fileSize(inPath);
  const { header, dataKey } = await newObject(keys, chunkSize);
  const cipher = chunkCipher(dataKey, header);
  const per = batchChunks(chunkSize);
  await writeVia(`encrypt ${inPath}`, outPath, (tmp) =>
    transformFile(inPath, tmp, {
      start: 0,
      length,
      unit: batchBytes(chunkSize, false),
      outUnit: batchBytes(chunkSize, true),
      prefix: header.bytes,
      step: (plain, i, final, out) => cipher.seal(plain, i * per, final, out),
    }),
  );
}

/**
 * Decrypts `inPath` to `outPath` (mode 0600), atomically: on E_DECRYPT_FAILED (tampering, truncation, wrong key) no
 * output file is left behind.
 */
export async function decryptFile(inPath: string, outPath: string, keys: WrappingKeys): Promise<void> {
  const header = await readHeader(inPath);
  const dataKey = await unwrapDataKey(header, keys);
  const cipher = chunkCipher(dataKey, header);
  const length = (await fileSize(inPath)) - HEADER_LENGTH;
  const per = batchChunks(header.chunkSize);
  await writeVia(`decrypt ${inPath}`, outPath, (tmp) =>
    transformFile(inPath, tmp, {
      start: HEADER_LENGTH,
      length,
      unit: batchBytes(header.chunkSize, true),
      outUnit: batchBytes(header.chunkSize, false),
      step: (records, i, final, out) => openBatch(cipher, records, i * per, final, out),
    }),
  );
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
