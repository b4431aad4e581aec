/**
 * CI verdicts: thresholds from the plan checked against a report. Every check says what was measured, the bound and
 * whether it held; a required metric that was not measured fails the check (fail closed).
 */
import { z } from "zod";
import type { MlReport } from "./types.ts";

const robustPoint = z.strictObject({
  epsilon: z.number().nonnegative().describe("the ε the bound applies to"),
  value: z.number().min(0).max(1).describe("the bound"),
  attack: z.string().optional().describe("only this attack (default: every attack)"),
  defence: z.string().optional().describe("only this defence (default: every defence)"),
});

/** Thresholds a plan may set; each one becomes a check in the verdict. */
export const thresholdsSchema = z
  .strictObject({
    evasion: z
      .strictObject({
        minRobustAccuracy: z.array(robustPoint).default([]).describe("robust accuracy at ε must be at least value"),
        maxSuccessRate: z.number().min(0).max(1).optional().describe("no attack may succeed more often than this"),
      })
      .optional(),
    text: z.strictObject({ maxSuccessRate: z.number().min(0).max(1).describe("text attack success bound") }).optional(),
    certification: z
      .strictObject({
        minCertifiedAccuracy: z
          .array(z.strictObject({ radius: z.number().nonnegative(), value: z.number().min(0).max(1) }))
          .default([])
          .describe("certified accuracy at radius must be at least value"),
      })
      .optional(),
    membership: z
      .strictObject({
        maxAuc: z.number().min(0).max(1).optional().describe("no membership attack may reach this AUC"),
        maxTprAt1PctFpr: z.number().min(0).max(1).optional().describe("bound on TPR at 1% FPR"),
        maxTprAt01PctFpr: z.number().min(0).max(1).optional().describe("bound on TPR at 0.1% FPR"),
      })
      .optional(),
    extraction: z
      .strictObject({
        maxFidelity: z
          .array(z.strictObject({ budget: z.number().int().positive(), value: z.number().min(0).max(1) }))
          .default([])
          .describe("surrogate fidelity at a query budget must stay below value"),
      })
      .optional(),
  })
  .default({});
export type Thresholds = z.infer<typeof thresholdsSchema>;

/** One check of the verdict. */
export interface Check {
  name: string;
  actual: number | null;
  op: ">=" | "<=";
  threshold: number;
  pass: boolean;
}

/** Pass/fail against the plan's thresholds. */
export interface Verdict {
  pass: boolean;
  checks: Check[];
}

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));

function check(name: string, actual: number | null | undefined, op: ">=" | "<=", threshold: number): Check {
  const a = actual ?? null;
  const pass = a !== null && (op === ">=" ? a >= threshold : a <= threshold);
  return { name, actual: a, op, threshold, pass };
}

/** Checks `report` against `thresholds`. */
export function evaluateVerdict(report: Omit<MlReport, "verdict">, thresholds: Thresholds): Verdict {
  const checks: Check[] = [];
  const ev = thresholds.evasion;
  if (ev) {
    const reports = report.evasion ?? [];
    for (const t of ev.minRobustAccuracy) {
      const sel = reports.filter(
        (r) =>
          (t.attack === undefined || r.attack === t.attack) && (t.defence === undefined || r.defence === t.defence),
      );
      if (sel.length === 0)
        checks.push(check(`robust accuracy at ε=${t.epsilon} (${t.attack ?? "any attack"})`, null, ">=", t.value));
      for (const r of sel) {
        const at = r.robustAccuracy.find((p) => close(p.epsilon, t.epsilon));
        checks.push(
          check(`robust accuracy of ${r.attack} vs ${r.defence} at ε=${t.epsilon}`, at?.accuracy, ">=", t.value),
        );
      }
    }
    if (ev.maxSuccessRate !== undefined) {
      if (reports.length === 0) checks.push(check("evasion success rate", null, "<=", ev.maxSuccessRate));
      for (const r of reports)
        checks.push(check(`success rate of ${r.attack} vs ${r.defence}`, r.successRate, "<=", ev.maxSuccessRate));
    }
  }
  if (thresholds.text)
    checks.push(check("text attack success rate", report.text?.successRate, "<=", thresholds.text.maxSuccessRate));
  for (const t of thresholds.certification?.minCertifiedAccuracy ?? []) {
    const at = report.certification?.certifiedAccuracy.find((p) => close(p.radius, t.radius));
    checks.push(check(`certified accuracy at radius ${t.radius}`, at?.accuracy, ">=", t.value));
  }
  const mi = thresholds.membership;
  if (mi) {
    const results = report.membership?.results ?? [];
    const bounds: [keyof typeof mi, "auc" | "tprAt1PctFpr" | "tprAt01PctFpr", string][] = [
      ["maxAuc", "auc", "AUC"],
      ["maxTprAt1PctFpr", "tprAt1PctFpr", "TPR at 1% FPR"],
      ["maxTprAt01PctFpr", "tprAt01PctFpr", "TPR at 0.1% FPR"],
    ];
    for (const [key, metric, label] of bounds) {
      const bound = mi[key];
      if (bound === undefined) continue;
      if (results.length === 0) checks.push(check(`membership ${label}`, null, "<=", bound));
      for (const r of results) checks.push(check(`membership ${label} (${r.attack})`, r[metric], "<=", bound));
    }
  }
  for (const t of thresholds.extraction?.maxFidelity ?? []) {
    const at = report.extraction?.points.find((p) => p.budget === t.budget);
    checks.push(check(`extraction fidelity at ${t.budget} queries`, at?.fidelity, "<=", t.value));
  }
  return { pass: checks.every((c) => c.pass), checks };
}
