/**
 * The scan engine: detects formats by content (never by extension), runs every parser whose magic matches and the
 * pickle parser as a fallback, recurses into archive members (zip, tar, 7z, gzip, zlib, lzma) with depth and
 * decompression budgets, and collects findings with `member@offset` locations.
 */

import { scanGguf } from "./gguf.ts";
import { scanHdf5 } from "./hdf5.ts";
import { type DecodeBudget, type DecodeError, decodeBounded } from "./inflate.ts";
import { checkKerasConfig } from "./keras.ts";
import { decodeLzma, decodeXz, LzmaError } from "./lzma.ts";
import { NPY_MAGIC, parseNpyHeader } from "./npy.ts";
import { scanOnnx } from "./onnx.ts";
import { scanPickleStream } from "./pickle/analyze.ts";
import type { FormatScan, RawFinding } from "./raw-finding.ts";
import { scanSafetensors } from "./safetensors.ts";
import { scanSavedModel } from "./savedmodel.ts";
import { scan7z } from "./sevenzip.ts";
import { bytesSource, readAll, type Source, sliceSource } from "./source.ts";
import { isTarHeader, listTar, tarMemberSource } from "./tar.ts";
import type { Finding, ScanLimits } from "./types.ts";
import { crcOf, listZip, looksLikeZip, memberSource, type ZipEntry } from "./zip.ts";

/** State of one top-level scan. */
export interface ScanContext {
  limits: ScanLimits;
  budget: DecodeBudget;
  findings: Finding[];
}

/** Creates the context for scanning one file. */
export function newContext(limits: ScanLimits): ScanContext {
  return { limits, budget: { remaining: limits.maxTotalInflatedBytes }, findings: [] };
}

/** Location text: `member@offset N`, `offset N`, or the member path alone. */
export function locate(member: string, offset?: number): string {
  if (offset === undefined) return member || "file";
  return member ? `${member}@offset ${offset}` : `offset ${offset}`;
}

function push(ctx: ScanContext, member: string, raw: RawFinding[]): void {
  for (const f of raw)
    ctx.findings.push({ rule: f.rule, severity: f.severity, message: f.message, location: locate(member, f.offset) });
}

function startsWith(src: Source, magic: number[], at = 0): boolean {
  const h = src.read(at, magic.length);
  return magic.every((b, i) => h[i] === b);
}

const SEVEN_ZIP = [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c];
const GZIP = [0x1f, 0x8b, 0x08];
const XZ = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];
const UNSUPPORTED_COMPRESSION: [number[], string][] = [
  [[0x42, 0x5a, 0x68], "bzip2"],
  [[0x28, 0xb5, 0x2f, 0xfd], "zstd"],
  [[0x04, 0x22, 0x4d, 0x18], "lz4"],
];

function isZlib(src: Source): boolean {
  const h = src.read(0, 2);
  return h.length === 2 && (h[0]! & 0x0f) === 8 && h[0]! >> 4 <= 7 && ((h[0]! << 8) | h[1]!) % 31 === 0;
}

/**
 * Scans `src` (the whole file, or a member at path `member`) and returns the format it was recognised as. Findings
 * go to `ctx.findings`. Never throws for bad input.
 */
