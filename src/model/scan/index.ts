/**
 * The model-file scanner: detects model formats by content and checks them without loading them. Pickles are
 * disassembled by a symbolic stack machine and judged by an allow-list of ML framework globals and a deny-list of
 * dangerous callables; zip archives are read as leniently as PyTorch reads them; header formats (safetensors, GGUF,
 * ONNX) are checked through file handles without reading tensor data.
 */

export { listFiles, scanBytes, scanFile, scanPath, summarize } from "./files.ts";
export { classifyGlobal, type GlobalVerdict } from "./policy.ts";
export { formatFile, formatText } from "./report.ts";
export { toSarif } from "./sarif.ts";
export {
  DEFAULT_LIMITS,
  type FileResult,
  type Finding,
  type ProgressCallback,
  type ScanLimits,
  type ScanOptions,
  type ScanResult,
  type ScanSummary,
  type Severity,
  type Verdict,
} from "./types.ts";
export { verdictOf } from "./verdict.ts";
