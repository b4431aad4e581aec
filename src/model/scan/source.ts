/**
 * Random-access byte sources: an in-memory buffer, a file read through a handle (so header formats read only their
 * headers, never the tensor data), or a slice of another source (a stored archive member).
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";

/** Bytes readable at any offset. `read` returns fewer bytes than asked only at the end. */
export interface Source {
  readonly size: number;
  read(offset: number, length: number): Uint8Array;
}

/** A source over bytes already in memory. */
export function bytesSource(bytes: Uint8Array): Source {
  return {
    size: bytes.length,
    read(offset, length) {
      const start = Math.max(0, Math.min(offset, bytes.length));
      return bytes.subarray(start, Math.min(bytes.length, start + Math.max(0, length)));
    },
  };
}

const WINDOW = 1 << 16;

/** A source over an open file: small reads are served from a window (64 KiB when reading sequentially), large ones go straight to the file. */
export class FileSource implements Source {
  readonly size: number;
  private readonly fd: number;
  private windowStart = -1;
  private window: Uint8Array = new Uint8Array(0);

  constructor(path: string) {
    this.fd = openSync(path, "r");
    this.size = fstatSync(this.fd).size;
  }

  read(offset: number, length: number): Uint8Array {
    const start = Math.max(0, Math.min(offset, this.size));
    const len = Math.max(0, Math.min(length, this.size - start));
    if (len === 0) return new Uint8Array(0);
    if (this.windowStart >= 0 && start >= this.windowStart && start + len <= this.windowStart + this.window.length) {
      return this.window.subarray(start - this.windowStart, start - this.windowStart + len);
    }
    if (len > WINDOW / 2) return this.readRaw(start, len);
    // Sequential reads (just past the window) get a 64 KiB window; random ones (zip headers) a 1 KiB one.
    const sequential =
      this.windowStart >= 0 && start >= this.windowStart && start <= this.windowStart + this.window.length + WINDOW;
    this.window = this.readRaw(start, Math.min(Math.max(len, sequential ? WINDOW : 1024), this.size - start));
    this.windowStart = start;
    return this.window.subarray(0, len);
  }

  close(): void {
    closeSync(this.fd);
  }

  private readRaw(start: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    let done = 0;
    while (done < len) {
      const n = readSync(this.fd, out, done, len - done, start + done);
      if (n <= 0) break;
      done += n;
    }
    return done === len ? out : out.subarray(0, done);
  }
}

/** A window [start, start+length) of another source. */
export function sliceSource(parent: Source, start: number, length: number): Source {
  const s = Math.max(0, Math.min(start, parent.size));
  const size = Math.max(0, Math.min(length, parent.size - s));
  return {
    size,
    read(offset, len) {
      const o = Math.max(0, Math.min(offset, size));
      return parent.read(s + o, Math.max(0, Math.min(len, size - o)));
    },
  };
}

/** Reads the whole source into memory (callers check the size against a limit first). */
export function readAll(src: Source): Uint8Array {
  return src.read(0, src.size);
}

/** A sequential little-endian reader over a source, for headers (GGUF, safetensors, npy). */
export class Cursor {
  pos: number;
  constructor(
    readonly src: Source,
    start = 0,
  ) {
    this.pos = start;
  }

  get remaining(): number {
    return this.src.size - this.pos;
  }

  bytes(n: number): Uint8Array {
    if (n < 0 || n > this.remaining) throw new RangeError(`needs ${n} bytes at offset ${this.pos}, file ends first`);
    const b = this.src.read(this.pos, n);
    this.pos += n;
    return b;
  }

  u8(): number {
    return this.bytes(1)[0]!;
  }

  u32(): number {
    const b = this.bytes(4);
    return (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
  }

  /** Unsigned 64-bit as a number; values above 2^53 come back as Infinity so bound checks fail closed. */
  u64(): number {
    const lo = this.u32();
    const hi = this.u32();
    const v = hi * 2 ** 32 + lo;
    return Number.isSafeInteger(v) ? v : Number.POSITIVE_INFINITY;
  }
}