export function scanSource(src: Source, member: string, depth: number, ctx: ScanContext): string {
  const formats: string[] = [];
  const record = (r: FormatScan | undefined): void => {
    if (!r) return;
    formats.push(r.format);
    push(ctx, member, r.findings);
  };
  if (looksLikeZip(src)) formats.push(scanZip(src, member, depth, ctx));
  else if (isTarHeader(src.read(0, 512))) formats.push(scanTar(src, member, depth, ctx));
  else if (startsWith(src, SEVEN_ZIP))
    record(scan7z(src, (inner, name) => scanNested(inner, join(member, name), depth, ctx), ctx.limits, ctx.budget));
  else if (startsWith(src, GZIP)) formats.push(scanCompressed(src, "gzip", member, depth, ctx) ?? "gzip");
  else if (startsWith(src, NPY_MAGIC)) formats.push(scanNpy(src, member, ctx));
  else {
    record(scanSafetensors(src, ctx.limits.maxHeaderBytes));
    if (formats.length === 0) record(scanGguf(src, ctx.limits.maxHeaderBytes));
    if (formats.length === 0) record(scanHdf5(src, ctx.limits.maxHdf5ScanBytes));
    if (formats.length === 0) record(scanOnnx(src));
    if (formats.length === 0) record(scanSavedModel(src));
    if (formats.length === 0 && isZlib(src)) {
      const zlib = scanCompressed(src, "zlib", member, depth, ctx);
      if (zlib) formats.push(zlib);
    }
    if (formats.length === 0 && startsWith(src, XZ)) formats.push(scanLzmaFamily(src, "xz", member, depth, ctx));
    if (formats.length === 0 && isLzmaAlone(src)) formats.push(scanLzmaFamily(src, "lzma", member, depth, ctx));
    if (formats.length === 0)
      for (const [magic, name] of UNSUPPORTED_COMPRESSION)
        if (startsWith(src, magic)) {
          formats.push(name);
          push(ctx, member, [
            {
              rule: "invalid-unsupported-compression",
              severity: "medium",
              message: `${name}-compressed content cannot be inspected; decompress it and scan the result`,
            },
          ]);
        }
  }
  const pickle = probePickle(src, member, formats.length > 0, ctx);
  return formats[0] ?? pickle ?? "unknown";
}

function join(member: string, name: string): string {
  return member ? `${member}/${name}` : name;
}

function scanNested(src: Source, member: string, depth: number, ctx: ScanContext): void {
  if (depth + 1 > ctx.limits.maxDepth) {
    push(ctx, member, [
      {
        rule: "invalid-limit",
        severity: "medium",
        message: `archives nest deeper than ${ctx.limits.maxDepth}; not followed`,
      },
    ]);
    return;
  }
  scanSource(src, member, depth + 1, ctx);
}

/**
 * Runs the pickle parser. When another format matched, only a real pickle (complete, or importing/calling before it
 * breaks) is reported (polyglot files). Otherwise the content is a pickle, or invalid when it starts with a pickle
 * PROTO header, or unknown.
 */
function probePickle(src: Source, member: string, otherFormat: boolean, ctx: ScanContext): string | undefined {
  const head = src.read(0, 2);
  const proto = head[0] === 0x80 && head[1] !== undefined && head[1] <= 5;
  // Read a growing prefix: most files are decided in the first MiB, legacy PyTorch files after their five pickles.
  let len = Math.min(src.size, otherFormat ? 1 << 16 : 1 << 20);
  let scan = scanPickleStream(src.read(0, len), (o) => locate(member, o), ctx.limits);
  while (!otherFormat && scan.reachedEnd && len < src.size) {
    if (len >= ctx.limits.maxPickleBytes) {
      push(ctx, member, [
        {
          rule: "invalid-limit",
          severity: "medium",
          message: `pickle stream longer than the ${ctx.limits.maxPickleBytes}-byte limit`,
        },
      ]);
      return "pickle";
    }
    len = Math.min(src.size, len * 4, ctx.limits.maxPickleBytes);
    scan = scanPickleStream(src.read(0, len), (o) => locate(member, o), ctx.limits);
  }
  if (scan.isPickle) {
    if (otherFormat)
      ctx.findings.push({
        rule: "polyglot",
        severity: "medium",
        message: "the file is also a loadable pickle (polyglot): pickle-based loaders read it differently",
        location: locate(member, 0),
      });
    ctx.findings.push(...scan.findings);
    return scan.legacyTorch ? "pytorch-legacy" : "pickle";
  }
  if (otherFormat) return undefined;
  if (proto) {
    ctx.findings.push({
      rule: "invalid-pickle",
      severity: "medium",
      message: `starts with a pickle header but is not a valid pickle: ${scan.firstError ?? "unknown error"}`,
      location: locate(member, 0),
    });
    return "pickle";
  }
  if (!member)
    ctx.findings.push({
      rule: "format-unknown",
      severity: "info",
      message: "not a recognised model format and not a pickle; no model loader executes it",
      location: "file",
    });
  return undefined;
}

