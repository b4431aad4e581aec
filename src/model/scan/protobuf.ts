/**
 * A minimal, bounded protobuf wire-format reader (varints, 64/32-bit fixed, length-delimited fields) over a Source,
 * so ONNX and SavedModel files are walked field by field and large tensor payloads are skipped, never read.
 */
import type { Source } from "./source.ts";

/** One field: its number, wire type, and where its value lies (`value` holds varints and fixed numbers). */
export interface PbField {
  field: number;
  wire: number;
  /** Offset of the value (for length-delimited fields: of the payload). */
  offset: number;
  /** Payload length for wire type 2. */
  length: number;
  value: number;
}

/** A malformed message. */
export class PbError extends Error {}

function varint(src: Source, pos: number, end: number): [number, number] {
  const b = src.read(pos, Math.min(10, end - pos));
  let v = 0;
  let mul = 1;
  for (let i = 0; i < b.length; i++) {
    const x = b[i]!;
    v += (x & 0x7f) * mul;
    mul *= 128;
    if ((x & 0x80) === 0) return [Number.isSafeInteger(v) ? v : Number.MAX_SAFE_INTEGER, pos + i + 1];
  }
  throw new PbError(`truncated varint at offset ${pos}`);
}

/** Reads the fields of the message in [start, end). Throws PbError on malformed input; visits at most `maxFields`. */
export function pbFields(src: Source, start: number, end: number, maxFields = 10_000_000): PbField[] {
  const out: PbField[] = [];
  let pos = start;
  while (pos < end) {
    if (out.length >= maxFields) throw new PbError(`more than ${maxFields} fields`);
    const [tag, p] = varint(src, pos, end);
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (field === 0) throw new PbError(`field number 0 at offset ${pos}`);
    if (wire === 0) {
      const [value, q] = varint(src, p, end);
      out.push({ field, wire, offset: p, length: q - p, value });
      pos = q;
    } else if (wire === 1 || wire === 5) {
      const n = wire === 1 ? 8 : 4;
      if (p + n > end) throw new PbError(`truncated fixed field at offset ${p}`);
      const b = src.read(p, n);
      const value = (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
      out.push({ field, wire, offset: p, length: n, value });
      pos = p + n;
    } else if (wire === 2) {
      const [len, q] = varint(src, p, end);
      if (q + len > end) throw new PbError(`field ${field} of ${len} bytes at offset ${q} runs past its message`);
      out.push({ field, wire, offset: q, length: len, value: len });
      pos = q + len;
    } else throw new PbError(`unsupported wire type ${wire} at offset ${pos}`);
  }
  return out;
}

/** The payload of a length-delimited field as UTF-8 text (bounded). */
export function pbString(src: Source, f: PbField, max = 1 << 20): string {
  return new TextDecoder().decode(src.read(f.offset, Math.min(f.length, max)));
}

/** Values of a repeated int64 field, packed or not. */
export function pbInts(src: Source, fields: PbField[], num: number): number[] {
  const out: number[] = [];
  for (const f of fields) {
    if (f.field !== num) continue;
    if (f.wire === 0) out.push(f.value);
    else if (f.wire === 2) {
      let p = f.offset;
      while (p < f.offset + f.length && out.length < 64) {
        const [v, q] = varint(src, p, f.offset + f.length);
        out.push(v);
        p = q;
      }
    }
  }
  return out;
}
