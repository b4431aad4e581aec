/**
 * ONNX models (onnx.proto3 ModelProto) walked with the bounded wire-format reader: external-data locations that
 * escape the model directory, custom operator domains (native code loaded by the runtime), Python-executing ops,
 * and tensor declarations whose sizes disagree with their data or exceed any plausible size. Tensor payloads are
 * skipped by offset, never read.
 */
import { PbError, type PbField, pbFields, pbInts, pbString } from "./protobuf.ts";
import { type FormatScan, invalid, type RawFinding } from "./raw-finding.ts";
import type { Source } from "./source.ts";

const STANDARD_DOMAINS = new Set(["", "ai.onnx", "ai.onnx.ml", "ai.onnx.training", "ai.onnx.preview.training"]);
const RUNTIME_DOMAINS = new Set([
  "com.microsoft",
  "com.microsoft.nchwc",
  "com.microsoft.experimental",
  "com.ms.internal.nhwc",
]);
const PYTHON_OPS = new Set(["PyOp", "PythonOp", "PyFunc", "PythonOpGrad"]);
/** Bytes per element by TensorProto.DataType (0 = variable or unknown). */
const ELEM_BYTES: Record<number, number> = {
  1: 4,
  2: 1,
  3: 1,
  4: 2,
  5: 2,
  6: 4,
  7: 8,
  9: 1,
  10: 2,
  11: 8,
  12: 4,
  13: 8,
  14: 8,
  15: 16,
  16: 2,
  17: 1,
  18: 1,
  19: 1,
  20: 1,
  21: 0.5,
  22: 0.5,
  23: 0.5,
};
/** Declared tensors above this many bytes are reported as oversized (1 TiB). */
const OVERSIZED = 2 ** 40;
const MAX_GRAPH_DEPTH = 32;

/** True when the top-level fields form a ModelProto: an ir_version varint and a graph (unknown fields are allowed). */
function isModel(top: PbField[]): boolean {
  const ir = top.find((f) => f.field === 1);
  const typed: Record<number, number> = { 1: 0, 2: 2, 3: 2, 4: 2, 6: 2, 7: 2, 8: 2, 14: 2, 20: 2, 25: 2 };
  return (
    ir !== undefined &&
    ir.wire === 0 &&
    ir.value <= 1000 &&
    top.some((f) => f.field === 7 && f.wire === 2) &&
    top.every((f) => typed[f.field] === undefined || typed[f.field] === f.wire)
  );
}

/** Scans an ONNX model; undefined when the bytes are not one. */
export function scanOnnx(src: Source): FormatScan | undefined {
  const first = src.read(0, 1)[0];
  if (first !== 0x08 && first !== 0x12 && first !== 0x1a && first !== 0x3a && first !== 0x42) return undefined;
  let top: PbField[];
  try {
    top = pbFields(src, 0, src.size, 100_000);
  } catch {
    return undefined;
  }
  if (!isModel(top)) return undefined;
  const findings: RawFinding[] = [];
  const w = new Walker(src, findings);
  try {
    for (const f of top) {
      if (f.field === 8 && f.wire === 2) w.opset(f);
      else if (f.field === 7 && f.wire === 2) w.graph(f, 0);
      else if (f.field === 25 && f.wire === 2) w.func(f);
    }
  } catch (e) {
    if (!(e instanceof PbError)) throw e;
    findings.push(invalid(`malformed ONNX protobuf: ${e.message}`));
  }
  return { format: "onnx", findings };
}

class Walker {
  private reportedDomains = new Set<string>();
  constructor(
    private readonly src: Source,
    private readonly findings: RawFinding[],
  ) {}

  private sub(f: PbField): PbField[] {
    return pbFields(this.src, f.offset, f.offset + f.length);
  }

  private str(fields: PbField[], num: number): string | undefined {
    const f = fields.find((x) => x.field === num && x.wire === 2);
    return f ? pbString(this.src, f) : undefined;
  }

