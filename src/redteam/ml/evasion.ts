/**
 * Runs a set of evasion attacks, each against each defence, over labelled inputs and summarises them: success rate,
 * robust accuracy at each ε, the distribution of perturbation norms, queries used, detection by the defence, and the
 * adversarial examples themselves. Minimal-perturbation attacks (HopSkipJump, boundary, SimBA) run once per input and
 * are read off at every ε; fixed-budget attacks (Square, FGSM, PGD) run at each ε in ascending order, skipping inputs
 * already broken at a smaller ε.
 */
import { WardenError } from "../../core/errors.ts";
import { boundaryAttack } from "./attacks/boundary.ts";
import type { AttackContext, SampleOutcome } from "./attacks/common.ts";
import { fgsm, type GradientSource, gradientSource, pgd } from "./attacks/gradient.ts";
import { hopSkipJump } from "./attacks/hopskipjump.ts";
import { simba } from "./attacks/simba.ts";
import { squareAttack } from "./attacks/square.ts";
import { type TextOutcome, type TextPerturbation, textAttack } from "./attacks/text.ts";
import { type Defence, noDefence } from "./defences/types.ts";
import type { InputDomain } from "./domain.ts";
import { createRng } from "./rng.ts";
import { Oracle, type Target, type TextTarget } from "./targets/types.ts";
import { argmax, mean, type Norm, quantile } from "./vec.ts";

/** The evasion attacks Warden runs. */
export const EVASION_ATTACKS = [
  "hopskipjump-l2",
  "hopskipjump-linf",
  "boundary",
  "simba",
  "square-linf",
  "fgsm-linf",
  "fgsm-l2",
  "pgd-linf",
  "pgd-l2",
] as const;
export type EvasionAttackName = (typeof EVASION_ATTACKS)[number];

interface AttackInfo {
  norm: Norm;
  minimal: boolean;
  whiteBox: boolean;
  needsScores: boolean;
}

const INFO: Record<EvasionAttackName, AttackInfo> = {
  "hopskipjump-l2": { norm: "l2", minimal: true, whiteBox: false, needsScores: false },
  "hopskipjump-linf": { norm: "linf", minimal: true, whiteBox: false, needsScores: false },
  boundary: { norm: "l2", minimal: true, whiteBox: false, needsScores: false },
  simba: { norm: "l2", minimal: true, whiteBox: false, needsScores: true },
  "square-linf": { norm: "linf", minimal: false, whiteBox: false, needsScores: true },
  "fgsm-linf": { norm: "linf", minimal: false, whiteBox: true, needsScores: true },
  "fgsm-l2": { norm: "l2", minimal: false, whiteBox: true, needsScores: true },
  "pgd-linf": { norm: "linf", minimal: false, whiteBox: true, needsScores: true },
  "pgd-l2": { norm: "l2", minimal: false, whiteBox: true, needsScores: true },
};

/** Evasion options. */
export interface EvasionOptions {
  attacks: readonly EvasionAttackName[];
  /** ε values for L∞ attacks. */
  epsilons: readonly number[];
  /** ε values for L2 attacks (default: `epsilons`). */
  epsilonsL2?: readonly number[];
  /** Query budget per input and attack (default 2000). */
  budget?: number;
  domain: InputDomain;
  seed: number;
  defences?: readonly Defence[];
  /** SimBA step size (default 0.2). */
  simbaStep?: number;
  /** PGD iterations (default 20). */
  pgdSteps?: number;
  /** Inputs attacked at once by the per-input attacks (HopSkipJump, boundary); default 4. */
  concurrency?: number;
}

/** Summary statistics of a sample. */
export interface Distribution {
  count: number;
  min: number | null;
  median: number | null;
  mean: number | null;
  p90: number | null;
  max: number | null;
  /** Histogram with 10 equal bins between min and max. */
  histogram: { edges: number[]; counts: number[] };
}

/** One saved adversarial example. */
export interface AdversarialExample {
  index: number;
  label: number;
  adversarialLabel: number;
  distance: number;
  queries: number;
  detected: boolean;
  input: number[];
}

/** One attack against one defence. */
export interface AttackReport {
  attack: EvasionAttackName;
  defence: string;
  norm: Norm;
  /** For white-box attacks: whether gradients were the model's own or estimated by finite differences. */
  gradient: GradientSource | null;
  samples: number;
  /** Inputs correctly classified before the attack (the ones attacked). */
  attacked: number;
  cleanAccuracy: number;
  /** Share of attacked inputs turned into undetected adversarial examples (within the largest ε for fixed-ε attacks). */
  successRate: number;
  /** Share of adversarial examples the defence flagged (null when it has no detector). */
  detectionRate: number | null;
  /** Share of clean inputs the defence flagged (null when it has no detector). */
  cleanFlagRate: number | null;
  robustAccuracy: { epsilon: number; accuracy: number }[];
  perturbation: Distribution;
  queries: { total: number; perInput: Distribution };
  timeMs: number;
  examples: AdversarialExample[];
}

