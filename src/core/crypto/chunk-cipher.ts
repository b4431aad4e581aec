/**
 * AES-256-GCM over batches of WARDENC v1 chunks (stream-format.ts): a batch is plaintext cut in `chunkSize` pieces on
 * the way in and the matching `ciphertext || tag` records, contiguous, on the way out — exactly the bytes the format
 * stores. Two interchangeable backends produce identical bytes: the system libcrypto through the `warden_gcm` addon
 * (native/warden_gcm.c, built at install when a C compiler is present; several times faster where libcrypto has the
 * VAES/AVX-512 code paths) and Node's own `node:crypto`. `WARDEN_NATIVE_CRYPTO=0` forces the latter.
 */
import { createCipheriv, createDecipheriv } from "node:crypto";
import { WardenError } from "../errors.ts";
import { loadAddon } from "../native.ts";
import { chunkNonce, MAX_CHUNKS, type StreamHeader, TAG_LENGTH } from "./stream-format.ts";

/** Seals or opens batches of consecutive chunks of one object. */
export interface ChunkCipher {
  readonly backend: "libcrypto" | "node";
  readonly chunkSize: number;
  /**
   * Seals `plain` as chunks numbered from `counter`; the last is sealed as the final chunk when `final`. An empty
   * `plain` yields one empty chunk (only valid as the whole object). Writes into `out` when given (reused buffers
   * spare the page faults of fresh ones) and returns the part of it written.
   */
  seal(plain: Uint8Array, counter: number, final: boolean, out?: Uint8Array): Uint8Array;
  /**
   * Opens `records` (chunks numbered from `counter`), into `out` when given; the plaintext, or the number of the first
   * chunk that fails authentication.
   */
  open(records: Uint8Array, counter: number, final: boolean, out?: Uint8Array): Uint8Array | number;
}

/** One batch call of the addon: seal returns nothing, open the index of the first failing chunk or -1. */
type NativeBatch<R> = (
  key: Uint8Array,
  prefix: Uint8Array,
  aad: Uint8Array,
  input: Uint8Array,
  chunk: number,
  counter: number,
  final: boolean,
  output: Uint8Array,
) => R;

interface NativeGcm {
  available(): boolean;
  seal: NativeBatch<void>;
  open: NativeBatch<number>;
}

let native: NativeGcm | null | undefined;

/** The `warden_gcm` addon when it is built and libcrypto.so.3 loads, unless `WARDEN_NATIVE_CRYPTO=0`. */
function nativeGcm(): NativeGcm | undefined {
  if (native === undefined) {
    const addon = loadAddon<NativeGcm>("warden_gcm", "WARDEN_NATIVE_CRYPTO");
    native = addon?.available() ? addon : null;
  }
  return native ?? undefined;
}

/** The backend that {@link chunkCipher} uses in this process. */
export function aesGcmBackend(): ChunkCipher["backend"] {
  return nativeGcm() ? "libcrypto" : "node";
}

/** Number of chunks a batch of `bytes` plaintext bytes holds. */
export function chunksIn(bytes: number, chunkSize: number): number {
  return Math.max(1, Math.ceil(bytes / chunkSize));
}

function checkCounter(counter: number, chunks: number): void {
  if (counter + chunks > MAX_CHUNKS) {
    throw new WardenError("E_INPUT_TOO_LARGE", `input exceeds ${MAX_CHUNKS} chunks; use a larger chunk size`);
  }
}

/** `out` (or a fresh buffer) cut to `length` bytes. */
function outputOf(out: Uint8Array | undefined, length: number): Buffer {
  if (!out) return Buffer.allocUnsafe(length);
  if (out.byteLength < length) throw new WardenError("E_INTERNAL", "chunk cipher output buffer is too small");
  return Buffer.from(out.buffer, out.byteOffset, length);
}

/** Fills `out` with the sealed chunks of `plain`. */
type SealInto = (plain: Uint8Array, counter: number, final: boolean, out: Buffer) => void;
/** Fills `out` with the plaintext of `records`; -1, or the index in the batch of the first chunk that fails. */
type OpenInto = (records: Uint8Array, counter: number, final: boolean, out: Buffer) => number;

/** A {@link ChunkCipher} from a backend's two batch primitives: sizes, counter limit and output buffers. */
function batchCipher(
  backend: ChunkCipher["backend"],
  size: number,
  sealInto: SealInto,
  openInto: OpenInto,
): ChunkCipher {
  const record = size + TAG_LENGTH;
  return {
    backend,
    chunkSize: size,
    seal(plain, counter, final, into) {
      const chunks = chunksIn(plain.byteLength, size);
      checkCounter(counter, chunks);
      const out = outputOf(into, plain.byteLength + chunks * TAG_LENGTH);
      sealInto(plain, counter, final, out);
      return out;
    },
    open(records, counter, final, into) {
      const chunks = Math.ceil(records.byteLength / record);
      checkCounter(counter, chunks);
      const out = outputOf(into, records.byteLength - chunks * TAG_LENGTH);
      const failed = openInto(records, counter, final, out);
      return failed < 0 ? out : counter + failed;
    },
  };
}

/** A chunk cipher for one object, keyed by its data key; `backend` picks one explicitly (tests compare them). */
export function chunkCipher(
  dataKey: Uint8Array,
  header: StreamHeader,
  backend: ChunkCipher["backend"] = aesGcmBackend(),
): ChunkCipher {
  const size = header.chunkSize;
  const { noncePrefix: prefix, fixed: aad } = header;
  if (backend === "libcrypto") {
    const addon = nativeGcm();
    if (!addon) throw new WardenError("E_INTERNAL", "the libcrypto backend is not available");
    return batchCipher(
      backend,
      size,
      (plain, counter, final, out) => addon.seal(dataKey, prefix, aad, plain, size, counter, final, out),
      (records, counter, final, out) => addon.open(dataKey, prefix, aad, records, size, counter, final, out),
    );
  }
  const record = size + TAG_LENGTH;
  return batchCipher(
    backend,
    size,
    (plain, counter, final, out) => {
      const chunks = chunksIn(plain.byteLength, size);
      for (let i = 0, at = 0; i < chunks; i++) {
        const cipher = createCipheriv(
          "aes-256-gcm",
          dataKey,
          chunkNonce(prefix, counter + i, final && i === chunks - 1),
        );
        cipher.setAAD(aad);
        at += cipher.update(plain.subarray(i * size, Math.min(plain.byteLength, (i + 1) * size))).copy(out, at);
        cipher.final();
        at += cipher.getAuthTag().copy(out, at);
      }
    },
    (records, counter, final, out) => {
      const chunks = Math.ceil(records.byteLength / record);
      for (let i = 0, at = 0; i < chunks; i++) {
        const rec = records.subarray(i * record, Math.min(records.byteLength, (i + 1) * record));
        const decipher = createDecipheriv(
          "aes-256-gcm",
          dataKey,
          chunkNonce(prefix, counter + i, final && i === chunks - 1),
        );
        decipher.setAAD(aad);
        decipher.setAuthTag(rec.subarray(rec.byteLength - TAG_LENGTH));
        at += decipher.update(rec.subarray(0, rec.byteLength - TAG_LENGTH)).copy(out, at);
        try {
          decipher.final();
        } catch {
          return i;
        }
      }
      return -1;
    },
  );
}
