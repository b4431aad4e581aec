/**
 * 7z archives (7-Zip 7z format, 7zFormat.txt): signature header, (encoded) header with pack/unpack/substream info
 * and file names, folders of one coder (copy, LZMA, LZMA2; optionally behind the x86 BCJ filter) decoded with bounded
 * output. Every member is handed
 * to the engine; anything Warden cannot decode (other coders, filters, encryption) is reported, never passed as safe.
 */
import type { DecodeBudget } from "./inflate.ts";
import { decodeLzma, decodeLzma2, LzmaError, x86Decode } from "./lzma.ts";
import { type FormatScan, invalid, type RawFinding } from "./raw-finding.ts";
import type { Source } from "./source.ts";
import type { ScanLimits } from "./types.ts";

class Bad extends Error {}

interface Coder {
  id: string;
  props: Uint8Array;
  complex: boolean;
}
interface Folder {
  coders: Coder[];
  /** Output index of each coder's first output, and the outputs bound to another coder's input. */
  firstOut: number[];
  boundOuts: Set<number>;
  unpackSizes: number[];
  /** Substream sizes (defaults to one stream of the folder's size). */
  streams: number[];
  substreamsKnown?: boolean;
}
interface Streams {
  packPos: number;
  packSizes: number[];
  folders: Folder[];
}

