/**
 * A lenient zip reader (PKWARE APPNOTE 6.3.x), as lenient as PyTorch's: it ignores encryption and other flag bits,
 * does not verify CRCs before use, accepts local names that differ from central names, walks both the central
 * directory and the chain of local headers (so members missing from either are still found), and handles Zip64.
 * Decompression (stored and deflate, through fflate's inflate) is bounded per member and per archive.
 */
import { crc32 } from "node:zlib";
import { type DecodeBudget, DecodeError, decodeBounded } from "./inflate.ts";
import { decodeLzma, type LzmaError } from "./lzma.ts";
import { bytesSource, type Source, sliceSource } from "./source.ts";

/** One member, merged from its central-directory entry and its local header. */
export interface ZipEntry {
  /** The central-directory name when there is one, else the local name. */
  name: string;
  localName?: string;
  centralName?: string;
  method: number;
  flags: number;
  crc: number;
  compressedSize: number;
  uncompressedSize: number;
  localOffset: number;
  dataOffset: number;
  inCentral: boolean;
  inLocal: boolean;
}

/** An irregularity of the archive structure. */
export interface ZipAnomaly {
  rule: string;
  severity: "high" | "medium" | "low" | "info";
  message: string;
  member?: string;
}

export interface ZipListing {
  entries: ZipEntry[];
  anomalies: ZipAnomaly[];
}

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD = 0x06054b50;
const SIG_EOCD64 = 0x06064b50;
const SIG_LOC64 = 0x07064b50;
const SIG_DESCRIPTOR = 0x08074b50;

const dec = new TextDecoder("utf-8");

function u16(b: Uint8Array, o: number): number {
  return (b[o] ?? 0) | ((b[o + 1] ?? 0) << 8);
}
function u32(b: Uint8Array, o: number): number {
  return ((b[o] ?? 0) | ((b[o + 1] ?? 0) << 8) | ((b[o + 2] ?? 0) << 16) | ((b[o + 3] ?? 0) << 24)) >>> 0;
}
function u64(b: Uint8Array, o: number): number {
  const v = u32(b, o + 4) * 2 ** 32 + u32(b, o);
  return Number.isSafeInteger(v) ? v : Number.MAX_SAFE_INTEGER;
}

/**
 * True when the source starts with a zip signature, or ends with an end-of-central-directory record whose central
 * directory really starts with a central header (a stray "PK\x05\x06" inside tensor data is not enough).
 */
export function looksLikeZip(src: Source): boolean {
  const head = src.read(0, 4);
  const sig = u32(head, 0);
  if (head.length === 4 && (sig === SIG_LOCAL || sig === SIG_EOCD || sig === SIG_DESCRIPTOR)) return true;
  const eocd = findEocd(src);
  if (eocd === undefined) return false;
  const e = src.read(eocd, 22);
  const cdSize = u32(e, 12);
  const cdOffset = u32(e, 16);
  return (
    u32(src.read(cdOffset, 4), 0) === SIG_CENTRAL ||
    (eocd >= cdSize && u32(src.read(eocd - cdSize, 4), 0) === SIG_CENTRAL)
  );
}

function findEocd(src: Source): number | undefined {
  const tailLen = Math.min(src.size, 22 + 65_535);
  const tail = src.read(src.size - tailLen, tailLen);
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail[i] === 0x50 && tail[i + 1] === 0x4b && u32(tail, i) === SIG_EOCD) return src.size - tailLen + i;
  }
  return undefined;
}

interface LocalHeader {
  name: string;
  flags: number;
  method: number;
  crc: number;
  compressedSize: number;
  uncompressedSize: number;
  dataOffset: number;
}

/**
 * Applies the ZIP64 extended-information extra field (APPNOTE 4.5.3, header id 0x0001) to `values`, given in its
 * order (uncompressed size, compressed size, local header offset): each value saturated at 0xFFFFFFFF takes the next
 * 8 bytes of the field, as long as the field holds them.
 */
