/**
 * Membership-inference assessment: runs the threshold attacks (loss, confidence), the shadow-model attack and LiRA
 * over known members and non-members of the target's training set and reports each attack's ROC, AUC and TPR at
 * 1% and 0.1% FPR (Carlini et al. 2022).
 */
import { WardenError } from "../../core/errors.ts";
import { type LiraOptions, liraAttack } from "./membership/lira.ts";
import { shadowAttack } from "./membership/shadow.ts";
import { thresholdAttack } from "./membership/threshold.ts";
import type { Labelled, MembershipData, MembershipResult } from "./membership/types.ts";
import type { Predictor, TrainRoutine } from "./models/mlp.ts";
import { createRng } from "./rng.ts";
import { Oracle, type Target } from "./targets/types.ts";

/** The membership attacks Warden runs. */
export const MEMBERSHIP_ATTACKS = ["loss", "confidence", "shadow", "lira"] as const;
export type MembershipAttackName = (typeof MEMBERSHIP_ATTACKS)[number];

/** Membership assessment options. */
export interface MembershipOptions {
  attacks: readonly MembershipAttackName[];
  seed: number;
  /** The user's training routine, for shadow and reference models. */
  train?: TrainRoutine;
  /** Population data disjoint from the audited records (shadow training, LiRA pool). */
  population?: Labelled;
  /** Shadow models (default 4). */
  shadows?: number;
  /** LiRA reference models to train (default 16). */
  references?: number;
  /** Pre-trained reference models that never saw the audited records (offline LiRA). */
  referenceModels?: readonly Predictor[];
}

/** The membership report. */
export interface MembershipReport {
  members: number;
  nonMembers: number;
  results: MembershipResult[];
  timeMs: number;
}

/** Runs the requested membership attacks. */
export async function runMembership(
  target: Target,
  data: MembershipData,
  opts: MembershipOptions,
): Promise<MembershipReport> {
  if (data.members.x.length === 0 || data.nonMembers.x.length === 0)
    throw new WardenError("E_USAGE", "membership inference needs both member and non-member records");
  if (target.output !== "scores")
    throw new WardenError("E_USAGE", `membership attacks need class scores; ${target.name} reveals labels only`);
  const started = Date.now();
  const results: MembershipResult[] = [];
  for (const a of opts.attacks) {
    const oracle = new Oracle(target);
    const rng = createRng(opts.seed);
    if (a === "loss" || a === "confidence") results.push(await thresholdAttack(oracle, data, a));
    else if (a === "shadow") {
      if (!opts.train || !opts.population)
        throw new WardenError("E_USAGE", "the shadow attack needs a training routine and population data");
      const o = { train: opts.train, population: opts.population, ...(opts.shadows ? { shadows: opts.shadows } : {}) };
      results.push(await shadowAttack(oracle, data, rng, o));
    } else if (a === "lira") {
      const o: LiraOptions = {};
      if (opts.train) o.train = opts.train;
      if (opts.population) o.population = opts.population;
      if (opts.references) o.references = opts.references;
      if (opts.referenceModels) o.referenceModels = opts.referenceModels;
      results.push(await liraAttack(oracle, data, rng, o));
    } else
      throw new WardenError("E_USAGE", `unknown membership attack "${a}" (known: ${MEMBERSHIP_ATTACKS.join(", ")})`);
  }
  return {
    members: data.members.x.length,
    nonMembers: data.nonMembers.x.length,
    results,
    timeMs: Date.now() - started,
  };
}
