/**
 * Runs a whole plan: opens the target, loads the data, runs the evasion (against each defence), text, certification,
 * membership and extraction assessments the plan asks for, and returns one report with the CI verdict.
 */
import { dirname, isAbsolute, resolve } from "node:path";
import { WardenError } from "../../core/errors.ts";
import { runCertification } from "./certification.ts";
import { type Dataset, loadDataset, loadTextDataset } from "./data.ts";
import { boundsCheckDefence } from "./defences/bounds.ts";
import { ensembleDefence } from "./defences/ensemble.ts";
import { featureSqueezingDefence } from "./defences/squeeze.ts";
import { type Defence, noDefence } from "./defences/types.ts";
import { createDomain, type InputDomain } from "./domain.ts";
import { runEvasion, runTextEvasion } from "./evasion.ts";
import { extractionRisk } from "./extraction.ts";
import type { Labelled } from "./membership/types.ts";
import { runMembership } from "./membership.ts";
import type { Predictor } from "./models/mlp.ts";
import type { Plan } from "./plan.ts";
import type { MlReport } from "./report/types.ts";
import { evaluateVerdict } from "./report/verdict.ts";
import { createRng, shuffled } from "./rng.ts";
import { importTrainRoutine } from "./targets/js.ts";
import { type OpenTargetOptions, openTarget, openTextTarget, parseTargetSpec } from "./targets/spec.ts";
import { Oracle, type Target } from "./targets/types.ts";

/** Where relative paths in the plan are resolved, and optional progress output. */
export interface AssessmentOptions {
  baseDir: string;
  /** Called with a line of progress (the CLI prints it to stderr on a TTY). */
  progress?: (line: string) => void;
}

function resolvePath(base: string, file: string): string {
  return isAbsolute(file) ? file : resolve(base, file);
}

function labelled(ds: Dataset, file: string): Labelled {
  if (!ds.y) throw new WardenError("E_USAGE", `${file}: a label column is needed (set labels / --labels)`);
  return { x: ds.x, y: ds.y };
}

/** Builds the attack domain from the plan's data section. */
export function domainFor(plan: Plan, ds: Dataset): InputDomain {
  const d = plan.data;
  const dim = ds.features.length;
  const bounds = d?.bounds ?? "data";
  const immutable = (d?.immutable ?? []).flatMap((f) => {
    if (typeof f === "number") return [f];
    const idx = ds.features.flatMap((name, i) => (name === f || name.startsWith(`${f}=`) ? [i] : []));
    if (idx.length === 0)
      throw new WardenError("E_CONFIG_INVALID", `immutable feature "${f}" is not a feature of the data`);
    return idx;
  });
  const opts: Parameters<typeof createDomain>[1] = { immutable };
  if (bounds === "data") {
    opts.lower = ds.lower;
    opts.upper = ds.upper;
  } else if (bounds !== "none") {
    opts.lower = bounds.lower;
    opts.upper = bounds.upper;
  }
  if (d?.shape) opts.shape = d.shape;
  return createDomain(dim, opts);
}