/** Distribution summary of `xs`. */
export function distribution(xs: readonly number[]): Distribution {
  if (xs.length === 0)
    return {
      count: 0,
      min: null,
      median: null,
      mean: null,
      p90: null,
      max: null,
      histogram: { edges: [], counts: [] },
    };
  const min = xs.reduce((m, v) => Math.min(m, v), Number.POSITIVE_INFINITY);
  const max = xs.reduce((m, v) => Math.max(m, v), Number.NEGATIVE_INFINITY);
  const bins = 10;
  const width = (max - min) / bins || 1;
  const counts = new Array<number>(bins).fill(0);
  for (const x of xs) {
    const b = Math.min(bins - 1, Math.floor((x - min) / width));
    counts[b] = (counts[b] as number) + 1;
  }
  return {
    count: xs.length,
    min,
    median: quantile(xs, 0.5),
    mean: mean(xs),
    p90: quantile(xs, 0.9),
    max,
    histogram: { edges: Array.from({ length: bins + 1 }, (_, i) => min + i * width), counts },
  };
}

interface Found {
  outcome: SampleOutcome;
  epsilonIndex: number;
}

/**
 * Runs a minimal-perturbation attack. SimBA attacks all inputs in lock-step batches; HopSkipJump and the boundary
 * attack run up to `concurrency` inputs at once, each with its own oracle (so per-input query counts stay exact) and
 * its own generator derived from the seed and the input's position (so results do not depend on scheduling).
 */
async function runMinimal(
  name: EvasionAttackName,
  ctx: AttackContext,
  xs: number[][],
  ys: number[],
  opts: EvasionOptions,
): Promise<SampleOutcome[]> {
  const budget = opts.budget ?? 2000;
  if (name === "simba") return simba(ctx, xs, ys, { budget, stepSize: opts.simbaStep ?? 0.2 });
  const out: SampleOutcome[] = new Array(xs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < xs.length; i = next++) {
      const sub = new Oracle(ctx.oracle.target);
      const c: AttackContext = {
        oracle: sub,
        domain: ctx.domain,
        rng: createRng((opts.seed ^ Math.imul(i + 1, 0x9e3779b9)) >>> 0),
        ...(ctx.starts ? { starts: ctx.starts } : {}),
      };
      const x = xs[i] as number[];
      const y = ys[i] as number;
      out[i] =
        name === "boundary"
          ? await boundaryAttack(c, x, y, { budget })
          : await hopSkipJump(c, x, y, { norm: INFO[name].norm, budget });
      ctx.oracle.queries += sub.queries;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency ?? 4, xs.length)) }, worker));
  return out;
}

async function runBudgeted(
  name: EvasionAttackName,
  ctx: AttackContext,
  xs: number[][],
  ys: number[],
  eps: number,
  opts: EvasionOptions,
): Promise<SampleOutcome[]> {
  const norm = INFO[name].norm;
  if (name === "square-linf") return squareAttack(ctx, xs, ys, { epsilon: eps, budget: opts.budget ?? 2000 });
  if (name.startsWith("fgsm")) return fgsm(ctx, xs, ys, { norm, epsilon: eps });
  return pgd(ctx, xs, ys, { norm, epsilon: eps, steps: opts.pgdSteps ?? 20 });
}

