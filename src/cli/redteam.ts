/**
 * `warden redteam ml evasion|certify|membership|extract|run`: adversarial robustness and privacy assessment of a model
 * Warden can call (js:, onnx: or http: target). Each command builds an assessment plan, runs it, writes report.json,
 * report.html and adversarial-examples.json with --out, records `redteam.ml_run` in the ledger when a workspace
 * exists, and exits 1 when a threshold fails.
 */
import { existsSync } from "node:fs";
import type { Command } from "commander";
import { WardenError } from "../core/errors.ts";
import { ml } from "../redteam/index.ts";
import { workspacePaths } from "../workspace/index.ts";
import { addJsonOption, interactive, output, usageError, withWorkspace } from "./shared.ts";

interface CommonOpts {
  target: string;
  data?: string;
  labels?: string;
  features?: string;
  samples?: string;
  seed?: string;
  out?: string;
  json?: boolean;
  ledger?: boolean;
  labelsOnly?: boolean;
  numClasses?: string;
  requestTemplate?: string;
  scoresPath?: string;
  header?: string[];
  concurrency?: string;
  rps?: string;
  batchSize?: string;
  timeout?: string;
}

function list(value: string | undefined, name: string): number[] | undefined {
  if (value === undefined) return undefined;
  const out = value.split(",").map((v) => v.trim());
  if (out.some((v) => v === "" || !Number.isFinite(Number(v))))
    throw usageError(`${name} must be a comma-separated list of numbers, got "${value}"`);
  return out.map(Number);
}

function int(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw usageError(`${name} must be a non-negative integer, got "${value}"`);
  return Number(value);
}

function num(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n)) throw usageError(`${name} must be a number, got "${value}"`);
  return n;
}

/** `a:b,c:d` pairs, e.g. `--min-robust-accuracy 0.1:0.5`. */
function pairs(value: string | undefined, name: string): [number, number][] {
  if (value === undefined) return [];
  return value.split(",").map((p) => {
    const [a, b] = p.split(":").map((v) => Number(v.trim()));
    if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b))
      throw usageError(`${name} takes key:value pairs such as 0.1:0.5, got "${p}"`);
    return [a, b];
  });
}

