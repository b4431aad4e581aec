/**
 * Membership inference on real data (German credit, from ../shared): a deliberately overfit network leaks membership
 * (AUC well above 0.5) to the loss, shadow-model and LiRA attacks; a network trained with DP-SGD, or one trained on
 * disjoint data, does not. Plus the ROC arithmetic.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { loadDataset, standardize } from "../../src/redteam/ml/data.ts";
import { roc } from "../../src/redteam/ml/membership/roc.ts";
import { runMembership } from "../../src/redteam/ml/membership.ts";
import {
  classifierTarget,
  defaultTrainRoutine,
  type MlpOptions,
  trainClassifier,
} from "../../src/redteam/ml/models/mlp.ts";

const csv = fileURLToPath(new URL("../../../shared/datasets/tabular/german_credit.csv", import.meta.url));
const skip = existsSync(csv) ? false : `German credit dataset not found at ${csv}`;

function split() {
  const ds = loadDataset(csv, { labels: "default" });
  const { x } = standardize(ds.x);
  const y = ds.y as number[];
  const part = (a: number, b: number) => ({ x: x.slice(a, b), y: y.slice(a, b) });
  return { members: part(0, 100), nonMembers: part(100, 200), population: part(200, 400), other: part(400, 500) };
}

const OVERFIT: MlpOptions = { hidden: 16, epochs: 100, learningRate: 0.01 };

test("ROC: perfect separation, chance, ties and low-FPR points", () => {
  const perfect = roc([0.9, 0.8, 0.7], [0.3, 0.2, 0.1]);
  assert.equal(perfect.auc, 1);
  assert.equal(perfect.tprAt1PctFpr, 1);
  assert.equal(roc([0.5, 0.5], [0.5, 0.5]).auc, 0.5);
  assert.equal(roc([0.1, 0.2], [0.8, 0.9]).auc, 0);
  const r = roc([3, 1], [2, 0]);
  assert.equal(r.auc, 0.75);
  assert.equal(r.tprAt1PctFpr, 0.5);
  assert.deepEqual(r.curve.at(-1), { fpr: 1, tpr: 1 });
});

test("an overfit model leaks membership to the loss, shadow and LiRA attacks", { skip }, async () => {
  const d = split();
  const model = trainClassifier(d.members.x, d.members.y, { ...OVERFIT, seed: 1 });
  const report = await runMembership(
    classifierTarget(model),
    { members: d.members, nonMembers: d.nonMembers },
    {
      attacks: ["loss", "confidence", "shadow", "lira"],
      seed: 4,
      train: defaultTrainRoutine(OVERFIT),
      population: d.population,
      shadows: 2,
      references: 4,
    },
  );
  const auc = Object.fromEntries(report.results.map((r) => [r.attack, r.auc]));
  assert.ok((auc.loss as number) > 0.65, `loss AUC ${auc.loss}`);
  assert.ok((auc.shadow as number) > 0.65, `shadow AUC ${auc.shadow}`);
  assert.ok((auc["lira-online"] as number) > 0.65, `LiRA AUC ${auc["lira-online"]}`);
  for (const r of report.results) {
    assert.equal(r.members, 100);
    assert.ok(r.tprAt01PctFpr <= r.tprAt1PctFpr);
    assert.equal(r.queries, 200);
  }
});

test("a DP-SGD model and a model trained on disjoint data do not leak membership", { skip }, async () => {
  const d = split();
  const data = { members: d.members, nonMembers: d.nonMembers };
  const dpOpts: MlpOptions = { hidden: 16, epochs: 10, learningRate: 0.01, dp: { clip: 1, noiseMultiplier: 4 } };
  const dp = trainClassifier(d.members.x, d.members.y, { ...dpOpts, seed: 1 });
  const dpReport = await runMembership(classifierTarget(dp), data, {
    attacks: ["loss", "confidence", "shadow"],
    seed: 4,
    train: defaultTrainRoutine(dpOpts),
    population: d.population,
    shadows: 2,
  });
  const disjoint = trainClassifier(d.other.x, d.other.y, { ...OVERFIT, seed: 1 });
  const disjointReport = await runMembership(classifierTarget(disjoint), data, {
    attacks: ["loss", "confidence"],
    seed: 4,
  });
  for (const r of [...dpReport.results, ...disjointReport.results])
    assert.ok(Math.abs(r.auc - 0.5) < 0.1, `${r.attack} AUC ${r.auc} should be near chance`);
});

test("offline LiRA with pre-trained reference models that never saw the audited records", { skip }, async () => {
  const d = split();
  const model = trainClassifier(d.members.x, d.members.y, { ...OVERFIT, seed: 1 });
  const refs = [0, 1, 2].map((s) =>
    trainClassifier(
      d.population.x.filter((_, i) => i % 3 !== s),
      d.population.y.filter((_, i) => i % 3 !== s),
      { ...OVERFIT, seed: 10 + s },
    ),
  );
  const report = await runMembership(
    classifierTarget(model),
    { members: d.members, nonMembers: d.nonMembers },
    { attacks: ["lira"], seed: 1, referenceModels: refs },
  );
  assert.equal(report.results[0]?.attack, "lira-offline");
  assert.ok((report.results[0]?.auc ?? 0) > 0.65, `offline LiRA AUC ${report.results[0]?.auc}`);
});
