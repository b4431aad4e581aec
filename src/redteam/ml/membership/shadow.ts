/**
 * The shadow-model attack (Shokri, Stronati, Song & Shmatikov, "Membership Inference Attacks Against Machine Learning
 * Models", IEEE S&P 2017): train shadow models with the same training routine on population data whose membership is
 * known, learn an attack classifier from the shadow models' outputs on their own IN and OUT records, then apply it to
 * the target's outputs. Attack features: the logit-scaled true-class confidence, the sorted top-2 probabilities and
 * the entropy of the prediction.
 */
import { WardenError } from "../../../core/errors.ts";
import { type TrainRoutine, trainClassifier } from "../models/mlp.ts";
import type { Rng } from "../rng.ts";
import type { Oracle } from "../targets/types.ts";
import { roc } from "./roc.ts";
import { type Labelled, logitConfidence, type MembershipData, type MembershipResult } from "./types.ts";

/** Shadow attack options. */
export interface ShadowOptions {
  train: TrainRoutine;
  /** Records from the same distribution, disjoint from the audited ones. */
  population: Labelled;
  /** Shadow models (default 4). */
  shadows?: number;
}

/** Attack features of one prediction. */
export function attackFeatures(p: readonly number[], label: number): number[] {
  const sorted = p.slice().sort((a, b) => b - a);
  let entropy = 0;
  for (const v of p) if (v > 0) entropy -= v * Math.log(v);
  return [logitConfidence(p[label] ?? 0) / 10, sorted[0] ?? 0, sorted[1] ?? 0, entropy];
}

/** Runs the shadow-model attack. */
export async function shadowAttack(
  oracle: Oracle,
  data: MembershipData,
  rng: Rng,
  opts: ShadowOptions,
): Promise<MembershipResult> {
  const pop = opts.population;
  if (pop.x.length < 4) throw new WardenError("E_USAGE", "the shadow attack needs at least 4 population records");
  const feats: number[][] = [];
  const member: number[] = [];
  const k = opts.shadows ?? 4;
  for (let s = 0; s < k; s++) {
    const isIn = pop.x.map(() => rng.next() < 0.5);
    const x = pop.x.filter((_, i) => isIn[i]);
    const y = pop.y.filter((_, i) => isIn[i]);
    if (x.length === 0) continue;
    const model = await opts.train(x, y, Math.floor(rng.next() * 2 ** 31));
    (await model.predict(pop.x)).forEach((p, i) => {
      feats.push(attackFeatures(p, pop.y[i] as number));
      member.push(isIn[i] ? 1 : 0);
    });
  }
  const attack = trainClassifier(feats, member, { hidden: 8, epochs: 30, numClasses: 2, seed: rng.int(2 ** 31) });
  const start = oracle.queries;
  const score = async (d: Labelled): Promise<number[]> => {
    const probs = await oracle.scores(d.x);
    return attack.predict(probs.map((p, i) => attackFeatures(p, d.y[i] as number))).map((q) => q[1] as number);
  };
  const sm = await score(data.members);
  const sn = await score(data.nonMembers);
  return {
    attack: "shadow",
    members: sm.length,
    nonMembers: sn.length,
    queries: oracle.queries - start,
    modelsTrained: k,
    ...roc(sm, sn),
  };
}
