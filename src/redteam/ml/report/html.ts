/**
 * The human report: one self-contained HTML page (no scripts, no external assets) with the verdict, tables, and inline
 * SVG plots — robust accuracy against ε, certified accuracy against radius, membership ROC curves on log axes (as
 * Carlini et al. 2022 recommend) and extraction fidelity against the query budget.
 */

import { escapeXml as esc, lineChart } from "./svg.ts";
import type { MlReport } from "./types.ts";
import type { Check } from "./verdict.ts";

const num = (v: number | null | undefined, digits = 3): string =>
  v === null || v === undefined || !Number.isFinite(v) ? "–" : String(Number(v.toFixed(digits)));
const pct = (v: number | null | undefined): string =>
  v === null || v === undefined ? "–" : `${(v * 100).toFixed(1)}%`;

function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join("")}</tr>`)
    .join("")}</tbody></table>`;
}

function verdictSection(checks: readonly Check[], pass: boolean): string {
  const rows = checks.map((c) => [c.pass ? "pass" : "FAIL", c.name, num(c.actual), `${c.op} ${num(c.threshold)}`]);
  return `<section><h2 class="${pass ? "pass" : "fail"}">Verdict: ${pass ? "PASS" : "FAIL"}</h2>${
    checks.length ? table(["", "check", "measured", "bound"], rows) : "<p>No thresholds were set.</p>"
  }</section>`;
}

function evasionSection(report: MlReport): string {
  const ev = report.evasion;
  if (!ev || ev.length === 0) return "";
  const charts = (["linf", "l2"] as const)
    .map((norm) => {
      const rs = ev.filter((r) => r.norm === norm);
      if (rs.length === 0) return "";
      return lineChart({
        title: `Robust accuracy vs ε (${norm === "l2" ? "L2" : "L∞"})`,
        xLabel: "ε",
        yLabel: "robust accuracy",
        yDomain: [0, 1],
        series: rs.map((r) => ({
          name: `${r.attack}${r.defence === "none" ? "" : ` / ${r.defence}`}`,
          points: [[0, r.cleanAccuracy] as const, ...r.robustAccuracy.map((p) => [p.epsilon, p.accuracy] as const)],
          dashed: r.defence !== "none",
        })),
      });
    })
    .join("");
  const rows = ev.map((r) => [
    r.attack + (r.gradient === "finite-difference" ? " (finite-difference gradients)" : ""),
    r.defence,
    r.norm,
    pct(r.cleanAccuracy),
    pct(r.successRate),
    r.detectionRate === null ? "–" : pct(r.detectionRate),
    r.robustAccuracy.map((p) => `${num(p.epsilon)}: ${pct(p.accuracy)}`).join(", "),
    `${num(r.perturbation.median)} / ${num(r.perturbation.max)}`,
    `${r.queries.total} (median ${num(r.queries.perInput.median, 0)})`,
    `${r.timeMs} ms`,
  ]);
  return `<section><h2>Evasion</h2>${charts}${table(
    [
      "attack",
      "defence",
      "norm",
      "clean acc.",
      "success",
      "detected",
      "robust accuracy at ε",
      "median / max perturbation",
      "queries",
      "time",
    ],
    rows,
  )}</section>`;
}

function textSection(report: MlReport): string {
  const t = report.text;
  if (!t) return "";
  const rows = t.examples
    .filter((e) => e.adversarial !== null)
    .slice(0, 20)
    .map((e) => [e.original, e.adversarial ?? "", String(e.edits), String(e.queries)]);
  return `<section><h2>Text evasion</h2><p>Success rate ${pct(t.successRate)} on ${t.attacked} correctly classified texts; ${
    t.queries.total
  } queries.</p>${table(["original", "adversarial", "edits", "queries"], rows)}</section>`;
}