class Reader {
  pos = 0;
  constructor(readonly b: Uint8Array) {}
  byte(): number {
    if (this.pos >= this.b.length) throw new Bad("7z header ends early");
    return this.b[this.pos++]!;
  }
  bytes(n: number): Uint8Array {
    if (n < 0 || this.pos + n > this.b.length) throw new Bad("7z header ends early");
    const out = this.b.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  /** 7z variable-length NUMBER. */
  num(): number {
    const first = this.byte();
    let mask = 0x80;
    let value = 0;
    for (let i = 0; i < 8; i++) {
      if ((first & mask) === 0) {
        const v = value + (first & (mask - 1)) * 2 ** (8 * i);
        if (!Number.isSafeInteger(v)) throw new Bad("7z number too large");
        return v;
      }
      value += this.byte() * 2 ** (8 * i);
      mask >>>= 1;
    }
    if (!Number.isSafeInteger(value)) throw new Bad("7z number too large");
    return value;
  }
  count(max = 1_000_000): number {
    const n = this.num();
    if (n > max) throw new Bad(`7z count ${n} is implausible`);
    return n;
  }
  bits(n: number): boolean[] {
    const out: boolean[] = [];
    let cur = 0;
    for (let i = 0; i < n; i++) {
      if (i % 8 === 0) cur = this.byte();
      out.push((cur & (0x80 >>> (i % 8))) !== 0);
    }
    return out;
  }
  digests(n: number): void {
    const all = this.byte();
    const defined = all ? new Array<boolean>(n).fill(true) : this.bits(n);
    this.bytes(4 * defined.filter(Boolean).length);
  }
}

function readStreams(r: Reader): Streams {
  const s: Streams = { packPos: 0, packSizes: [], folders: [] };
  for (;;) {
    const id = r.byte();
    if (id === 0x00) {
      // Without substream information each folder is one stream.
      for (const f of s.folders) if (f.streams.length === 0 && !f.substreamsKnown) f.streams.push(mainSize(f));
      return s;
    }
    if (id === 0x06) {
      s.packPos = r.num();
      const n = r.count();
      for (;;) {
        const t = r.byte();
        if (t === 0x00) break;
        if (t === 0x09) for (let i = 0; i < n; i++) s.packSizes.push(r.num());
        else if (t === 0x0a) r.digests(n);
        else throw new Bad(`unexpected property ${t} in pack info`);
      }
    } else if (id === 0x07) {
      if (r.byte() !== 0x0b) throw new Bad("unpack info without folders");
      const n = r.count();
      if (r.byte() !== 0) throw new Bad("external folders are not supported");
      for (let i = 0; i < n; i++) {
        const coders: Coder[] = [];
        const firstOut: number[] = [];
        const boundOuts = new Set<number>();
        const numCoders = r.count(64);
        let outs = 0;
        for (let c = 0; c < numCoders; c++) {
          firstOut.push(outs);
          const flag = r.byte();
          const idBytes = r.bytes(flag & 0x0f);
          const complex = (flag & 0x10) !== 0;
          if (complex) {
            r.count(64);
            outs += r.count(64);
          } else outs++;
          const props = flag & 0x20 ? r.bytes(r.count(1 << 16)) : new Uint8Array(0);
          coders.push({ id: Buffer.from(idBytes).toString("hex"), props, complex });
        }
        for (let b = 0; b < outs - 1; b++) {
          r.num();
          boundOuts.add(r.num());
        }
        s.folders.push({ coders, firstOut, boundOuts, unpackSizes: new Array(outs).fill(0), streams: [] });
      }
      for (;;) {
        const t = r.byte();
        if (t === 0x00) break;
        if (t === 0x0c)
          for (const f of s.folders) for (let k = 0; k < f.unpackSizes.length; k++) f.unpackSizes[k] = r.num();
        else if (t === 0x0a) r.digests(s.folders.length);
        else throw new Bad(`unexpected property ${t} in unpack info`);
      }
    } else if (id === 0x08) {
      const counts = s.folders.map(() => 1);
      for (;;) {
        const t = r.byte();
        if (t === 0x00) break;
        if (t === 0x0d) for (let i = 0; i < counts.length; i++) counts[i] = r.count();
        else if (t === 0x09)
          for (const [i, f] of s.folders.entries()) {
            let used = 0;
            for (let k = 0; k < counts[i]! - 1; k++) {
              const size = r.num();
              f.streams.push(size);
              used += size;
            }
            if (counts[i]! > 0) f.streams.push(mainSize(f) - used);
          }
        else if (t === 0x0a) r.digests(counts.reduce((a, b) => a + b, 0));
        else throw new Bad(`unexpected property ${t} in substreams info`);
      }
      for (const [i, f] of s.folders.entries())
        if (f.streams.length === 0 && counts[i]! > 0) f.streams.push(mainSize(f));
    } else throw new Bad(`unexpected property ${id} in streams info`);
  }
}

/** Size of the folder's final output (the one no other coder consumes). */
function mainSize(f: Folder): number {
  const i = f.unpackSizes.findIndex((_, k) => !f.boundOuts.has(k));
  return f.unpackSizes[i] ?? 0;
}

const BCJ_X86 = "03030103";

function decodeFolder(src: Source, s: Streams, index: number, maxBytes: number, budget: DecodeBudget): Uint8Array {
  const f = s.folders[index]!;
  if (f.coders.some((c) => c.complex)) throw new Bad("coders with several streams are not supported");
  // Supported chains: one compression coder, optionally preceded by the x86 BCJ filter.
  const filters = f.coders.filter((c) => c.id === BCJ_X86);
  const main = f.coders.filter((c) => c.id !== BCJ_X86);
  if (main.length !== 1 || filters.length > 1) throw new Bad("this chain of 7z coders (filters) is not supported");
  const coder = main[0]!;
  const coderSize = f.unpackSizes[f.firstOut[f.coders.indexOf(coder)]!] ?? 0;
  let offset = 32 + s.packPos;
  for (let i = 0; i < index; i++) offset += s.packSizes[i] ?? 0;
  const packSize = s.packSizes[index] ?? 0;
  if (offset + packSize > src.size) throw new Bad("packed stream runs past the end of the file");
  const packed = src.read(offset, packSize);
  const size = mainSize(f);
  const limit = Math.min(maxBytes, Math.max(0, budget.remaining));
  if (size > limit || coderSize > limit)
    throw new LzmaError(`folder of ${size} bytes exceeds the decompression limits`, true);
  let out: Uint8Array;
  if (coder.id === "00") out = packed.slice();
  else if (coder.id === "030101") out = decodeLzma(packed, coder.props, coderSize, limit);
  else if (coder.id === "21") out = decodeLzma2(packed, coderSize, limit);
  else throw new Bad(`coder ${coder.id} (encryption or another method) is not supported`);
  if (filters.length === 1) out = x86Decode(out.slice());
  budget.remaining -= out.length;
  if (out.length !== size) throw new Bad(`folder decodes to ${out.length} bytes, ${size} declared`);
  return out;
}

/** Scans a 7z archive; `scanMember` is called for each member's bytes. */
export function scan7z(
  src: Source,
  scanMember: (data: Source, name: string) => void,
  limits: ScanLimits,
  budget: DecodeBudget,
): FormatScan {
  const findings: RawFinding[] = [];
  const result: FormatScan = { format: "7z", findings };
  try {
    const h = src.read(0, 32);
    if (h.length < 32) throw new Bad("signature header is truncated");
    const dv = Buffer.from(h);
    const nextOffset = Number(dv.readBigUInt64LE(12));
    const nextSize = Number(dv.readBigUInt64LE(20));
    if (nextSize > limits.maxHeaderBytes || 32 + nextOffset + nextSize > src.size)
      throw new Bad("next header lies outside the file");
    let header = src.read(32 + nextOffset, nextSize);
    let r = new Reader(header);
    for (let round = 0; round < 4 && r.b.length > 0 && r.b[0] === 0x17; round++) {
      r.byte();
      const s = readStreams(r);
      if (s.folders.length === 0) throw new Bad("encoded header without folders");
      header = decodeFolder(src, s, 0, limits.maxHeaderBytes, budget);
      r = new Reader(header);
    }
    if (header.length === 0) return result;
    if (r.byte() !== 0x01) throw new Bad("header does not start with kHeader");
    let streams: Streams = { packPos: 0, packSizes: [], folders: [] };
    const names: string[] = [];
    const emptyStream: boolean[] = [];
    for (;;) {
      const id = r.byte();
      if (id === 0x00) break;
      if (id === 0x02 || id === 0x03) throw new Bad("archive properties and additional streams are not supported");
      if (id === 0x04) streams = readStreams(r);
      else if (id === 0x05) {
        const n = r.count();
        for (;;) {
          const t = r.byte();
          if (t === 0x00) break;
          const size = r.num();
          const data = new Reader(r.bytes(size));
          if (t === 0x0e) emptyStream.push(...data.bits(n));
          else if (t === 0x11) {
            data.byte();
            const text = Buffer.from(data.b.subarray(1)).toString("utf16le");
            names.push(...text.split("\0").slice(0, n));
          }
        }
      } else throw new Bad(`unexpected property ${id} in header`);
    }
    const withStreams = names.filter((_, i) => !emptyStream[i]);
    let member = 0;
    for (let i = 0; i < streams.folders.length; i++) {
      let data: Uint8Array;
      try {
        data = decodeFolder(src, streams, i, limits.maxMemberBytes, budget);
      } catch (e) {
        if (e instanceof LzmaError && e.limit)
          findings.push({ rule: "archive-bomb", severity: "high", message: e.message });
        else findings.push(invalid(`7z folder ${i} cannot be decoded: ${(e as Error).message}`));
        member += streams.folders[i]!.streams.length;
        continue;
      }
      let at = 0;
      for (const size of streams.folders[i]!.streams) {
        const bytes = data.subarray(at, at + size);
        at += size;
        const name = withStreams[member] ?? `<7z stream ${member}>`;
        member++;
        scanMember({ size: bytes.length, read: (o, n) => bytes.subarray(o, o + n) }, name);
      }
    }
  } catch (e) {
    if (!(e instanceof Bad || e instanceof LzmaError)) throw e;
    findings.push(
      e instanceof LzmaError && e.limit
        ? { rule: "archive-bomb", severity: "high", message: e.message }
        : { rule: "invalid-format", severity: "medium", message: `7z: ${e.message}` },
    );
  }
  return result;
}