function scanNpy(src: Source, member: string, ctx: ScanContext): string {
  let header: ReturnType<typeof parseNpyHeader>;
  try {
    header = parseNpyHeader(src, ctx.limits.maxHeaderBytes);
  } catch (e) {
    push(ctx, member, [
      { rule: "invalid-format", severity: "medium", message: `.npy header: ${(e as Error).message}`, offset: 0 },
    ]);
    return "numpy";
  }
  const dataLen = src.size - header.dataOffset;
  if (header.hasObject) {
    if (dataLen > ctx.limits.maxPickleBytes) {
      push(ctx, member, [
        { rule: "invalid-limit", severity: "medium", message: "object array pickle exceeds the size limit" },
      ]);
      return "numpy";
    }
    const data = sliceSource(src, header.dataOffset, dataLen);
    const scan = scanPickleStream(readAll(data), (o) => locate(member, header.dataOffset + o), ctx.limits);
    ctx.findings.push(...scan.findings);
    if (!scan.isPickle)
      push(ctx, member, [
        {
          rule: "invalid-format",
          severity: "medium",
          message: `object array data is not a pickle: ${scan.firstError ?? ""}`,
          offset: header.dataOffset,
        },
      ]);
  } else if (header.dataBytes !== undefined && header.dataBytes > dataLen) {
    push(ctx, member, [
      {
        rule: "invalid-format",
        severity: "medium",
        message: `array needs ${header.dataBytes} bytes, the file has ${dataLen}`,
        offset: header.dataOffset,
      },
    ]);
  }
  return "numpy";
}

function scanCompressed(
  src: Source,
  kind: "gzip" | "zlib",
  member: string,
  depth: number,
  ctx: ScanContext,
): string | undefined {
  try {
    const inner = decodeBounded(src, kind, ctx.limits.maxMemberBytes, ctx.budget);
    scanNested(inner, join(member, `<${kind}>`), depth, ctx);
  } catch (e) {
    const err = e as DecodeError;
    // A zlib header is only two bytes: when nothing decodes, the content was not zlib data at all.
    if (kind === "zlib" && !err.limit && (err.partial?.length ?? 0) === 0) return undefined;
    if (err.limit) push(ctx, member, [{ rule: "archive-bomb", severity: "high", message: err.message }]);
    else {
      push(ctx, member, [
        {
          rule: "invalid-format",
          severity: "medium",
          message: `${kind} stream cannot be decompressed: ${err.message}`,
        },
      ]);
      // Streaming loaders unpickle what decodes before the corruption: scan that part too.
      if (err.partial && err.partial.length > 0)
        scanNested(bytesSource(err.partial), join(member, `<${kind}>`), depth, ctx);
    }
  }
  return kind === "zlib" ? "zlib (joblib)" : "gzip";
}

/** The `.lzma` ("LZMA alone") header: default properties, a power-of-two dictionary, a plausible or unknown size. */
function isLzmaAlone(src: Source): boolean {
  const h = src.read(0, 13);
  if (h.length < 13 || h[0] !== 0x5d) return false;
  const dict = (h[1]! | (h[2]! << 8) | (h[3]! << 16) | (h[4]! << 24)) >>> 0;
  const unknown = h.subarray(5, 13).every((b) => b === 0xff);
  return dict >= 1 << 12 && (dict & (dict - 1)) === 0 && (unknown || h[12] === 0);
}

function scanLzmaFamily(src: Source, kind: "lzma" | "xz", member: string, depth: number, ctx: ScanContext): string {
  try {
    const limit = Math.min(ctx.limits.maxMemberBytes, Math.max(0, ctx.budget.remaining));
    if (src.size > ctx.limits.maxMemberBytes)
      throw new LzmaError(`${kind} stream of ${src.size} bytes exceeds the limit`, true);
    let out: Uint8Array;
    if (kind === "xz") out = decodeXz(readAll(src), limit);
    else {
      const h = src.read(0, 13);
      const unknown = h.subarray(5, 13).every((b) => b === 0xff);
      out = decodeLzma(
        src.read(13, src.size - 13),
        h.subarray(0, 5),
        unknown ? undefined : Buffer.from(h).readUIntLE(5, 6),
        limit,
      );
    }
    ctx.budget.remaining -= out.length;
    scanNested(bytesSource(out), join(member, `<${kind}>`), depth, ctx);
  } catch (e) {
    const err = e as LzmaError;
    push(ctx, member, [
      err.limit
        ? { rule: "archive-bomb", severity: "high", message: err.message }
        : {
            rule: "invalid-format",
            severity: "medium",
            message: `${kind} stream cannot be decompressed: ${err.message}`,
          },
    ]);
  }
  return kind;
}