function zip64Sizes(extra: Uint8Array, values: number[]): number[] {
  const out = [...values];
  for (let p = 0; p + 4 <= extra.length; ) {
    const len = u16(extra, p + 2);
    if (u16(extra, p) === 0x0001) {
      const end = p + 4 + len;
      let q = p + 4;
      for (let i = 0; i < out.length; i++) {
        if (out[i] !== 0xffffffff || q + 8 > end) continue;
        out[i] = u64(extra, q);
        q += 8;
      }
    }
    p += 4 + len;
  }
  return out;
}

function readLocal(src: Source, offset: number): LocalHeader | undefined {
  const h = src.read(offset, 30);
  if (h.length < 30 || u32(h, 0) !== SIG_LOCAL) return undefined;
  const nameLen = u16(h, 26);
  const extraLen = u16(h, 28);
  const rest = src.read(offset + 30, nameLen + extraLen);
  const [uncompressedSize, compressedSize] = zip64Sizes(rest.subarray(nameLen), [u32(h, 22), u32(h, 18)]) as [
    number,
    number,
  ];
  return {
    name: dec.decode(rest.subarray(0, nameLen)),
    flags: u16(h, 6),
    method: u16(h, 8),
    crc: u32(h, 14),
    compressedSize,
    uncompressedSize,
    dataOffset: offset + 30 + nameLen + extraLen,
  };
}

/** Lists every member found through the central directory and through the local-header chain. */
export function listZip(src: Source, maxMembers: number): ZipListing {
  const anomalies: ZipAnomaly[] = [];
  const byOffset = new Map<number, ZipEntry>();
  const locals = new Map<number, LocalHeader | undefined>();
  const local = (offset: number): LocalHeader | undefined => {
    if (!locals.has(offset)) locals.set(offset, readLocal(src, offset));
    return locals.get(offset);
  };
  readCentral(src, maxMembers, byOffset, anomalies, local);
  walkLocal(src, maxMembers, byOffset, anomalies, local);
  const entries = [...byOffset.values()].sort((a, b) => a.localOffset - b.localOffset);
  for (const e of entries) {
    if (e.inCentral && !e.inLocal)
      anomalies.push({
        rule: "zip-missing-local-header",
        severity: "medium",
        message: `central directory entry "${e.name}" points to offset ${e.localOffset}, where there is no local header`,
        member: e.name,
      });
    if (e.localName !== undefined && e.centralName !== undefined && e.localName !== e.centralName)
      anomalies.push({
        rule: "zip-name-mismatch",
        severity: "medium",
        message: `local header name "${e.localName}" differs from central directory name "${e.centralName}" (parser-confusion trick); both are scanned`,
        member: e.name,
      });
    if (e.inLocal && !e.inCentral)
      anomalies.push({
        rule: "zip-hidden-member",
        severity: "medium",
        message: `member "${e.name}" has a local header but no central directory entry`,
        member: e.name,
      });
    if (e.flags & 0x61)
      anomalies.push({
        rule: "zip-flag-bits",
        severity: "low",
        message: `member "${e.name}" sets flag bits 0x${(e.flags & 0x61).toString(16)} (encryption/patch); ignored as PyTorch does`,
        member: e.name,
      });
  }
  const ranges = entries
    .filter((e) => e.inLocal)
    .map((e) => [e.dataOffset, e.dataOffset + e.compressedSize, e] as const)
    .sort((a, b) => a[0] - b[0]);
  let overlaps = 0;
  for (let i = 1; i < ranges.length; i++) if (ranges[i]![0] < ranges[i - 1]![1]) overlaps++;
  if (overlaps > 0)
    anomalies.push({
      rule: "zip-overlapping-members",
      severity: "high",
      message: `${overlaps} members overlap in the file (a zip-bomb or parser-confusion construction)`,
    });
  return { entries, anomalies };
}

