/**
 * GGUF (ggml's model format, versions 1-3): magic, version, tensor and metadata counts, typed key/value metadata, and
 * tensor infos, read through a cursor without touching tensor data. Checks bounds of every length and count, tensor
 * offsets (aligned, inside the file, non-overlapping) and chat templates for Jinja template injection.
 */
import { checkTemplate } from "./jinja.ts";
import { type FormatScan, invalid, type RawFinding } from "./raw-finding.ts";
import { Cursor, type Source } from "./source.ts";

/** ggml tensor types: [elements per block, bytes per block]. */
const GGML_TYPES: Record<number, [number, number]> = {
  0: [1, 4],
  1: [1, 2],
  2: [32, 18],
  3: [32, 20],
  6: [32, 22],
  7: [32, 24],
  8: [32, 34],
  9: [32, 36],
  10: [256, 84],
  11: [256, 110],
  12: [256, 144],
  13: [256, 176],
  14: [256, 210],
  15: [256, 292],
  16: [256, 66],
  17: [256, 74],
  18: [256, 98],
  19: [256, 50],
  20: [32, 18],
  21: [256, 110],
  22: [256, 82],
  23: [256, 136],
  24: [1, 1],
  25: [1, 2],
  26: [1, 4],
  27: [1, 8],
  28: [1, 8],
  29: [256, 56],
  30: [1, 2],
  34: [256, 54],
  35: [256, 66],
};

const SCALAR_SIZE: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };
const MAX_STRING = 16 << 20;
const MAX_COUNT = 1 << 28;

/** True for the GGUF magic. */
export function looksLikeGguf(src: Source): boolean {
  const h = src.read(0, 4);
  return h[0] === 0x47 && h[1] === 0x47 && h[2] === 0x55 && h[3] === 0x46;
}

/** Scans a GGUF file's header, metadata and tensor infos. */
export function scanGguf(src: Source, maxHeaderBytes: number): FormatScan | undefined {
  if (!looksLikeGguf(src)) return undefined;
  const findings: RawFinding[] = [];
  const result: FormatScan = { format: "gguf", findings };
  const c = new Cursor(src, 4);
  try {
    const version = c.u32();
    if (version < 1 || version > 3) {
      findings.push(invalid(`unsupported GGUF version ${version} (big-endian files are not supported)`, 4));
      return result;
    }
    const count = (): number => (version === 1 ? c.u32() : c.u64());
    const tensorCount = count();
    const kvCount = count();
    if (tensorCount > 1 << 24 || kvCount > 1 << 24) {
      findings.push(invalid(`implausible counts: ${tensorCount} tensors, ${kvCount} metadata entries`, 8));
      return result;
    }
    const string = (): string => {
      const at = c.pos;
      const n = count();
      if (n > MAX_STRING || n > c.remaining)
        throw new RangeError(`string of ${n} bytes at offset ${at} exceeds the file or the limit`);
      return new TextDecoder().decode(c.bytes(n));
    };
    let alignment = 32;
    for (let i = 0; i < kvCount; i++) {
      if (c.pos > maxHeaderBytes) throw new RangeError(`metadata exceeds ${maxHeaderBytes} bytes`);
      const key = string();
      const type = c.u32();
      const at = c.pos;
      if (type === 8) {
        const value = string();
        if (key.startsWith("tokenizer.chat_template"))
          findings.push(...checkTemplate(value, `chat template "${key}"`, at));
      } else if (type === 9) {
        const itemType = c.u32();
        const n = count();
        if (n > MAX_COUNT) throw new RangeError(`array "${key}" declares ${n} items`);
        if (itemType === 8) for (let j = 0; j < n; j++) string();
        else {
          const size = SCALAR_SIZE[itemType];
          if (size === undefined) throw new RangeError(`array "${key}" has unsupported item type ${itemType}`);
          c.bytes(size * n);
        }
      } else {
        const size = SCALAR_SIZE[type];
        if (size === undefined) throw new RangeError(`metadata "${key}" has unknown value type ${type}`);
        const b = c.bytes(size);
        if (key === "general.alignment" && type === 4)
          alignment = (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
      }
    }
    if (alignment === 0 || (alignment & (alignment - 1)) !== 0) {
      findings.push(invalid(`general.alignment ${alignment} is not a power of two`));
      return result;
    }
    const tensors: { name: string; offset: number; size: number | undefined }[] = [];
    for (let i = 0; i < tensorCount; i++) {
      const name = string();
      const nDims = c.u32();
      if (nDims > 4) throw new RangeError(`tensor "${name}" has ${nDims} dimensions (at most 4)`);
      let numel = 1;
      for (let d = 0; d < nDims; d++) numel *= c.u64();
      const type = c.u32();
      const offset = c.u64();
      const t = GGML_TYPES[type];
      let size: number | undefined;
      if (t === undefined)
        findings.push({
          rule: "gguf-unknown-type",
          severity: "low",
          message: `tensor "${name}" has unknown ggml type ${type}`,
        });
      else if (numel % t[0] !== 0)
        findings.push(invalid(`tensor "${name}": ${numel} elements is not a multiple of the block size ${t[0]}`));
      else size = (numel / t[0]) * t[1];
      if (!Number.isSafeInteger(numel)) findings.push(invalid(`tensor "${name}" declares an oversized shape`));
      if (offset % alignment !== 0)
        findings.push(invalid(`tensor "${name}" offset ${offset} is not aligned to ${alignment}`));
      tensors.push({ name, offset, size });
    }
    const dataStart = Math.ceil(c.pos / alignment) * alignment;
    const dataLen = src.size - dataStart;
    tensors.sort((a, b) => a.offset - b.offset);
    let end = 0;
    for (const t of tensors) {
      if (t.offset < end)
        findings.push({
          rule: "gguf-overlap",
          severity: "high",
          message: `tensor "${t.name}" overlaps the previous tensor`,
          offset: dataStart + t.offset,
        });
      if (t.size !== undefined && t.offset + t.size > dataLen)
        findings.push(
          invalid(`tensor "${t.name}" data [${t.offset}, ${t.offset + t.size}) runs past the end of the file`),
        );
      end = Math.max(end, t.offset + (t.size ?? 0));
    }
  } catch (e) {
    findings.push(invalid(`GGUF header: ${(e as Error).message}`, c.pos));
  }
  return result;
}
