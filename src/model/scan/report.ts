/** Human-readable text report of a scan (the JSON report is the ScanResult itself). */
import type { FileResult, ScanResult, Verdict } from "./types.ts";

const MARK: Record<Verdict, string> = { safe: "SAFE", suspicious: "SUSPICIOUS", unsafe: "UNSAFE", invalid: "INVALID" };

/** Formats one file's result; `color` wraps verdict words (e.g. picocolors), identity by default. */
export function formatFile(f: FileResult, color: (v: Verdict, s: string) => string = (_v, s) => s): string {
  const lines = [`${color(f.verdict, MARK[f.verdict].padEnd(10))} ${f.path}  [${f.format}]`];
  for (const x of f.findings) {
    if (x.severity === "info" && f.verdict === "safe") continue;
    lines.push(`  ${x.severity.padEnd(8)} ${x.rule}: ${x.message} (${x.location})`);
  }
  return lines.join("\n");
}

/** Formats a whole scan: every file, then the summary line. */
export function formatText(result: ScanResult, color?: (v: Verdict, s: string) => string): string {
  const s = result.summary;
  const body = result.files.map((f) => formatFile(f, color)).join("\n");
  const summary = `${s.files} file(s): ${s.safe} safe, ${s.suspicious} suspicious, ${s.unsafe} unsafe, ${s.invalid} invalid (${s.durationMs} ms)`;
  return body ? `${body}\n\n${summary}` : summary;
}
