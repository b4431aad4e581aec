/**
 * One streaming pass over a file that yields its SHA-256 and, for CSV and JSONL, a digest per record, so that a later
 * edit is located to the row. CSV records end at a line break outside double quotes (RFC 4180 §2.6: quoted fields may
 * span lines); JSONL records end at every line break. A trailing CR is not part of a record. Record digests are the
 * first 16 bytes of SHA-256 over the record's bytes: enough to locate edits; the file's full SHA-256 is what is signed.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";

export type RecordFormat = "csv" | "jsonl";

/** Bytes per stored record digest. */
export const RECORD_DIGEST_BYTES = 16;

export interface FileDigest {
  sha256: string;
  size: number;
  /** Record digests, RECORD_DIGEST_BYTES each, in file order (present for CSV/JSONL). */
  records?: Buffer;
}

/** The record format of a path by its extension, or undefined for files digested whole. */
export function recordFormat(path: string): RecordFormat | undefined {
  const lower = path.toLowerCase();
  if (lower.endsWith(".csv") || lower.endsWith(".tsv")) return "csv";
  if (lower.endsWith(".jsonl") || lower.endsWith(".ndjson")) return "jsonl";
  return undefined;
}

/**
 * Splits a byte stream into records and digests each one. A CR that ends a chunk is held back until the next byte
 * shows whether it belongs to a CRLF line break (dropped) or to the record (hashed).
 */
export class RecordSplitter {
  readonly #quoted: boolean;
  #inQuotes = false;
  #hash = createHash("sha256");
  #open = false;
  #heldCR = false;
  readonly #digests: Buffer[] = [];

  constructor(format: RecordFormat) {
    this.#quoted = format === "csv";
  }

  update(chunk: Buffer): void {
    let start = 0;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (b === 0x22 && this.#quoted) this.#inQuotes = !this.#inQuotes;
      else if (b === 0x0a && !this.#inQuotes) {
        this.#feed(chunk.subarray(start, i));
        this.#heldCR = false;
        this.#finishRecord();
        start = i + 1;
      }
    }
    if (start < chunk.length) this.#feed(chunk.subarray(start));
  }

  /** Completes the last record (one without a final line break) and returns every record digest. */
  finish(): Buffer {
    if (this.#open) {
      if (this.#heldCR) this.#hash.update(CR);
      this.#finishRecord();
    }
    return Buffer.concat(this.#digests);
  }

  #feed(bytes: Buffer): void {
    this.#open = true;
    if (bytes.length === 0) return;
    if (this.#heldCR) this.#hash.update(CR);
    this.#heldCR = bytes[bytes.length - 1] === 0x0d;
    this.#hash.update(this.#heldCR ? bytes.subarray(0, -1) : bytes);
  }

  #finishRecord(): void {
    this.#digests.push(this.#hash.digest().subarray(0, RECORD_DIGEST_BYTES));
    this.#hash = createHash("sha256");
    this.#open = false;
    this.#heldCR = false;
  }
}

const CR = Buffer.from([0x0d]);

/** SHA-256 of the file, plus record digests for CSV/JSONL, in one streaming pass. */
export async function digestFile(path: string, format: RecordFormat): Promise<FileDigest> {
  const whole = createHash("sha256");
  const splitter = new RecordSplitter(format);
  let size = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) {
    const b = chunk as Buffer;
    whole.update(b);
    splitter.update(b);
    size += b.length;
  }
  return { sha256: whole.digest("hex"), size, records: splitter.finish() };
}