function headers(values: readonly string[] | undefined): Record<string, string> | undefined {
  if (!values || values.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const h of values) {
    const i = h.indexOf(":");
    if (i <= 0) throw usageError(`--header takes "Name: value", got "${h.split(":")[0]}..."`);
    out[h.slice(0, i).trim()] = h.slice(i + 1).trim();
  }
  return out;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function common(cmd: Command): Command {
  cmd
    .requiredOption("--target <spec>", "model: js:./model.mjs#export, onnx:./model.onnx or http:https://host/predict")
    .option("--features <cols>", "feature columns, comma-separated (default: all but the label)")
    .option("--samples <n>", "inputs to assess (seeded random subset)", "50")
    .option("--seed <n>", "seed for every random choice", "1")
    .option("--out <dir>", "write report.json, report.html and adversarial-examples.json here")
    .option("--no-ledger", "do not record the run in the workspace ledger")
    .option("--labels-only", "the model reveals only labels")
    .option("--num-classes <k>", "classes, for models that return labels")
    .option("--request-template <json>", "HTTP: request body with $INPUT, e.g. '{\"inputs\": $INPUT}'")
    .option("--scores-path <path>", "HTTP: JSON path of the scores in the response, e.g. predictions")
    .option("--header <h>", 'HTTP: extra header "Name: value" (repeatable; never logged)', collect)
    .option("--concurrency <n>", "HTTP: requests in flight", "4")
    .option("--rps <n>", "HTTP: requests per second", "20")
    .option("--batch-size <n>", "HTTP: inputs per request", "32")
    .option("--timeout <ms>", "HTTP: per-request timeout", "30000")
    .requiredOption("--data <file>", "CSV or JSON inputs")
    .option("--labels <col>", "label column");
  return addJsonOption(cmd);
}

function basePlan(o: CommonOpts): ml.PlanInput {
  const http: Record<string, unknown> = {};
  if (o.requestTemplate !== undefined) http.requestTemplate = o.requestTemplate;
  if (o.scoresPath !== undefined) http.scoresPath = o.scoresPath;
  const h = headers(o.header);
  if (h) http.headers = h;
  for (const [key, value] of [
    ["concurrency", o.concurrency],
    ["rps", o.rps],
    ["batchSize", o.batchSize],
    ["timeoutMs", o.timeout],
  ] as const) {
    const v = num(value, `--${key}`);
    if (v !== undefined) http[key] = v;
  }
  const plan: ml.PlanInput = {
    seed: int(o.seed, "--seed") ?? 1,
    target: {
      spec: o.target,
      labelsOnly: o.labelsOnly === true,
      http,
      ...(o.numClasses ? { numClasses: int(o.numClasses, "--num-classes") } : {}),
    },
  };
  if (o.data) {
    plan.data = {
      file: o.data,
      ...(o.labels ? { labels: o.labels } : {}),
      ...(o.features ? { features: o.features.split(",").map((f) => f.trim()) } : {}),
      samples: int(o.samples, "--samples") ?? 50,
    };
  }
  return plan;
}

/** Runs a plan, writes reports, records the run, prints, and sets exit code 1 when the verdict fails. */
async function execute(
  plan: ml.Plan,
  baseDir: string,
  o: { out?: string; json?: boolean; ledger?: boolean },
): Promise<void> {
  const progress = interactive() && !o.json ? (line: string) => process.stderr.write(`${line}\n`) : undefined;
  const report = await ml.runAssessment(plan, { baseDir, ...(progress ? { progress } : {}) });
  const out = o.out ?? plan.output;
  const files = out ? ml.writeReport(report, out) : null;
  let ledgerIndex: number | null = null;
  if (o.ledger !== false) {
    if (existsSync(workspacePaths().home)) {
      ledgerIndex = (await withWorkspace((ws) => ml.recordRun(ws.ledger, ws.actor, report))).index;
    } else if (!o.json)
      process.stderr.write("note: no workspace (run `warden init`); the run was not recorded in the ledger\n");
  }
  output(o, { ...ml.summaryReport(report), files, ledgerIndex }, () => human(report, files, ledgerIndex));
  if (!report.verdict.pass) process.exitCode = 1;
}

function pctText(v: number | null): string {
  return v === null ? "–" : `${(v * 100).toFixed(1)}%`;
}

function human(r: ml.MlReport, files: { json: string; html: string } | null, ledgerIndex: number | null): string {
  const lines: string[] = [`target ${r.target} (seed ${r.seed})`];
  for (const e of r.evasion ?? [])
    lines.push(
      `evasion ${e.attack}${e.gradient === "finite-difference" ? " [finite-difference gradients]" : ""} vs ${e.defence}: success ${pctText(e.successRate)}, robust accuracy ${e.robustAccuracy
        .map((p) => `${p.epsilon}→${pctText(p.accuracy)}`)
        .join(" ")}, ${e.queries.total} queries, ${e.timeMs} ms`,
    );
  if (r.text)
    lines.push(
      `text evasion: success ${pctText(r.text.successRate)} on ${r.text.attacked} texts, ${r.text.queries.total} queries`,
    );
  if (r.certification)
    lines.push(
      `certified accuracy (σ=${r.certification.sigma}): ${r.certification.certifiedAccuracy.map((p) => `r=${p.radius}→${pctText(p.accuracy)}`).join(" ")}; abstained ${pctText(r.certification.abstainRate)}`,
    );
  for (const m of r.membership?.results ?? [])
    lines.push(
      `membership ${m.attack}: AUC ${m.auc.toFixed(3)}, TPR@1%FPR ${pctText(m.tprAt1PctFpr)}, TPR@0.1%FPR ${pctText(m.tprAt01PctFpr)}`,
    );
  for (const p of r.extraction?.points ?? [])
    lines.push(`extraction ${p.budget} queries: fidelity ${pctText(p.fidelity)}, accuracy ${pctText(p.accuracy)}`);
  for (const c of r.verdict.checks)
    lines.push(
      `${c.pass ? "pass" : "FAIL"} ${c.name}: ${c.actual === null ? "not measured" : c.actual.toFixed(4)} ${c.op} ${c.threshold}`,
    );
  lines.push(`verdict: ${r.verdict.pass ? "PASS" : "FAIL"}`);
  if (files) lines.push(`report: ${files.html}`);
  if (ledgerIndex !== null) lines.push(`ledger entry ${ledgerIndex}`);
  return lines.join("\n");
}

type Bounds = "data" | "none" | { lower: number; upper: number };

function parseBounds(value: string | undefined): Bounds {
  if (value === undefined || value === "data" || value === "none") return value ?? "data";
  const m = /^(-?[\d.eE+-]+):(-?[\d.eE+-]+)$/.exec(value);
  if (!m || !Number.isFinite(Number(m[1])) || !Number.isFinite(Number(m[2])))
    throw usageError(`--bounds takes data, none or lower:upper (e.g. 0:1), got "${value}"`);
  return { lower: Number(m[1]), upper: Number(m[2]) };
}

function parseShape(value: string | undefined): [number, number, number] | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d+)x(\d+)(?:x(\d+))?$/.exec(value);
  if (!m) throw usageError(`--shape takes HxW or HxWxC (e.g. 28x28x1), got "${value}"`);
  return [Number(m[1]), Number(m[2]), Number(m[3] ?? 1)];
}

