/**
 * Records an ML red-team run in the ledger as `redteam.ml_run`, so the registry's promotion gate and governance
 * evidence can require a passing assessment: the verdict, headline metrics and the SHA-256 of the canonical JSON
 * report (RFC 8785) — not the adversarial examples themselves.
 */
import { createHash } from "node:crypto";
import { canonicalJson } from "../../core/canonical-json.ts";
import type { LedgerEntryInput } from "../../ledger/index.ts";
import { summaryReport } from "./report/json.ts";
import type { MlReport } from "./report/types.ts";

/** The part of the ledger this needs. */
export interface LedgerAppender {
  append(entry: LedgerEntryInput): Promise<{ index: number }>;
}

/** The ledger record of a run: verdict, headline metrics and the report digest. */
export function runRecord(report: MlReport): Record<string, unknown> {
  const digest = createHash("sha256")
    .update(canonicalJson(JSON.parse(JSON.stringify(summaryReport(report)))))
    .digest("hex");
  return {
    schema: report.schema,
    seed: report.seed,
    pass: report.verdict.pass,
    failedChecks: report.verdict.checks.filter((c) => !c.pass).map((c) => c.name),
    reportSha256: digest,
    evasion: report.evasion?.map((r) => ({
      attack: r.attack,
      defence: r.defence,
      successRate: r.successRate,
      robustAccuracy: r.robustAccuracy,
      queries: r.queries.total,
    })),
    text: report.text ? { successRate: report.text.successRate } : undefined,
    certification: report.certification
      ? { sigma: report.certification.sigma, certifiedAccuracy: report.certification.certifiedAccuracy }
      : undefined,
    membership: report.membership?.results.map((r) => ({
      attack: r.attack,
      auc: r.auc,
      tprAt1PctFpr: r.tprAt1PctFpr,
      tprAt01PctFpr: r.tprAt01PctFpr,
    })),
    extraction: report.extraction?.points,
  };
}

/** Appends `redteam.ml_run` for `report`. */
export async function recordRun(ledger: LedgerAppender, actor: string, report: MlReport): Promise<{ index: number }> {
  const data = JSON.parse(JSON.stringify(runRecord(report))) as unknown;
  return ledger.append({ type: "redteam.ml_run", subject: report.target.slice(0, 1024), actor, data });
}