/** Members of a PyTorch zip under `<prefix>data/` are raw tensor storages: never unpickled by torch.load. */
function storagePrefixes(entries: ZipEntry[]): string[] {
  const out: string[] = [];
  for (const e of entries)
    for (const n of [e.centralName, e.localName]) if (n?.endsWith("data.pkl")) out.push(`${n.slice(0, -8)}data/`);
  return out;
}

function scanZip(src: Source, member: string, depth: number, ctx: ScanContext): string {
  const { entries, anomalies } = listZip(src, ctx.limits.maxMembers);
  for (const a of anomalies)
    push(ctx, a.member ? join(member, a.member) : member, [{ rule: a.rule, severity: a.severity, message: a.message }]);
  const names = entries.flatMap((e) => [e.centralName, e.localName].filter((n): n is string => n !== undefined));
  const storages = storagePrefixes(entries);
  const keras =
    names.includes("config.json") &&
    (names.includes("metadata.json") || names.some((n) => n.startsWith("model.weights")));
  const format =
    storages.length > 0
      ? "pytorch-zip"
      : keras
        ? "keras"
        : names.length > 0 && names.every((n) => n.endsWith(".npy"))
          ? "npz"
          : "zip";
  if (entries.length === 0)
    push(ctx, member, [{ rule: "invalid-format", severity: "medium", message: "zip structure without any member" }]);
  for (const e of entries) {
    const path = join(member, e.name);
    if (!e.inLocal) continue;
    if (storages.some((p) => e.name.startsWith(p) && !e.name.slice(p.length).includes("/"))) {
      if (e.dataOffset + e.compressedSize > src.size)
        push(ctx, path, [
          { rule: "invalid-format", severity: "medium", message: "tensor storage runs past the end of the archive" },
        ]);
      continue;
    }
    if (e.compressedSize === 0 && e.uncompressedSize === 0) continue;
    let data: Source;
    try {
      data = memberSource(src, e, ctx.limits.maxMemberBytes, ctx.budget);
    } catch (err) {
      const d = err as DecodeError;
      if (d.limit) push(ctx, path, [{ rule: "archive-bomb", severity: "high", message: d.message }]);
      else if (e.flags & 1)
        push(ctx, path, [
          {
            rule: "zip-encrypted",
            severity: "low",
            message: `encrypted member cannot be decoded (${d.message}); no loader reads it without the password`,
          },
        ]);
      else {
        push(ctx, path, [
          { rule: "invalid-format", severity: "medium", message: `member cannot be read: ${d.message}` },
        ]);
        if (d.partial && d.partial.length > 0) scanNested(bytesSource(d.partial), path, depth, ctx);
      }
      continue;
    }
    if (data.size <= 64 << 20 && crcOf(readAll(data)) !== e.crc)
      push(ctx, path, [
        {
          rule: "zip-crc-mismatch",
          severity: "low",
          message: "CRC-32 does not match (ignored, as PyTorch ignores it)",
        },
      ]);
    if (keras && e.name === "config.json") {
      scanKerasConfig(data, path, ctx);
      continue;
    }
    scanNested(data, path, depth, ctx);
  }
  return format;
}

function scanKerasConfig(src: Source, member: string, ctx: ScanContext): void {
  if (src.size > ctx.limits.maxHeaderBytes) {
    push(ctx, member, [
      { rule: "invalid-limit", severity: "medium", message: "config.json exceeds the header size limit" },
    ]);
    return;
  }
  try {
    push(ctx, member, checkKerasConfig(JSON.parse(new TextDecoder().decode(readAll(src))), "config.json"));
  } catch (e) {
    push(ctx, member, [
      { rule: "invalid-format", severity: "medium", message: `config.json is not valid JSON: ${(e as Error).message}` },
    ]);
  }
}

function scanTar(src: Source, member: string, depth: number, ctx: ScanContext): string {
  const { members, error } = listTar(src, ctx.limits.maxMembers);
  if (error) push(ctx, member, [{ rule: "invalid-format", severity: "medium", message: `tar: ${error}` }]);
  const names = new Set(members.map((m) => m.name.replace(/^\.\//, "")));
  for (const m of members)
    if (m.type === "0" || m.type === "\0" || m.type === "7")
      scanNested(tarMemberSource(src, m), join(member, m.name), depth, ctx);
  return names.has("pickle") && names.has("storages") ? "pytorch-legacy-tar" : "tar";
}