/** Adds `warden redteam ml ...` to the program (reusing a `redteam` group another module created). */
export function registerRedteamCommands(program: Command): void {
  const redteam =
    program.commands.find((c) => c.name() === "redteam") ??
    program.command("redteam").description("attack your own AI systems: robustness and privacy of ML models");
  const group = redteam
    .command("ml")
    .description("adversarial robustness and privacy of ML models: evasion, certification, membership, extraction");

  common(
    group
      .command("evasion")
      .description("evasion attacks (HopSkipJump, Square, SimBA, boundary, FGSM/PGD, text) against each defence")
      .option("--attacks <names>", `comma-separated: ${ml.EVASION_ATTACKS.join(", ")}`, "hopskipjump-l2,square-linf")
      .option("--epsilon <list>", "ε values for L∞ attacks", "0.05,0.1,0.2")
      .option("--epsilon-l2 <list>", "ε values for L2 attacks (default: --epsilon)")
      .option("--budget <n>", "queries per input and attack", "2000")
      .option("--bounds <b>", "feature bounds: data (observed), none, or lower:upper", "data")
      .option("--immutable <cols>", "features the attacker cannot change, comma-separated")
      .option("--shape <HxWxC>", "image shape of each input (row-major HWC)")
      .option("--defence <d>", "defence to compare: squeeze, bounds, or ensemble:<spec> (repeatable)", collect)
      .option("--simba-step <x>", "SimBA step size")
      .option("--text-column <col>", "attack a text classifier on this CSV column (typos, homoglyphs, synonyms)")
      .option("--edit-budget <n>", "text: words edited at most", "3")
      .option(
        "--min-robust-accuracy <eps:value>",
        "fail unless robust accuracy at ε is at least value (pairs, comma-separated)",
      )
      .option("--max-success-rate <x>", "fail if any attack succeeds more often than this"),
  ).action(async (o: CommonOpts & Record<string, string | string[] | undefined>) => {
    const plan = basePlan(o);
    const mra = pairs(o.minRobustAccuracy as string | undefined, "--min-robust-accuracy");
    const msr = num(o.maxSuccessRate as string | undefined, "--max-success-rate");
    if (o.textColumn) {
      delete plan.data;
      plan.text = {
        file: o.data as string,
        textColumn: o.textColumn as string,
        ...(o.labels ? { labels: o.labels } : {}),
        samples: int(o.samples, "--samples") ?? 50,
        editBudget: int(o.editBudget as string, "--edit-budget") ?? 3,
      };
      if (msr !== undefined) plan.thresholds = { text: { maxSuccessRate: msr } };
    } else {
      const attacks = String(o.attacks)
        .split(",")
        .map((a) => a.trim());
      for (const a of attacks)
        if (!(ml.EVASION_ATTACKS as readonly string[]).includes(a))
          throw usageError(`unknown attack "${a}" (known: ${ml.EVASION_ATTACKS.join(", ")})`);
      const d = plan.data as NonNullable<ml.PlanInput["data"]>;
      d.bounds = parseBounds(o.bounds as string | undefined);
      if (o.immutable)
        d.immutable = String(o.immutable)
          .split(",")
          .map((f) => (/^\d+$/.test(f.trim()) ? Number(f) : f.trim()));
      const shape = parseShape(o.shape as string | undefined);
      if (shape) d.shape = shape;
      const defences = ((o.defence as string[] | undefined) ?? []).map((s) => {
        if (s === "squeeze") return { featureSqueezing: {} };
        if (s === "bounds") return { boundsCheck: {} };
        if (s.startsWith("ensemble:")) return { ensemble: { members: s.slice(9).split("+") } };
        throw usageError(`--defence takes squeeze, bounds or ensemble:<spec>[+<spec>...], got "${s}"`);
      });
      const epsL2 = list(o.epsilonL2 as string | undefined, "--epsilon-l2");
      const simbaStep = num(o.simbaStep as string | undefined, "--simba-step");
      plan.evasion = {
        attacks: attacks as ml.EvasionAttackName[],
        epsilons: list(o.epsilon as string, "--epsilon") ?? [0.05, 0.1, 0.2],
        ...(epsL2 ? { epsilonsL2: epsL2 } : {}),
        budget: int(o.budget as string, "--budget") ?? 2000,
        defences,
        ...(simbaStep !== undefined ? { simbaStep } : {}),
      };
      plan.thresholds = {
        evasion: {
          minRobustAccuracy: mra.map(([epsilon, value]) => ({ epsilon, value })),
          ...(msr !== undefined ? { maxSuccessRate: msr } : {}),
        },
      };
    }
    await execute(ml.parsePlan(plan, "command line"), process.cwd(), o);
  });

  common(
    group
      .command("certify")
      .description("certified L2 robustness by randomized smoothing (Cohen et al. 2019)")
      .option("--sigma <x>", "noise standard deviation σ", "0.25")
      .option("--n0 <n>", "samples to pick the top class", "100")
      .option("--n <n>", "samples to bound its probability", "1000")
      .option("--alpha <x>", "failure probability", "0.001")
      .option("--radii <list>", "radii for certified accuracy", "0,0.25,0.5,0.75,1")
      .option("--min-certified-accuracy <r:value>", "fail unless certified accuracy at radius r is at least value"),
  ).action(async (o: CommonOpts & Record<string, string | undefined>) => {
    const plan = basePlan(o);
    plan.certification = {
      sigma: num(o.sigma, "--sigma") ?? 0.25,
      n0: int(o.n0, "--n0") ?? 100,
      n: int(o.n, "--n") ?? 1000,
      alpha: num(o.alpha, "--alpha") ?? 0.001,
      radii: list(o.radii, "--radii") ?? [0, 0.25, 0.5],
    };
    plan.thresholds = {
      certification: {
        minCertifiedAccuracy: pairs(o.minCertifiedAccuracy, "--min-certified-accuracy").map(([radius, value]) => ({
          radius,
          value,
        })),
      },
    };
    await execute(ml.parsePlan(plan, "command line"), process.cwd(), o);
  });

  common(
    group
      .command("membership")
      .description("membership inference (loss, confidence, shadow models, LiRA): AUC and TPR at 1% / 0.1% FPR")
      .requiredOption("--nonmembers <file>", "records known not to be in the training set (--data holds members)")
      .option("--population <file>", "further records for shadow and reference models")
      .option("--train <spec>", "training routine js:./train.mjs#train (shadow models, online LiRA)")
      .option(
        "--reference <spec>",
        "reference model trained without the audited records (offline LiRA; repeatable)",
        collect,
      )
      .option("--attacks <names>", `comma-separated: ${ml.MEMBERSHIP_ATTACKS.join(", ")}`, "loss,confidence")
      .option("--shadows <n>", "shadow models", "4")
      .option("--references <n>", "LiRA reference models to train", "16")
      .option("--max-auc <x>", "fail if any attack reaches this AUC")
      .option("--max-tpr-at-1pct-fpr <x>", "fail if TPR at 1% FPR exceeds this"),
  ).action(async (o: CommonOpts & Record<string, string | string[] | undefined>) => {
    const plan = basePlan(o);
    const attacks = String(o.attacks)
      .split(",")
      .map((a) => a.trim());
    for (const a of attacks)
      if (!(ml.MEMBERSHIP_ATTACKS as readonly string[]).includes(a))
        throw usageError(`unknown membership attack "${a}" (known: ${ml.MEMBERSHIP_ATTACKS.join(", ")})`);
    plan.membership = {
      nonMembers: o.nonmembers as string,
      attacks: attacks as ml.MembershipAttackName[],
      shadows: int(o.shadows as string, "--shadows") ?? 4,
      references: int(o.references as string, "--references") ?? 16,
      ...(o.population ? { population: o.population as string } : {}),
      ...(o.train ? { train: o.train as string } : {}),
      ...(o.reference ? { referenceModels: o.reference as string[] } : {}),
    };
    const maxAuc = num(o.maxAuc as string | undefined, "--max-auc");
    const maxTpr = num(o.maxTprAt1pctFpr as string | undefined, "--max-tpr-at-1pct-fpr");
    plan.thresholds = {
      membership: {
        ...(maxAuc !== undefined ? { maxAuc } : {}),
        ...(maxTpr !== undefined ? { maxTprAt1PctFpr: maxTpr } : {}),
      },
    };
    await execute(ml.parsePlan(plan, "command line"), process.cwd(), o);
  });

  common(
    group
      .command("extract")
      .description("model-extraction risk: surrogate fidelity and accuracy against the query budget")
      .option("--budget <list>", "query budgets, comma-separated", "100,500,1000")
      .option("--pool <file>", "unlabelled inputs the attacker may query (default: uniform in the data bounds)")
      .option("--test <file>", "held-out inputs for fidelity (default: --data)")
      .option("--max-fidelity <budget:value>", "fail if fidelity at a budget reaches value"),
  ).action(async (o: CommonOpts & Record<string, string | undefined>) => {
    const plan = basePlan(o);
    const budgets = list(o.budget, "--budget") ?? [100, 500, 1000];
    plan.extraction = { budgets, ...(o.pool ? { pool: o.pool } : {}), ...(o.test ? { test: o.test } : {}) };
    plan.thresholds = {
      extraction: { maxFidelity: pairs(o.maxFidelity, "--max-fidelity").map(([budget, value]) => ({ budget, value })) },
    };
    await execute(ml.parsePlan(plan, "command line"), process.cwd(), o);
  });

  addJsonOption(
    group
      .command("run <plan>")
      .description("run a whole assessment from a YAML plan (target, data, assessments, defences, thresholds)")
      .option("--out <dir>", "write the reports here (overrides the plan's output)")
      .option("--no-ledger", "do not record the run in the workspace ledger"),
  ).action(async (file: string, o: { out?: string; json?: boolean; ledger?: boolean }) => {
    const plan = ml.loadPlan(file);
    if (!plan.evasion && !plan.certification && !plan.membership && !plan.extraction && !plan.text)
      throw new WardenError(
        "E_CONFIG_INVALID",
        `${file}: the plan asks for no assessment (evasion, text, certification, membership, extraction)`,
      );
    await execute(plan, ml.planBaseDir(file), o);
  });
}
