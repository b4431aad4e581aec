/**
 * TensorFlow SavedModel protobufs (`saved_model.pb`: SavedModel -> MetaGraphDef -> GraphDef and FunctionDefLibrary),
 * walked with the bounded wire-format reader. Ops that touch the file system or call back into Python are reported
 * (the checkpoint ops every SavedModel has, SaveV2/RestoreV2, are not).
 */
import { PbError, type PbField, pbFields, pbString } from "./protobuf.ts";
import { type FormatScan, invalid, type RawFinding } from "./raw-finding.ts";
import type { Source } from "./source.ts";

const PYTHON_OPS = new Set(["PyFunc", "PyFuncStateless", "EagerPyFunc"]);
const FILE_OPS = new Set(["ReadFile", "WriteFile", "MatchingFiles", "DeleteFile", "ImmutableConst", "LoadLibrary"]);
const SIDE_OPS = new Set([
  "PrintV2",
  "Print",
  "DebugIdentityV2",
  "TextLineDataset",
  "TFRecordDataset",
  "FixedLengthRecordDataset",
]);

/** What each group of ops is reported as. */
const OP_RULES: ReadonlyArray<{ ops: ReadonlySet<string>; rule: string; severity: "high" | "medium"; does: string }> = [
  { ops: PYTHON_OPS, rule: "savedmodel-python-op", severity: "high", does: "calls a Python function" },
  { ops: FILE_OPS, rule: "savedmodel-file-op", severity: "high", does: "accesses the file system" },
  { ops: SIDE_OPS, rule: "savedmodel-io-op", severity: "medium", does: "reads or writes outside the model" },
];

/** Scans a SavedModel; undefined when the bytes do not have its structure. */
export function scanSavedModel(src: Source): FormatScan | undefined {
  let top: PbField[];
  try {
    top = pbFields(src, 0, src.size, 10_000);
  } catch {
    return undefined;
  }
  const metas = top.filter((f) => f.field === 2 && f.wire === 2);
  if (metas.length === 0 || !top.every((f) => (f.field === 1 && f.wire === 0) || (f.field === 2 && f.wire === 2)))
    return undefined;
  const findings: RawFinding[] = [];
  let nodes = 0;
  const seen = new Set<string>();
  const visitNode = (f: PbField): void => {
    const fields = pbFields(src, f.offset, f.offset + f.length);
    const opField = fields.find((x) => x.field === 2 && x.wire === 2);
    if (!opField) return;
    nodes++;
    const op = pbString(src, opField, 256);
    if (seen.has(op)) return;
    const rule = OP_RULES.find((r) => r.ops.has(op));
    if (rule) {
      seen.add(op);
      findings.push({
        rule: rule.rule,
        severity: rule.severity,
        message: `graph uses op ${op}, which ${rule.does}`,
        offset: f.offset,
      });
    }
  };
  try {
    let graphs = 0;
    for (const m of metas) {
      for (const g of pbFields(src, m.offset, m.offset + m.length)) {
        if (g.field !== 2 || g.wire !== 2) continue;
        graphs++;
        for (const n of pbFields(src, g.offset, g.offset + g.length)) {
          if (n.wire !== 2) continue;
          if (n.field === 1) visitNode(n);
          else if (n.field === 2)
            for (const fn of pbFields(src, n.offset, n.offset + n.length))
              if (fn.field === 1 && fn.wire === 2)
                for (const x of pbFields(src, fn.offset, fn.offset + fn.length))
                  if (x.field === 3 && x.wire === 2) visitNode(x);
        }
      }
    }
    if (graphs === 0 && nodes === 0) return undefined;
  } catch (e) {
    if (!(e instanceof PbError)) throw e;
    if (nodes === 0) return undefined;
    findings.push(invalid(`malformed SavedModel protobuf: ${e.message}`));
  }
  return { format: "tf-savedmodel", findings };
}