/** `src` with [start, start+length) held in memory (one read for the whole central directory, up to 64 MiB). */
function withBuffered(src: Source, start: number, length: number): Source {
  if (length <= 0 || length > 64 << 20 || start < 0) return src;
  const buf = src.read(start, length);
  return {
    size: src.size,
    read: (offset, len) =>
      offset >= start && offset + len <= start + buf.length
        ? buf.subarray(offset - start, offset - start + len)
        : src.read(offset, len),
  };
}

type LocalReader = (offset: number) => LocalHeader | undefined;

function readCentral(
  src: Source,
  maxMembers: number,
  out: Map<number, ZipEntry>,
  anomalies: ZipAnomaly[],
  readLocalAt: LocalReader,
): void {
  const eocd = findEocd(src);
  if (eocd === undefined) {
    if (src.size > 0)
      anomalies.push({
        rule: "zip-no-central-directory",
        severity: "low",
        message: "no end-of-central-directory record; members found by walking local headers",
      });
    return;
  }
  const e = src.read(eocd, 22);
  let cdSize = u32(e, 12);
  let cdOffset = u32(e, 16);
  const loc = src.read(eocd - 20, 20);
  if (eocd >= 20 && u32(loc, 0) === SIG_LOC64) {
    const e64 = src.read(u64(loc, 8), 56);
    if (u32(e64, 0) === SIG_EOCD64) {
      cdSize = u64(e64, 40);
      cdOffset = u64(e64, 48);
    }
  }
  // Data prepended to the archive shifts every offset; the central directory sits right before the EOCD record.
  let base = 0;
  if (
    u32(src.read(cdOffset, 4), 0) !== SIG_CENTRAL &&
    eocd - cdSize >= 0 &&
    u32(src.read(eocd - cdSize, 4), 0) === SIG_CENTRAL
  ) {
    base = eocd - cdSize - cdOffset;
    anomalies.push({ rule: "zip-prepended-data", severity: "medium", message: `${base} bytes precede the archive` });
  }
  let p = cdOffset + base;
  const cd = withBuffered(src, p, eocd - p);
  // Walk every contiguous central header (the EOCD count is not trusted).
  for (let i = 0; u32(cd.read(p, 4), 0) === SIG_CENTRAL; i++) {
    if (i >= maxMembers) {
      anomalies.push({
        rule: "invalid-limit",
        severity: "medium",
        message: `more than ${maxMembers} members; the rest were not scanned`,
      });
      return;
    }
    const h = cd.read(p, 46);
    if (h.length < 46 || u32(h, 0) !== SIG_CENTRAL) break;
    const nameLen = u16(h, 28);
    const extraLen = u16(h, 30);
    const commentLen = u16(h, 32);
    const rest = cd.read(p + 46, nameLen + extraLen);
    const sizes = zip64Sizes(rest.subarray(nameLen), [u32(h, 24), u32(h, 20), u32(h, 42)]);
    const [uncompressedSize, compressedSize] = sizes as [number, number];
    const localOffset = (sizes[2] as number) + base;
    const name = dec.decode(rest.subarray(0, nameLen));
    const local = readLocalAt(localOffset);
    const entry: ZipEntry = {
      name,
      centralName: name,
      method: u16(h, 10),
      flags: u16(h, 8),
      crc: u32(h, 16),
      compressedSize,
      uncompressedSize,
      localOffset,
      dataOffset: local?.dataOffset ?? localOffset,
      inCentral: true,
      inLocal: local !== undefined,
    };
    if (local) entry.localName = local.name;
    const prev = out.get(localOffset);
    if (prev === undefined) out.set(localOffset, entry);
    else
      anomalies.push({
        rule: "zip-overlapping-members",
        severity: "high",
        message: `central entries "${prev.name}" and "${name}" share one local header`,
        member: name,
      });
    p += 46 + nameLen + extraLen + commentLen;
  }
}

