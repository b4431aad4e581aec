/**
 * Result and option types of the model-file scanner: findings, per-file verdicts, limits.
 */

/** How bad a finding is. critical/high make a file unsafe, medium makes it suspicious, low/info are notes. */
export type Severity = "critical" | "high" | "medium" | "low" | "info";

/** The verdict of one file: safe only when nothing suspicious was found and every loadable part was parsed. */
export type Verdict = "safe" | "suspicious" | "unsafe" | "invalid";

/** One thing the scanner found. `location` names the archive member and byte offset, e.g. `archive/data.pkl@offset 12`. */
export interface Finding {
  rule: string;
  severity: Severity;
  message: string;
  location: string;
}

/** The result of scanning one file (or one byte buffer). */
export interface FileResult {
  path: string;
  /** Format detected from content, e.g. `pickle`, `pytorch-zip`, `safetensors`, `unknown`. */
  format: string;
  verdict: Verdict;
  findings: Finding[];
  /** Size in bytes. */
  size: number;
  /** SHA-256 of the file (hex), when `ScanOptions.hash` was set. */
  sha256?: string;
}

/** Counts per verdict over a scan. */
export interface ScanSummary {
  files: number;
  safe: number;
  suspicious: number;
  unsafe: number;
  invalid: number;
  bytes: number;
  durationMs: number;
}

/** The result of scanning a set of paths. */
export interface ScanResult {
  files: FileResult[];
  summary: ScanSummary;
}

/** Resource limits: exceeding one yields an `invalid-limit` finding, never unbounded work. */
export interface ScanLimits {
  /** Largest pickle stream (or other whole-read content) held in memory. */
  maxPickleBytes: number;
  /** Largest decompressed size of one archive member. */
  maxMemberBytes: number;
  /** Largest total decompressed size per scanned file (archive-bomb guard). */
  maxTotalInflatedBytes: number;
  /** Deepest archive nesting followed. */
  maxDepth: number;
  /** Most archive members considered per archive. */
  maxMembers: number;
  /** Most pickle opcodes executed symbolically per stream. */
  maxPickleOps: number;
  /** Largest stack or memo of the symbolic pickle machine. */
  maxPickleStack: number;
  /** Largest header (safetensors JSON, GGUF metadata, npy header, protobuf message) read. */
  maxHeaderBytes: number;
  /** Bytes of an HDF5 file searched for the Keras model configuration. */
  maxHdf5ScanBytes: number;
}

/** Options of `scanFile`, `scanPath` and `scanBytes`. */
export interface ScanOptions {
  limits?: Partial<ScanLimits>;
  /** Compute the SHA-256 of every scanned file (reads the whole file). */
  hash?: boolean;
}

/** Default limits: generous for real models, small enough to stop bombs. */
export const DEFAULT_LIMITS: ScanLimits = {
  maxPickleBytes: 1 << 30,
  maxMemberBytes: 1 << 30,
  maxTotalInflatedBytes: 4 * (1 << 30),
  maxDepth: 5,
  maxMembers: 100_000,
  maxPickleOps: 100_000_000,
  maxPickleStack: 1_000_000,
  maxHeaderBytes: 100 * (1 << 20),
  maxHdf5ScanBytes: 2 * (1 << 30),
};

/** Progress callback of `scanPath`: called after each file. */
export type ProgressCallback = (done: number, total: number, path: string) => void;