function certificationSection(report: MlReport): string {
  const c = report.certification;
  if (!c) return "";
  return `<section><h2>Certified robustness (randomized smoothing)</h2><p>σ = ${c.sigma}, n₀ = ${c.n0}, n = ${c.n}, α = ${
    c.alpha
  }; smoothed accuracy ${pct(c.smoothedAccuracy)}, abstained on ${pct(c.abstainRate)}; ${c.queries} queries.</p>${lineChart(
    {
      title: "Certified accuracy vs L2 radius",
      xLabel: "radius",
      yLabel: "certified accuracy",
      yDomain: [0, 1],
      series: [{ name: `σ = ${c.sigma}`, points: c.certifiedAccuracy.map((p) => [p.radius, p.accuracy] as const) }],
    },
  )}${table(
    ["radius", "certified accuracy"],
    c.certifiedAccuracy.map((p) => [num(p.radius), pct(p.accuracy)]),
  )}</section>`;
}

function membershipSection(report: MlReport): string {
  const m = report.membership;
  if (!m) return "";
  const floor = 1e-3;
  return `<section><h2>Membership inference</h2><p>${m.members} members, ${m.nonMembers} non-members.</p>${lineChart({
    title: "ROC (log-log)",
    xLabel: "false-positive rate",
    yLabel: "true-positive rate",
    xLog: true,
    yLog: true,
    xDomain: [floor, 1],
    yDomain: [floor, 1],
    diagonal: true,
    series: m.results.map((r) => ({
      name: `${r.attack} (AUC ${num(r.auc)})`,
      points: r.curve
        .filter((p) => p.fpr > 0 && p.tpr > 0)
        .map((p) => [Math.max(p.fpr, floor), Math.max(p.tpr, floor)] as const),
    })),
  })}${table(
    ["attack", "AUC", "TPR @ 1% FPR", "TPR @ 0.1% FPR", "queries", "models trained"],
    m.results.map((r) => [
      r.attack,
      num(r.auc),
      pct(r.tprAt1PctFpr),
      pct(r.tprAt01PctFpr),
      String(r.queries),
      String(r.modelsTrained),
    ]),
  )}</section>`;
}

function extractionSection(report: MlReport): string {
  const e = report.extraction;
  if (!e) return "";
  return `<section><h2>Model extraction</h2><p>Queries from ${e.querySource === "pool" ? "an unlabelled pool" : "uniform samples of the input bounds"}; target accuracy ${pct(
    e.targetAccuracy,
  )}.</p>${lineChart({
    title: "Surrogate fidelity and accuracy vs query budget",
    xLabel: "queries",
    yLabel: "rate",
    xLog: true,
    yDomain: [0, 1],
    series: [
      { name: "fidelity", points: e.points.map((p) => [p.budget, p.fidelity] as const) },
      {
        name: "accuracy",
        points: e.points.flatMap((p) => (p.accuracy === null ? [] : [[p.budget, p.accuracy] as const])),
      },
    ],
  })}${table(
    ["budget", "fidelity", "accuracy"],
    e.points.map((p) => [String(p.budget), pct(p.fidelity), pct(p.accuracy)]),
  )}</section>`;
}

/** Renders the report as a self-contained HTML page. */
export function renderHtml(report: MlReport): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Warden ML red-team report</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse;margin:1em 0}
td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}h2.pass{color:#2a7a2a}h2.fail{color:#b00020}
svg{display:block;margin:1em 0}</style></head><body>
<h1>Warden ML red-team report</h1>
<p>Target <code>${esc(report.target)}</code>; seed ${report.seed}; ${esc(report.startedAt)} to ${esc(report.finishedAt)}${
    report.data ? `; ${report.data.samples} inputs with ${report.data.features} features` : ""
  }.</p>
${verdictSection(report.verdict.checks, report.verdict.pass)}
${evasionSection(report)}${textSection(report)}${certificationSection(report)}${membershipSection(report)}${extractionSection(report)}
</body></html>
`;
}