  domain(domain: string, offset: number, what: string): void {
    if (STANDARD_DOMAINS.has(domain) || this.reportedDomains.has(domain)) return;
    this.reportedDomains.add(domain);
    if (RUNTIME_DOMAINS.has(domain))
      this.findings.push({
        rule: "onnx-runtime-domain",
        severity: "low",
        message: `${what} uses ONNX Runtime contrib domain "${domain}"`,
        offset,
      });
    else
      this.findings.push({
        rule: "onnx-custom-domain",
        severity: "medium",
        message: `${what} uses custom operator domain "${domain}": running it loads a native custom-op library`,
        offset,
      });
  }

  opset(f: PbField): void {
    this.domain(this.str(this.sub(f), 1) ?? "", f.offset, "opset import");
  }

  func(f: PbField): void {
    const fields = this.sub(f);
    for (const n of fields) if (n.field === 7 && n.wire === 2) this.node(n, 1);
    this.domain(this.str(fields, 10) ?? "", f.offset, `function "${this.str(fields, 1) ?? ""}"`);
  }

  graph(f: PbField, depth: number): void {
    if (depth > MAX_GRAPH_DEPTH) throw new PbError(`subgraphs nest deeper than ${MAX_GRAPH_DEPTH}`);
    for (const g of this.sub(f)) {
      if (g.wire !== 2) continue;
      if (g.field === 1) this.node(g, depth);
      else if (g.field === 5) this.tensor(g);
      else if (g.field === 15)
        for (const s of this.sub(g)) if (s.wire === 2 && (s.field === 1 || s.field === 2)) this.tensor(s);
    }
  }

  node(f: PbField, depth: number): void {
    const fields = this.sub(f);
    const op = this.str(fields, 4) ?? "";
    const domain = this.str(fields, 7) ?? "";
    if (PYTHON_OPS.has(op))
      this.findings.push({
        rule: "onnx-python-op",
        severity: "high",
        message: `node op "${op}" (domain "${domain}") runs Python code`,
        offset: f.offset,
      });
    this.domain(domain, f.offset, `node "${op}"`);
    for (const a of fields) {
      if (a.field !== 5 || a.wire !== 2) continue;
      for (const x of this.sub(a)) {
        if (x.wire !== 2) continue;
        if (x.field === 6 || x.field === 11) this.graph(x, depth + 1);
        else if (x.field === 5 || x.field === 10) this.tensor(x);
      }
    }
  }

  tensor(f: PbField): void {
    const fields = this.sub(f);
    const name = this.str(fields, 8) ?? "";
    const dims = pbInts(this.src, fields, 1);
    const dtype = fields.find((x) => x.field === 2 && x.wire === 0)?.value ?? 0;
    let numel = 1;
    for (const d of dims) numel *= d;
    const elem = ELEM_BYTES[dtype] ?? 0;
    const declared = numel * elem;
    if (declared > OVERSIZED || !Number.isSafeInteger(numel))
      this.findings.push({
        rule: "onnx-oversized-tensor",
        severity: "medium",
        message: `tensor "${name}" declares ${dims.join("x")} elements (${declared} bytes)`,
        offset: f.offset,
      });
    const raw = fields.find((x) => x.field === 9 && x.wire === 2);
    if (raw && elem > 0 && declared <= OVERSIZED && Math.ceil(declared) !== raw.length)
      this.findings.push(
        invalid(`tensor "${name}" declares ${Math.ceil(declared)} bytes but carries ${raw.length}`, raw.offset),
      );
    for (const e of fields) {
      if (e.field !== 13 || e.wire !== 2) continue;
      const kv = this.sub(e);
      const key = this.str(kv, 1);
      const value = this.str(kv, 2) ?? "";
      if (key === "location" && escapes(value))
        this.findings.push({
          rule: "onnx-external-data-escape",
          severity: "high",
          message: `tensor "${name}" reads external data from "${value}", outside the model directory`,
          offset: e.offset,
        });
    }
  }
}

/** True when a relative external-data path leaves its directory (absolute, `..`, drive letters, UNC, NUL). */
export function escapes(location: string): boolean {
  if (location.includes("\0") || /^[a-zA-Z]:/.test(location) || location.startsWith("/") || location.startsWith("\\"))
    return true;
  return location.split(/[\\/]/).includes("..");
}
