/**
 * safetensors (huggingface/safetensors format): an 8-byte little-endian header length, a JSON header, then tensor
 * bytes. Only the header is read. Checks, as the reference loader does: header length within the file, JSON object,
 * known dtypes, integer shapes, `data_offsets` in bounds, matching dtype x shape, sorted, non-overlapping and covering
 * the data buffer exactly.
 */
import { type FormatScan, invalid, type RawFinding } from "./raw-finding.ts";
import type { Source } from "./source.ts";

/** Bits per element of every safetensors dtype. */
const DTYPE_BITS: Record<string, number> = {
  BOOL: 8,
  U8: 8,
  I8: 8,
  F8_E5M2: 8,
  F8_E4M3: 8,
  F8_E8M0: 8,
  I16: 16,
  U16: 16,
  F16: 16,
  BF16: 16,
  I32: 32,
  U32: 32,
  F32: 32,
  F64: 64,
  I64: 64,
  U64: 64,
  C64: 64,
  F4: 4,
  F6_E2M3: 6,
  F6_E3M2: 6,
};

/** True when the first bytes look like a safetensors header (length fits the file, JSON object follows). */
export function looksLikeSafetensors(src: Source): boolean {
  const head = src.read(0, 9);
  if (head.length < 9 || head[8] !== 0x7b) return false;
  const n = headerLength(head);
  return n >= 2 && n <= src.size - 8;
}

function headerLength(head: Uint8Array): number {
  let n = 0;
  for (let i = 7; i >= 0; i--) n = n * 256 + head[i]!;
  return n;
}

/** Scans a safetensors file through its header only. */
export function scanSafetensors(src: Source, maxHeaderBytes: number): FormatScan | undefined {
  if (!looksLikeSafetensors(src)) return undefined;
  const findings: RawFinding[] = [];
  const result: FormatScan = { format: "safetensors", findings };
  const n = headerLength(src.read(0, 8));
  if (n > maxHeaderBytes) {
    findings.push(invalid(`header of ${n} bytes exceeds the ${maxHeaderBytes}-byte limit`, 0));
    return result;
  }
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(src.read(8, n)));
  } catch (e) {
    findings.push(invalid(`header is not valid UTF-8 JSON: ${(e as Error).message}`, 8));
    return result;
  }
  if (header === null || typeof header !== "object" || Array.isArray(header)) {
    findings.push(invalid("header is not a JSON object", 8));
    return result;
  }
  const dataLen = src.size - 8 - n;
  const spans: { name: string; begin: number; end: number }[] = [];
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === "__metadata__") {
      if (raw === null || typeof raw !== "object" || Object.values(raw).some((v) => typeof v !== "string"))
        findings.push(invalid("__metadata__ must map strings to strings", 8));
      continue;
    }
    const t = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (t === null || typeof t !== "object") {
      findings.push(invalid(`tensor "${name}" is not an object`, 8));
      continue;
    }
    const bits = typeof t.dtype === "string" ? DTYPE_BITS[t.dtype] : undefined;
    if (bits === undefined) findings.push(invalid(`tensor "${name}" has unknown dtype ${JSON.stringify(t.dtype)}`, 8));
    const shape = t.shape;
    const offsets = t.data_offsets;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      findings.push(invalid(`tensor "${name}" has an invalid shape`, 8));
      continue;
    }
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) ||
      offsets[0] > offsets[1]
    ) {
      findings.push(invalid(`tensor "${name}" has invalid data_offsets`, 8));
      continue;
    }
    const [begin, end] = offsets as [number, number];
    if (end > dataLen) {
      findings.push(
        invalid(`tensor "${name}" data [${begin}, ${end}) runs past the data buffer (${dataLen} bytes)`, 8),
      );
      continue;
    }
    const numel = (shape as number[]).reduce((a, b) => a * b, 1);
    if (bits !== undefined && Math.ceil((numel * bits) / 8) !== end - begin)
      findings.push(
        invalid(
          `tensor "${name}": ${t.dtype} x [${shape.join(", ")}] needs ${Math.ceil((numel * bits) / 8)} bytes, data_offsets give ${end - begin}`,
          8,
        ),
      );
    spans.push({ name, begin, end });
  }
  spans.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  for (const s of spans) {
    if (s.begin < cursor)
      findings.push({
        rule: "safetensors-overlap",
        severity: "high",
        message: `tensor "${s.name}" [${s.begin}, ${s.end}) overlaps the previous tensor (aliasing / parser confusion)`,
        offset: 8 + n + s.begin,
      });
    else if (s.begin > cursor)
      findings.push(invalid(`${s.begin - cursor} bytes before tensor "${s.name}" belong to no tensor`, 8 + n + cursor));
    cursor = Math.max(cursor, s.end);
  }
  if (cursor !== dataLen && findings.length === 0)
    findings.push(invalid(`tensors cover ${cursor} of ${dataLen} data bytes (hidden trailing data)`, 8 + n + cursor));
  return result;
}
