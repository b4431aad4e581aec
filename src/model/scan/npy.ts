/**
 * NumPy `.npy` files (NEP 1 format, versions 1-3): the header is parsed without evaluating it; object arrays carry a
 * pickle after the header, which is scanned; plain arrays are checked for size consistency.
 */
import { dtypeItemSize } from "./pickle/machine.ts";
import { type PyLit, parsePyLiteral } from "./pyliteral.ts";
import type { Source } from "./source.ts";

/** The magic of `.npy` files. */
export const NPY_MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];

/** A parsed `.npy` header. */
export interface NpyHeader {
  version: number;
  descr: PyLit;
  shape: number[];
  dataOffset: number;
  /** True when the dtype holds Python objects (the data is a pickle). */
  hasObject: boolean;
  /** Expected data length for non-object dtypes, when the dtype is understood. */
  dataBytes?: number;
}

/** Parses the header of an `.npy` source; throws an Error describing what is wrong. */
export function parseNpyHeader(src: Source, maxHeaderBytes: number): NpyHeader {
  const head = src.read(0, 12);
  if (head.length < 10 || !NPY_MAGIC.every((b, i) => head[i] === b)) throw new Error("not an .npy file");
  const major = head[6]!;
  if (major < 1 || major > 3) throw new Error(`unsupported .npy version ${major}`);
  const len =
    major === 1
      ? head[8]! | (head[9]! << 8)
      : (head[8]! | (head[9]! << 8) | (head[10]! << 16) | (head[11]! << 24)) >>> 0;
  const start = major === 1 ? 10 : 12;
  if (len > maxHeaderBytes) throw new Error(`header of ${len} bytes exceeds the limit`);
  if (start + len > src.size) throw new Error("header runs past the end of the file");
  const text = new TextDecoder(major === 3 ? "utf-8" : "latin1").decode(src.read(start, len));
  const lit = parsePyLiteral(text.trim());
  if (lit === null || typeof lit !== "object" || Array.isArray(lit)) throw new Error("header is not a dict");
  const { descr, shape } = lit;
  if (descr === undefined || !Array.isArray(shape)) throw new Error("header lacks 'descr' or 'shape'");
  const dims: number[] = [];
  for (const d of shape) {
    if (typeof d !== "number" || !Number.isSafeInteger(d) || d < 0)
      throw new Error("shape has a non-integer dimension");
    dims.push(d);
  }
  const header: NpyHeader = {
    version: major,
    descr,
    shape: dims,
    dataOffset: start + len,
    hasObject: hasObject(descr),
  };
  const item = itemSize(descr);
  if (!header.hasObject && item !== undefined) header.dataBytes = dims.reduce((a, b) => a * b, 1) * item;
  return header;
}

function hasObject(d: PyLit): boolean {
  if (typeof d === "string") return /^[<>|=]?O/.test(d);
  if (Array.isArray(d)) return d.some(hasObject);
  return false;
}

function itemSize(d: PyLit): number | undefined {
  if (typeof d === "string") return dtypeItemSize(d);
  if (!Array.isArray(d)) return undefined;
  let total = 0;
  for (const field of d) {
    if (!Array.isArray(field) || field.length < 2) return undefined;
    const sub = itemSize(field[1]!);
    if (sub === undefined) return undefined;
    const shape = field[2];
    const n = Array.isArray(shape)
      ? shape.reduce<number>((a, b) => a * (typeof b === "number" ? b : Number.NaN), 1)
      : 1;
    total += sub * n;
  }
  return Number.isFinite(total) ? total : undefined;
}
