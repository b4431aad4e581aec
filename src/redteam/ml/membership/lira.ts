/**
 * The likelihood-ratio attack, LiRA (Carlini, Chien, Nasr, Song, Terzis & Tramèr, "Membership Inference Attacks From
 * First Principles", IEEE S&P 2022). Reference models are trained with the user's training routine on random halves of
 * a pool made of population data and the audited records, so each audited record is IN about half of them and OUT of
 * the rest. For each record the logit-scaled confidence φ under IN and OUT models is fitted with Gaussians and the
 * target's φ is scored by the likelihood ratio (online). With pre-trained reference models that never saw the audited
 * records, the one-sided test against the OUT Gaussian is used (offline). With few models the variance is pooled over
 * records, as the paper advises.
 */
import { WardenError } from "../../../core/errors.ts";
import type { Predictor, TrainRoutine } from "../models/mlp.ts";
import type { Rng } from "../rng.ts";
import type { Oracle } from "../targets/types.ts";
import { roc } from "./roc.ts";
import { trueClassProbabilities } from "./threshold.ts";
import { type Labelled, logitConfidence, type MembershipData, type MembershipResult } from "./types.ts";

/** LiRA options. */
export interface LiraOptions {
  /** Training routine for reference models (online LiRA). */
  train?: TrainRoutine;
  /** Population records the reference models may train on, besides the audited ones. */
  population?: Labelled;
  /** Reference models to train (default 16). */
  references?: number;
  /** Pre-trained reference models that never saw the audited records (offline LiRA). */
  referenceModels?: readonly Predictor[];
}

interface Stats {
  mean: number;
  variance: number;
}

function fit(values: readonly number[]): Stats {
  const n = values.length;
  if (n === 0) return { mean: 0, variance: Number.NaN };
  let m = 0;
  for (const v of values) m += v;
  m /= n;
  let s = 0;
  for (const v of values) s += (v - m) ** 2;
  return { mean: m, variance: n > 1 ? s / (n - 1) : Number.NaN };
}

function logNormal(x: number, mean: number, variance: number): number {
  return -0.5 * Math.log(2 * Math.PI * variance) - (x - mean) ** 2 / (2 * variance);
}

function pooledVariance(groups: readonly (readonly number[])[]): number {
  let s = 0;
  let dof = 0;
  for (const g of groups) {
    const f = fit(g);
    if (g.length > 1) {
      s += f.variance * (g.length - 1);
      dof += g.length - 1;
    }
  }
  return dof > 0 ? Math.max(s / dof, 1e-6) : 1;
}

/** Runs LiRA against the target behind `oracle`. */
export async function liraAttack(
  oracle: Oracle,
  data: MembershipData,
  rng: Rng,
  opts: LiraOptions,
): Promise<MembershipResult> {
  const start = oracle.queries;
  const audited: Labelled = {
    x: [...data.members.x, ...data.nonMembers.x],
    y: [...data.members.y, ...data.nonMembers.y],
  };
  const m = audited.x.length;
  const observed = (await trueClassProbabilities(oracle, audited)).map(logitConfidence);
  const ins: number[][] = audited.x.map(() => []);
  const outs: number[][] = audited.x.map(() => []);
  let trained = 0;
  let online = false;
  if (opts.referenceModels && opts.referenceModels.length > 0) {
    for (const model of opts.referenceModels) {
      const probs = await model.predict(audited.x);
      probs.forEach((p, i) => {
        (outs[i] as number[]).push(logitConfidence(p[audited.y[i] as number] ?? 0));
      });
    }
  } else if (opts.train) {
    online = true;
    const pop = opts.population ?? { x: [], y: [] };
    const k = opts.references ?? 16;
    for (let r = 0; r < k; r++) {
      const inAudited = audited.x.map(() => rng.next() < 0.5);
      const x: number[][] = [];
      const y: number[] = [];
      inAudited.forEach((isIn, i) => {
        if (!isIn) return;
        x.push(audited.x[i] as number[]);
        y.push(audited.y[i] as number);
      });
      pop.x.forEach((row, i) => {
        if (rng.next() < 0.5) {
          x.push(row);
          y.push(pop.y[i] as number);
        }
      });
      if (x.length === 0) continue;
      const model = await opts.train(x, y, Math.floor(rng.next() * 2 ** 31));
      trained++;
      const probs = await model.predict(audited.x);
      probs.forEach((p, i) => {
        const phi = logitConfidence(p[audited.y[i] as number] ?? 0);
        (inAudited[i] ? (ins[i] as number[]) : (outs[i] as number[])).push(phi);
      });
    }
  } else {
    throw new WardenError("E_USAGE", "LiRA needs a training routine or pre-trained reference models");
  }
  const fewModels = trained + (opts.referenceModels?.length ?? 0) < 64;
  const varIn = pooledVariance(ins);
  const varOut = pooledVariance(outs);
  const scores = observed.map((phi, i) => {
    const fo = fit(outs[i] as number[]);
    const vo = fewModels || !(fo.variance > 0) ? varOut : fo.variance;
    const mo = (outs[i] as number[]).length > 0 ? fo.mean : 0;
    if (!online) return (phi - mo) / Math.sqrt(vo);
    const fi = fit(ins[i] as number[]);
    const vi = fewModels || !(fi.variance > 0) ? varIn : fi.variance;
    const mi = (ins[i] as number[]).length > 0 ? fi.mean : mo;
    return logNormal(phi, mi, vi) - logNormal(phi, mo, vo);
  });
  const nm = data.members.x.length;
  return {
    attack: online ? "lira-online" : "lira-offline",
    members: nm,
    nonMembers: m - nm,
    queries: oracle.queries - start,
    modelsTrained: trained,
    ...roc(scores.slice(0, nm), scores.slice(nm)),
  };
}