/** Follows local headers from the start of the file; members with data descriptors are delimited by searching. */
function walkLocal(
  src: Source,
  maxMembers: number,
  out: Map<number, ZipEntry>,
  anomalies: ZipAnomaly[],
  readLocalAt: LocalReader,
): void {
  let p = 0;
  let n = 0;
  while (p + 30 <= src.size && n++ < maxMembers) {
    const local = readLocalAt(p);
    if (local === undefined) break;
    const known = out.get(p);
    let size = local.compressedSize;
    if (known) {
      known.inLocal = true;
      known.localName ??= local.name;
      size = known.compressedSize;
    } else {
      if (local.flags & 0x08 && size === 0) size = searchNextHeader(src, local.dataOffset) - local.dataOffset;
      out.set(p, {
        name: local.name,
        localName: local.name,
        method: local.method,
        flags: local.flags,
        crc: local.crc,
        compressedSize: size,
        uncompressedSize: local.uncompressedSize,
        localOffset: p,
        dataOffset: local.dataOffset,
        inCentral: false,
        inLocal: true,
      });
    }
    let next = local.dataOffset + size;
    if (local.flags & 0x08) {
      const d = src.read(next, 4);
      next += u32(d, 0) === SIG_DESCRIPTOR ? 16 : 12;
      if (u32(src.read(next, 4), 0) !== SIG_LOCAL && u32(src.read(next + 8, 4), 0) === SIG_LOCAL) next += 8;
    }
    if (next <= p) break;
    p = next;
  }
  if (n >= maxMembers)
    anomalies.push({ rule: "invalid-limit", severity: "medium", message: `more than ${maxMembers} local headers` });
}

function searchNextHeader(src: Source, from: number): number {
  const CHUNK = 1 << 16;
  for (let p = from; p < src.size; p += CHUNK - 3) {
    const b = src.read(p, CHUNK);
    for (let i = 0; i + 4 <= b.length; i++) {
      if (b[i] !== 0x50 || b[i + 1] !== 0x4b) continue;
      const s = u32(b, i);
      if (s === SIG_DESCRIPTOR || s === SIG_LOCAL || s === SIG_CENTRAL) return p + i;
    }
  }
  return src.size;
}

/**
 * The member's bytes: a slice of the archive when stored, inflated (bounded by `maxBytes` and the shared budget)
 * when deflated. Throws DecodeError for unsupported methods, corrupt data and exceeded limits.
 */
export function memberSource(src: Source, e: ZipEntry, maxBytes: number, budget: DecodeBudget): Source {
  if (e.dataOffset + e.compressedSize > src.size)
    throw new DecodeError(
      `member data (${e.compressedSize} bytes at ${e.dataOffset}) runs past the end of the file`,
      false,
    );
  const raw = sliceSource(src, e.dataOffset, e.compressedSize);
  if (e.method === 0) return raw;
  if (e.method === 14) return lzmaMember(raw, e, maxBytes, budget);
  if (e.method !== 8) throw new DecodeError(`compression method ${e.method} is not supported`, false);
  return decodeBounded(raw, "deflate", maxBytes, budget);
}

/** Zip method 14: 2-byte LZMA SDK version, 2-byte properties size, properties, then raw LZMA data (APPNOTE 5.8.8). */
function lzmaMember(raw: Source, e: ZipEntry, maxBytes: number, budget: DecodeBudget): Source {
  const all = raw.read(0, raw.size);
  const propsSize = (all[2] ?? 0) | ((all[3] ?? 0) << 8);
  if (all.length < 4 + propsSize || propsSize < 5) throw new DecodeError("truncated LZMA member header", false);
  const limit = Math.min(maxBytes, Math.max(0, budget.remaining));
  const size = e.flags & 0x02 ? undefined : e.uncompressedSize;
  try {
    const out = decodeLzma(all.subarray(4 + propsSize), all.subarray(4, 4 + propsSize), size, limit);
    budget.remaining -= out.length;
    return bytesSource(out);
  } catch (err) {
    const l = err as LzmaError;
    throw new DecodeError(l.limit ? `${l.message} (decompression bomb)` : `corrupt LZMA data: ${l.message}`, l.limit);
  }
}

/** CRC-32 of bytes (for reporting mismatches; never used to reject a member). */
export function crcOf(bytes: Uint8Array): number {
  return crc32(bytes) >>> 0;
}