/** Runs each attack against each defence over `xs` (true labels `ys`). */
export async function runEvasion(
  target: Target,
  xs: readonly number[][],
  ys: readonly number[],
  opts: EvasionOptions,
): Promise<AttackReport[]> {
  if (xs.length !== ys.length || xs.length === 0)
    throw new WardenError("E_USAGE", "evasion needs at least one input and one label per input");
  for (const a of opts.attacks)
    if (!(a in INFO)) throw new WardenError("E_USAGE", `unknown attack "${a}" (known: ${EVASION_ATTACKS.join(", ")})`);
  const scoreAttacks = opts.attacks.filter((a) => INFO[a].needsScores);
  if (target.output !== "scores" && scoreAttacks.length > 0)
    throw new WardenError(
      "E_USAGE",
      `${scoreAttacks.join(", ")} need class scores but ${target.name} reveals labels only; use hopskipjump-l2, hopskipjump-linf or boundary`,
    );
  const reports: AttackReport[] = [];
  for (const defence of opts.defences && opts.defences.length > 0 ? opts.defences : [noDefence]) {
    const deployed = await defence.apply(target);
    const clean = await new Oracle(deployed.target).labels(xs.map((x) => x.slice()));
    const cleanFlags = deployed.detect ? await deployed.detect(xs.map((x) => x.slice())) : null;
    const correct = xs.flatMap((_, i) => (clean[i] === ys[i] ? [i] : []));
    for (const name of opts.attacks) {
      const info = INFO[name];
      const started = Date.now();
      const oracle = new Oracle(deployed.target);
      const ctx: AttackContext = { oracle, domain: opts.domain, rng: createRng(opts.seed), starts: xs };
      const eps = [...(info.norm === "l2" ? (opts.epsilonsL2 ?? opts.epsilons) : opts.epsilons)].sort((a, b) => a - b);
      const found = new Map<number, Found>();
      const queries = new Map<number, number>(correct.map((i) => [i, 0]));
      const cx = correct.map((i) => (xs[i] as number[]).slice());
      const cy = correct.map((i) => ys[i] as number);
      if (info.minimal) {
        const outs = await runMinimal(name, ctx, cx, cy, opts);
        outs.forEach((o, j) => {
          const i = correct[j] as number;
          queries.set(i, o.queries);
          if (o.adversarial) found.set(i, { outcome: o, epsilonIndex: -1 });
        });
      } else {
        for (let e = 0; e < eps.length; e++) {
          const todo = correct.filter((i) => !found.has(i));
          if (todo.length === 0) break;
          const outs = await runBudgeted(
            name,
            ctx,
            todo.map((i) => (xs[i] as number[]).slice()),
            todo.map((i) => ys[i] as number),
            eps[e] as number,
            opts,
          );
          outs.forEach((o, j) => {
            const i = todo[j] as number;
            queries.set(i, (queries.get(i) ?? 0) + o.queries);
            if (o.adversarial) found.set(i, { outcome: o, epsilonIndex: e });
          });
        }
      }
      const foundIdx = [...found.keys()].sort((a, b) => a - b);
      const advInputs = foundIdx.map((i) => (found.get(i) as Found).outcome.adversarial as number[]);
      const flags = deployed.detect ? await deployed.detect(advInputs) : advInputs.map(() => false);
      const advLabels = advInputs.length > 0 ? (await deployed.target.predict(advInputs)).map(argmax) : [];
      const examples: AdversarialExample[] = foundIdx.map((i, j) => {
        const f = found.get(i) as Found;
        return {
          index: i,
          label: ys[i] as number,
          adversarialLabel: advLabels[j] as number,
          distance: f.outcome.distance,
          queries: queries.get(i) ?? 0,
          detected: flags[j] === true,
          input: f.outcome.adversarial as number[],
        };
      });
      const undetected = examples.filter((e) => !e.detected);
      const robustAccuracy = eps.map((epsilon, e) => {
        const broken = undetected.filter((ex) => {
          const f = found.get(ex.index) as Found;
          return info.minimal ? ex.distance <= epsilon * (1 + 1e-9) : f.epsilonIndex <= e;
        }).length;
        return { epsilon, accuracy: (correct.length - broken) / xs.length };
      });
      const q = correct.map((i) => queries.get(i) ?? 0);
      reports.push({
        attack: name,
        defence: defence.name,
        norm: info.norm,
        gradient: info.whiteBox ? gradientSource(ctx) : null,
        samples: xs.length,
        attacked: correct.length,
        cleanAccuracy: correct.length / xs.length,
        successRate: correct.length === 0 ? 0 : undetected.length / correct.length,
        detectionRate: deployed.detect ? (examples.length - undetected.length) / Math.max(examples.length, 1) : null,
        cleanFlagRate: cleanFlags ? cleanFlags.filter(Boolean).length / cleanFlags.length : null,
        robustAccuracy,
        perturbation: distribution(examples.map((e) => e.distance)),
        queries: { total: oracle.queries, perInput: distribution(q) },
        timeMs: Date.now() - started,
        examples,
      });
    }
  }
  return reports;
}

/** Text evasion options. */
export interface TextEvasionOptions {
  editBudget?: number;
  perturbations?: readonly TextPerturbation[];
  queryBudget?: number;
  seed: number;
}

/** Text evasion report. */
export interface TextEvasionReport {
  samples: number;
  attacked: number;
  cleanAccuracy: number;
  successRate: number;
  /** Words edited in successful examples. */
  edits: Distribution;
  queries: { total: number; perInput: Distribution };
  timeMs: number;
  examples: TextOutcome[];
}

/** Attacks each correctly classified text under an edit budget. */
export async function runTextEvasion(
  target: TextTarget,
  texts: readonly string[],
  labels: readonly number[],
  opts: TextEvasionOptions,
): Promise<TextEvasionReport> {
  const started = Date.now();
  const rng = createRng(opts.seed);
  const clean = (await target.predict(texts.slice())).map(argmax);
  const outcomes: TextOutcome[] = [];
  for (let i = 0; i < texts.length; i++) {
    if (clean[i] !== labels[i]) continue;
    const o: { editBudget?: number; perturbations?: readonly TextPerturbation[]; queryBudget?: number } = {};
    if (opts.editBudget !== undefined) o.editBudget = opts.editBudget;
    if (opts.perturbations !== undefined) o.perturbations = opts.perturbations;
    if (opts.queryBudget !== undefined) o.queryBudget = opts.queryBudget;
    outcomes.push(await textAttack(target, texts[i] as string, labels[i] as number, rng, o));
  }
  const ok = outcomes.filter((o) => o.adversarial !== null);
  const q = outcomes.map((o) => o.queries);
  return {
    samples: texts.length,
    attacked: outcomes.length,
    cleanAccuracy: outcomes.length / Math.max(texts.length, 1),
    successRate: outcomes.length === 0 ? 0 : ok.length / outcomes.length,
    edits: distribution(ok.map((o) => o.edits)),
    queries: { total: texts.length + q.reduce((a, b) => a + b, 0), perInput: distribution(q) },
    timeMs: Date.now() - started,
    examples: outcomes,
  };
}
