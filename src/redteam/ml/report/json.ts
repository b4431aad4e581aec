/**
 * JSON output: the report without the bulky adversarial examples (which go to their own file), and the writer that
 * puts report.json, report.html and adversarial-examples.json into an output directory.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { WardenError } from "../../../core/errors.ts";
import { renderHtml } from "./html.ts";
import type { MlReport } from "./types.ts";

/** The report with adversarial examples and certificates left out (counts stay). */
export function summaryReport(report: MlReport): MlReport {
  const out: MlReport = { ...report };
  if (report.evasion) out.evasion = report.evasion.map((r) => ({ ...r, examples: [] }));
  if (report.certification) out.certification = { ...report.certification, certificates: [] };
  if (report.text) out.text = { ...report.text, examples: report.text.examples.filter((e) => e.adversarial !== null) };
  return out;
}

/** Everything found, for replay: adversarial inputs per attack and defence, and the text examples. */
export function adversarialExamples(report: MlReport): unknown {
  return {
    schema: "warden.redteam.ml.examples/v1",
    seed: report.seed,
    target: report.target,
    evasion: (report.evasion ?? []).map((r) => ({
      attack: r.attack,
      defence: r.defence,
      norm: r.norm,
      examples: r.examples,
    })),
    text: report.text?.examples.filter((e) => e.adversarial !== null) ?? [],
  };
}

/** Writes report.json, report.html and adversarial-examples.json to `dir`; returns their paths. */
export function writeReport(report: MlReport, dir: string): { json: string; html: string; examples: string } {
  const paths = {
    json: join(dir, "report.json"),
    html: join(dir, "report.html"),
    examples: join(dir, "adversarial-examples.json"),
  };
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(paths.json, `${JSON.stringify(summaryReport(report), null, 2)}\n`);
    writeFileSync(paths.html, renderHtml(report));
    writeFileSync(paths.examples, `${JSON.stringify(adversarialExamples(report))}\n`);
  } catch (e) {
    throw new WardenError("E_IO", `cannot write the report to ${dir}: ${(e as Error).message}`, { cause: e });
  }
  return paths;
}
