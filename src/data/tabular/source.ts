/**
 * Byte sources for the tabular readers: a file path or a readable stream, read as Buffers in chunks so files larger
 * than memory are streamed. Also the UTF-8 helpers the readers use to report bad bytes precisely.
 */
import { createReadStream } from "node:fs";
import type { Readable } from "node:stream";
import { WardenError } from "../../core/errors.ts";

/** A file path, or a readable stream of Buffers (for example `process.stdin`). */
export type TabularSource = string | Readable;

/** Common options of the streaming readers. */
export interface SourceOptions {
  /** Name used in error messages when `source` is a stream (default `<stream>`). */
  fileName?: string;
}

/** The label used in messages: the path, or `fileName`, or `<stream>`. */
export function sourceLabel(source: TabularSource, opts: SourceOptions): string {
  return typeof source === "string" ? source : (opts.fileName ?? "<stream>");
}

/** Yields the source's bytes chunk by chunk; a missing file is `E_DATA_NOT_FOUND`, other read failures `E_IO`. */
export async function* readChunks(source: TabularSource, label: string): AsyncGenerator<Buffer> {
  const stream = typeof source === "string" ? createReadStream(source, { highWaterMark: 1 << 16 }) : source;
  try {
    for await (const chunk of stream) {
      yield typeof chunk === "string" ? Buffer.from(chunk, "utf8") : (chunk as Buffer);
    }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") {
      throw new WardenError("E_DATA_NOT_FOUND", `${label}: no such file; check the path`, { cause: e });
    }
    if (code === "EISDIR") {
      throw new WardenError("E_INPUT_INVALID", `${label}: is a directory, expected a file`, { cause: e });
    }
    throw new WardenError("E_IO", `${label}: read failed: ${(e as Error).message}`, { cause: e });
  } finally {
    if (typeof source === "string") stream.destroy();
  }
}

const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Decodes UTF-8 strictly; returns undefined when the bytes are not valid UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return decoder.decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * Index of the first byte that starts an invalid UTF-8 sequence (RFC 3629: no overlongs, no surrogates, at most
 * U+10FFFF), or -1 when all bytes are valid.
 */
export function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    let n: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) n = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      n = 2;
      if (c === 0xe0) lo = 0xa0;
      if (c === 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3;
      if (c === 0xf0) lo = 0x90;
      if (c === 0xf4) hi = 0x8f;
    } else return i;
    const b1 = b[i + 1];
    if (b1 === undefined || b1 < lo || b1 > hi) return i;
    for (let k = 2; k <= n; k++) {
      const bk = b[i + k];
      if (bk === undefined || bk < 0x80 || bk > 0xbf) return i;
    }
    i += n + 1;
  }
  return -1;
}

/** The E_DATA_PARSE error every reader throws: names the file, line and column, and says what to do. */
export function parseError(
  label: string,
  line: number,
  column: number,
  what: string,
  hint: string,
  cause?: unknown,
): WardenError {
  return new WardenError("E_DATA_PARSE", `${label}:${line}:${column}: ${what}; ${hint}`, {
    cause,
    details: { file: label, line, column },
  });
}
