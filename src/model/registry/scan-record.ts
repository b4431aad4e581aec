/** Turns a scanner result into the scan record the registry keeps: safe only when every file's verdict is safe. */
import type { ScanResult } from "../scan/index.ts";
import type { ScanRecord } from "./types.ts";

/** Summarises a scan of a model version for the registry's scan gate. */
export function scanRecordOf(result: ScanResult, scannedAt = new Date().toISOString()): ScanRecord {
  const flagged = result.files.filter((f) => f.verdict !== "safe").map((f) => ({ path: f.path, verdict: f.verdict }));
  return { safe: result.files.length > 0 && flagged.length === 0, summary: { ...result.summary }, flagged, scannedAt };
}
