/** Defences and the evasion runner: each attack against each defence, robust accuracy at ε, detection, examples. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { boundsCheckDefence, outOfBounds } from "../../src/redteam/ml/defences/bounds.ts";
import { ensembleDefence, ensembleTarget } from "../../src/redteam/ml/defences/ensemble.ts";
import { featureSqueezingDefence, medianSmooth, reduceBitDepth } from "../../src/redteam/ml/defences/squeeze.ts";
import { createDomain } from "../../src/redteam/ml/domain.ts";
import { runEvasion } from "../../src/redteam/ml/evasion.ts";
import { classifierTarget, trainClassifier } from "../../src/redteam/ml/models/mlp.ts";
import { createRng } from "../../src/redteam/ml/rng.ts";
import { functionTarget, labelsOnly } from "../../src/redteam/ml/targets/types.ts";
import { gaussianPoints, linearModel } from "./helpers.ts";

test("squeezers: bit depth over the bounds, median smoothing of an image", () => {
  const dom = createDomain(3, { lower: 0, upper: 1 });
  assert.deepEqual(reduceBitDepth([0.1, 0.49, 0.9], dom, 1), [0, 0, 1]);
  const img = [0, 0, 0, 0, 1, 0, 0, 0, 0];
  assert.deepEqual(medianSmooth(img, [3, 3, 1], 3), [0, 0, 0, 0, 0, 0, 0, 0, 0]);
  assert.equal(outOfBounds([0.5, 2], { lower: [0, 0], upper: [1, 1] }), true);
  assert.equal(outOfBounds([0.5, 1.05], { lower: [0, 0], upper: [1, 1], tolerance: 0.1 }), false);
  assert.equal(outOfBounds([Number.NaN, 0], { lower: [0, 0], upper: [1, 1] }), true);
});

test("an ensemble averages probabilities and gradients", async () => {
  const a = functionTarget(() => [[1, 0]], { gradient: () => [[2, 0]] });
  const b = functionTarget(() => [[0, 1]], { gradient: () => [[0, 2]] });
  const e = ensembleTarget([a, b]);
  assert.deepEqual(await e.predict([[0, 0]]), [[0.5, 0.5]]);
  assert.deepEqual(await e.gradient?.([[0, 0]], [0]), [[1, 1]]);
});

test("every attack runs against every defence, with robust accuracy, detection and saved examples", async () => {
  const dim = 8;
  const model = linearModel(dim, 21);
  const xs = gaussianPoints(10, dim, 22).map((x) => x.map((v) => Math.max(-2, Math.min(2, v))));
  const ys = xs.map(model.label);
  const domain = createDomain(dim, { lower: -2, upper: 2 });
  const other = linearModel(dim, 23).target;
  const clean = gaussianPoints(60, dim, 24).map((x) => x.map((v) => Math.max(-2, Math.min(2, v))));
  const reports = await runEvasion(model.target, xs, ys, {
    attacks: ["hopskipjump-l2", "square-linf", "pgd-linf"],
    epsilons: [0.05, 0.2, 1],
    epsilonsL2: [0.1, 0.5, 2],
    budget: 600,
    domain,
    seed: 5,
    defences: [
      { name: "none", apply: async (t) => ({ target: t }) },
      ensembleDefence([other]),
      featureSqueezingDefence(clean, domain, { bits: 3 }),
      boundsCheckDefence({ lower: new Array(dim).fill(-1), upper: new Array(dim).fill(1) }),
    ],
  });
  assert.equal(reports.length, 12);
  assert.deepEqual(
    [...new Set(reports.map((r) => r.defence))],
    ["none", "ensemble(2)", "feature-squeezing(bits=3)", "bounds-check"],
  );
  for (const r of reports) {
    assert.equal(r.samples, 10);
    const accs = r.robustAccuracy.map((p) => p.accuracy);
    assert.ok(accs.every((a, i) => a <= r.cleanAccuracy + 1e-12 && (i === 0 || a <= (accs[i - 1] as number))));
    for (const ex of r.examples) {
      assert.notEqual(ex.adversarialLabel, ex.label);
      assert.ok(ex.input.every((v) => v >= -2 && v <= 2));
    }
    assert.ok(r.queries.total > 0);
    if (r.defence === "none") {
      assert.equal(r.detectionRate, null);
      assert.equal(r.cleanAccuracy, 1);
      assert.ok(r.successRate > 0.5, `${r.attack} success ${r.successRate}`);
    }
    if (r.defence === "bounds-check" && r.examples.length > 0) {
      const flagged = r.examples.filter((e) => e.detected).length;
      const outside = r.examples.filter((e) => e.input.some((v) => Math.abs(v) > 1)).length;
      assert.equal(flagged, outside);
    }
    if (r.attack === "pgd-linf") assert.equal(r.gradient, "analytic");
    else assert.equal(r.gradient, null);
  }
  const none = reports.find((r) => r.defence === "none" && r.attack === "hopskipjump-l2");
  const hsjL2 = none?.examples.map((e) => e.distance) ?? [];
  for (const [j, ex] of (none?.examples ?? []).entries())
    assert.ok((hsjL2[j] as number) >= model.minL2(xs[ex.index] as number[]) - 1e-9);
});

test("score-based attacks refuse a labels-only model with a usage error", async () => {
  const model = linearModel(4, 1);
  await assert.rejects(
    runEvasion(labelsOnly(model.target), [[0, 0, 0, 1]], [model.label([0, 0, 0, 1])], {
      attacks: ["square-linf"],
      epsilons: [0.1],
      domain: createDomain(4),
      seed: 1,
    }),
    /labels only/,
  );
});

test("HopSkipJump on a 784-dimensional image model finishes in seconds", async () => {
  const rng = createRng(1);
  const n = 120;
  const x: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % 2;
    x.push(
      Array.from({ length: 784 }, (_, j) =>
        Math.min(1, Math.max(0, (c === 1 ? (j % 28) / 28 : 1 - (j % 28) / 28) * 0.6 + 0.4 * rng.next())),
      ),
    );
    y.push(c);
  }
  const net = trainClassifier(x, y, { epochs: 5, seed: 1 });
  const started = Date.now();
  const [report] = await runEvasion(classifierTarget(net), x.slice(0, 2), y.slice(0, 2), {
    attacks: ["hopskipjump-l2"],
    epsilons: [0.5, 1, 2, 4],
    budget: 2000,
    domain: createDomain(784, { lower: 0, upper: 1, shape: [28, 28, 1] }),
    seed: 1,
  });
  assert.ok(report);
  assert.equal(report.successRate, 1);
  assert.ok(report.queries.total <= 4000);
  assert.ok(Date.now() - started < 30_000, `took ${Date.now() - started} ms`);
});

test("feature squeezing flags most minimal-perturbation adversarial images and few clean ones", async () => {
  const rng = createRng(9);
  const side = 8;
  const protos = [0, 1].map(() => Array.from({ length: side * side }, () => (rng.next() < 0.5 ? 1 : 0)));
  const make = (c: number) =>
    (protos[c] as number[]).map((v) => Math.min(1, Math.max(0, 0.2 + 0.6 * v + 0.15 * rng.normal())));
  const x = Array.from({ length: 200 }, (_, i) => make(i % 2));
  const y = x.map((_, i) => i % 2);
  const net = trainClassifier(x, y, { epochs: 20, seed: 3 });
  const domain = createDomain(side * side, { lower: 0, upper: 1, shape: [side, side, 1] });
  const [report] = await runEvasion(classifierTarget(net), x.slice(0, 10), y.slice(0, 10), {
    attacks: ["hopskipjump-l2"],
    epsilons: [1],
    budget: 800,
    domain,
    seed: 2,
    defences: [featureSqueezingDefence(x.slice(100), domain, { bits: 2, median: 2, fpr: 0.05 })],
  });
  assert.ok(report);
  assert.ok((report.cleanFlagRate ?? 1) <= 0.2, `clean flag rate ${report.cleanFlagRate}`);
  assert.ok((report.detectionRate ?? 0) >= 0.6, `detection rate ${report.detectionRate}`);
  assert.ok(report.successRate <= 0.4, "detected examples do not count as successes");
});
