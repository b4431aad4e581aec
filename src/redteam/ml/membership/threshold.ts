/**
 * Threshold membership attacks: the loss attack (Yeom, Giacomelli, Fredrikson & Jha, "Privacy Risk in Machine
 * Learning", CSF 2018) scores a record by its negative cross-entropy loss; the confidence attack (Salem et al.,
 * "ML-Leaks", NDSS 2019) by the model's top probability, which needs no label. The ROC over all thresholds is reported,
 * so no threshold has to be chosen.
 */
import type { Oracle } from "../targets/types.ts";
import { roc } from "./roc.ts";
import type { Labelled, MembershipData, MembershipResult } from "./types.ts";

/** The target's probability of each record's true label. */
export async function trueClassProbabilities(oracle: Oracle, data: Labelled): Promise<number[]> {
  const scores = await oracle.scores(data.x);
  return scores.map((p, i) => p[data.y[i] as number] ?? 0);
}

/** Runs the loss or confidence threshold attack. */
export async function thresholdAttack(
  oracle: Oracle,
  data: MembershipData,
  kind: "loss" | "confidence",
): Promise<MembershipResult> {
  const start = oracle.queries;
  const score = async (d: Labelled): Promise<number[]> => {
    const probs = await oracle.scores(d.x);
    return probs.map((p, i) =>
      kind === "loss" ? Math.log(Math.max(p[d.y[i] as number] ?? 0, 1e-300)) : Math.max(...p),
    );
  };
  const sm = await score(data.members);
  const sn = await score(data.nonMembers);
  return {
    attack: kind,
    members: sm.length,
    nonMembers: sn.length,
    queries: oracle.queries - start,
    modelsTrained: 0,
    ...roc(sm, sn),
  };
}