/** Runs every assessment in `plan`. */
export async function runAssessment(plan: Plan, opts: AssessmentOptions): Promise<MlReport> {
  const startedAt = new Date().toISOString();
  const base = opts.baseDir;
  const say = opts.progress ?? (() => {});
  const http = JSON.parse(JSON.stringify(plan.target.http)) as OpenTargetOptions["http"] & object;
  const targetOpts: OpenTargetOptions = { cwd: base, labelsOnly: plan.target.labelsOnly, http };
  if (plan.target.numClasses !== undefined) targetOpts.numClasses = plan.target.numClasses;
  const opened: Target[] = [];
  const open = async (spec: string): Promise<Target> => {
    const t = await openTarget(spec, targetOpts);
    opened.push(t);
    return t;
  };
  try {
    const isText =
      plan.text !== undefined && !plan.evasion && !plan.certification && !plan.extraction && !plan.membership;
    const target = isText ? null : await open(plan.target.spec);
    const report: Omit<MlReport, "verdict"> = {
      schema: "warden.redteam.ml/v1",
      seed: plan.seed,
      target: plan.target.spec,
      startedAt,
      finishedAt: startedAt,
      data: null,
    };
    const rng = createRng(plan.seed);
    let ds: Dataset | null = null;
    let dataFile: string | null = null;
    if (plan.data) {
      dataFile = resolvePath(base, plan.data.file);
      ds = loadDataset(dataFile, {
        ...(plan.data.labels ? { labels: plan.data.labels } : {}),
        ...(plan.data.features ? { features: plan.data.features } : {}),
      });
      report.data = { file: plan.data.file, samples: ds.x.length, features: ds.features.length };
    }
    const sample = (n: number): number[] => shuffled(ds ? ds.x.map((_, i) => i) : [], rng.fork()).slice(0, n);
    if (plan.evasion && target && ds && dataFile) {
      const { x, y } = labelled(ds, dataFile);
      const idx = sample(plan.data?.samples ?? 50);
      const domain = domainFor(plan, ds);
      const defences: Defence[] = [noDefence];
      for (const d of plan.evasion.defences) {
        if ("ensemble" in d) defences.push(ensembleDefence(await Promise.all(d.ensemble.members.map(open))));
        else if ("featureSqueezing" in d) {
          const calib = shuffled(x, rng.fork()).slice(0, 200);
          defences.push(featureSqueezingDefence(calib, domain, d.featureSqueezing));
        } else
          defences.push(boundsCheckDefence({ lower: ds.lower, upper: ds.upper, tolerance: d.boundsCheck.tolerance }));
      }
      say(`evasion: ${plan.evasion.attacks.join(", ")} on ${idx.length} inputs`);
      const reports = await runEvasion(
        target,
        idx.map((i) => x[i] as number[]),
        idx.map((i) => y[i] as number),
        {
          attacks: plan.evasion.attacks,
          epsilons: plan.evasion.epsilons,
          ...(plan.evasion.epsilonsL2 ? { epsilonsL2: plan.evasion.epsilonsL2 } : {}),
          budget: plan.evasion.budget,
          concurrency: plan.evasion.concurrency,
          domain,
          seed: plan.seed,
          defences,
          ...(plan.evasion.simbaStep ? { simbaStep: plan.evasion.simbaStep } : {}),
        },
      );
      report.evasion = reports.map((r) => ({
        ...r,
        examples: r.examples.map((e) => ({ ...e, index: idx[e.index] as number })),
      }));
    }
    if (plan.text) {
      const file = resolvePath(base, plan.text.file);
      const td = loadTextDataset(file, {
        textColumn: plan.text.textColumn,
        ...(plan.text.labels ? { labels: plan.text.labels } : {}),
      });
      if (!td.y) throw new WardenError("E_USAGE", `${file}: text attacks need a label column`);
      const tt = await openTextTarget(plan.target.spec, targetOpts);
      const idx = shuffled(
        td.texts.map((_, i) => i),
        rng.fork(),
      ).slice(0, plan.text.samples);
      say(`text evasion on ${idx.length} texts`);
      report.text = await runTextEvasion(
        tt,
        idx.map((i) => td.texts[i] as string),
        idx.map((i) => (td.y as number[])[i] as number),
        {
          seed: plan.seed,
          editBudget: plan.text.editBudget,
          queryBudget: plan.text.queryBudget,
          ...(plan.text.perturbations ? { perturbations: plan.text.perturbations } : {}),
        },
      );
    }
    if (plan.certification && target && ds && dataFile) {
      const { x, y } = labelled(ds, dataFile);
      const idx = sample(plan.data?.samples ?? 50);
      say(`certification on ${idx.length} inputs (σ=${plan.certification.sigma})`);
      report.certification = await runCertification(
        target,
        idx.map((i) => x[i] as number[]),
        idx.map((i) => y[i] as number),
        { ...plan.certification, seed: plan.seed },
      );
    }
    if (plan.membership && target) {
      const m = plan.membership;
      const load = (f: string) => {
        const p = resolvePath(base, f);
        return labelled(loadDataset(p, plan.data?.labels ? { labels: plan.data.labels } : {}), p);
      };
      const membersFile = m.members ?? plan.data?.file;
      if (!membersFile) throw new WardenError("E_CONFIG_INVALID", "membership: members (or data.file) is required");
      const mopts: Parameters<typeof runMembership>[2] = {
        attacks: m.attacks,
        seed: plan.seed,
        shadows: m.shadows,
        references: m.references,
      };
      if (m.population) mopts.population = load(m.population);
      if (m.train) {
        const spec = parseTargetSpec(m.train);
        if (spec.kind !== "js")
          throw new WardenError("E_CONFIG_INVALID", "membership.train must be js:./train.mjs#train");
        mopts.train = await importTrainRoutine(
          spec.file,
          spec.exportName === "default" ? "train" : spec.exportName,
          base,
        );
      }
      if (m.referenceModels) {
        const refs = await Promise.all(m.referenceModels.map(open));
        mopts.referenceModels = refs.map(
          (t): Predictor => ({ predict: (batch) => t.predict(batch.map((r) => r.slice())) }),
        );
      }
      say(`membership inference: ${m.attacks.join(", ")}`);
      report.membership = await runMembership(
        target,
        { members: load(membersFile), nonMembers: load(m.nonMembers) },
        mopts,
      );
    }
    if (plan.extraction && target && ds && dataFile) {
      const e = plan.extraction;
      const test = e.test
        ? loadDataset(resolvePath(base, e.test), plan.data?.labels ? { labels: plan.data.labels } : {})
        : ds;
      const pool = e.pool ? loadDataset(resolvePath(base, e.pool)).x : undefined;
      say(`extraction with budgets ${e.budgets.join(", ")}`);
      report.extraction = await extractionRisk(new Oracle(target), rng.fork(), {
        budgets: e.budgets,
        test: { x: test.x, y: test.y },
        domain: domainFor(plan, ds),
        ...(pool ? { pool } : {}),
      });
    }
    report.finishedAt = new Date().toISOString();
    return { ...report, verdict: evaluateVerdict(report, plan.thresholds) };
  } finally {
    for (const t of opened) await t.close?.();
  }
}

/** The directory a plan file's relative paths are resolved against. */
export function planBaseDir(planFile: string): string {
  return dirname(resolve(planFile));
}
