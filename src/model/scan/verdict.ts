/**
 * From findings to a verdict: critical/high findings make a file unsafe; otherwise any `invalid-*` finding (a part
 * that could be loaded was not parsed, or a limit stopped the scan) makes it invalid; otherwise medium findings make it
 * suspicious. Only a file with nothing above low/info is safe: a scan error never yields "safe".
 */
import type { Finding, Verdict } from "./types.ts";

/** The verdict for a set of findings. */
export function verdictOf(findings: readonly Finding[]): Verdict {
  if (findings.some((f) => f.severity === "critical" || f.severity === "high")) return "unsafe";
  if (findings.some((f) => f.rule.startsWith("invalid"))) return "invalid";
  if (findings.some((f) => f.severity === "medium")) return "suspicious";
  return "safe";
}

const ORDER: Record<Finding["severity"], number> = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };

/** Findings sorted most severe first (stable within a severity). */
export function sortFindings(findings: Finding[]): Finding[] {
  return findings
    .map((f, i) => [f, i] as const)
    .sort((a, b) => ORDER[a[0].severity] - ORDER[b[0].severity] || a[1] - b[1])
    .map(([f]) => f);
}
