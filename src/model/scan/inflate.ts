/**
 * Bounded decompression on fflate@0.8 (raw deflate, gzip, zlib): output is counted as it is produced and decoding
 * stops at a per-object limit or when the budget shared by one scanned file runs out (decompression bombs).
 */
import { Gunzip, Inflate, Unzlib } from "fflate";
import type { Source } from "./source.ts";

/**
 * Why bytes could not be decoded; `limit` marks a size limit rather than corrupt data. `partial` holds what was
 * decoded before corrupt data stopped the decoder (streaming loaders unpickle that much before failing).
 */
export class DecodeError extends Error {
  constructor(
    message: string,
    readonly limit: boolean,
    readonly partial?: Uint8Array,
  ) {
    super(message);
  }
}

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/** Decompressed bytes still allowed for one scanned file. */
export interface DecodeBudget {
  remaining: number;
}

/** Decompresses `raw` (deflate, gzip or zlib framing) into memory, bounded by `maxBytes` and `budget`. */
export function decodeBounded(
  raw: Source,
  kind: "deflate" | "gzip" | "zlib",
  maxBytes: number,
  budget: DecodeBudget,
): Source {
  const chunks: Uint8Array[] = [];
  let total = 0;
  let done = false;
  let failure: DecodeError | undefined;
  const onData = (chunk: Uint8Array, final: boolean): void => {
    total += chunk.length;
    budget.remaining -= chunk.length;
    if (total > maxBytes) failure ??= new DecodeError(`decompresses past ${maxBytes} bytes (decompression bomb)`, true);
    else if (budget.remaining < 0)
      failure ??= new DecodeError("decompresses past the total budget for this file (decompression bomb)", true);
    else chunks.push(chunk);
    if (final) done = true;
  };
  const stream = kind === "deflate" ? new Inflate(onData) : kind === "gzip" ? new Gunzip(onData) : new Unzlib(onData);
  // Small steps so that output decoded before a corruption is kept (see DecodeError.partial).
  const STEP = 1 << 14;
  try {
    for (let p = 0; p < raw.size && !failure && !done; p += STEP) {
      stream.push(raw.read(p, STEP).slice(), p + STEP >= raw.size);
    }
  } catch (err) {
    if (failure) throw failure;
    throw new DecodeError(`corrupt ${kind} data: ${(err as Error).message}`, false, concat(chunks, total));
  }
  if (failure) throw failure;
  if (!done) throw new DecodeError(`${kind} data ends early`, false, concat(chunks, total));
  const out = concat(chunks, total);
  return {
    size: total,
    read: (offset, len) => out.subarray(Math.max(0, offset), Math.min(total, Math.max(0, offset) + Math.max(0, len))),
  };
}
