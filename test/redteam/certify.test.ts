/**
 * Randomized smoothing must be sound: a certified L2 radius never exceeds the true distance to the smoothed
 * classifier's decision boundary, so no attack finds an adversarial example inside it. Checked on a linear model
 * (where the smoothed classifier equals the base one and the distance is known in closed form) and on a small
 * non-linear network whose smoothed classifier is evaluated with fixed noise draws.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { hopSkipJump } from "../../src/redteam/ml/attacks/hopskipjump.ts";
import { runCertification } from "../../src/redteam/ml/certification.ts";
import { certify, predictSmoothed } from "../../src/redteam/ml/certify/smoothing.ts";
import { createDomain } from "../../src/redteam/ml/domain.ts";
import { classifierTarget, trainClassifier } from "../../src/redteam/ml/models/mlp.ts";
import { createRng } from "../../src/redteam/ml/rng.ts";
import { functionTarget, Oracle } from "../../src/redteam/ml/targets/types.ts";
import { argmax } from "../../src/redteam/ml/vec.ts";
import { blobs, gaussianPoints, linearModel } from "./helpers.ts";

test("on a linear model every certified radius is at most the exact distance, and attacks stay outside it", async () => {
  const dim = 10;
  const model = linearModel(dim, 5);
  const xs = gaussianPoints(12, dim, 6, 0.5);
  const ys = xs.map(model.label);
  const report = await runCertification(model.target, xs, ys, {
    sigma: 0.5,
    n0: 50,
    n: 2000,
    radii: [0, 0.25, 0.5],
    seed: 3,
  });
  let certified = 0;
  for (const c of report.certificates) {
    const x = xs[c.index] as number[];
    if (c.prediction === null) continue;
    certified++;
    assert.equal(c.prediction, model.label(x));
    assert.ok(c.radius <= model.minL2(x) + 1e-12, `radius ${c.radius} exceeds ${model.minL2(x)}`);
    const attack = await hopSkipJump(
      { oracle: new Oracle(model.target), domain: createDomain(dim), rng: createRng(c.index) },
      x,
      c.prediction,
      { norm: "l2", budget: 1500 },
    );
    assert.ok(attack.distance >= c.radius, `adversarial at ${attack.distance} inside certified radius ${c.radius}`);
  }
  assert.ok(certified >= 6, `only ${certified} points certified`);
  const accs = report.certifiedAccuracy.map((p) => p.accuracy);
  assert.ok(
    accs.every((a, i) => i === 0 || a <= (accs[i - 1] as number)),
    "certified accuracy decreases with radius",
  );
  assert.equal(report.queries, 12 * 2050);
});

test("a point on the decision boundary makes CERTIFY and PREDICT abstain", async () => {
  const model = linearModel(4, 9);
  const x = [0, 0, 0, 0];
  x[0] = -model.b / (model.w[0] as number);
  const oracle = new Oracle(model.target);
  const c = await certify(oracle, x, createRng(1), { sigma: 0.25, n0: 100, n: 500 });
  assert.equal(c.prediction, null);
  assert.equal(c.radius, 0);
  assert.equal(await predictSmoothed(oracle, x, createRng(2), { sigma: 0.25, n: 500 }), null);
});

test("on a non-linear network no attack on the smoothed classifier lands inside a certified radius", async () => {
  const data = blobs(200, 2, 4, 1.2);
  const net = trainClassifier(data.x, data.y, { hidden: 16, epochs: 60, seed: 2 });
  const base = classifierTarget(net);
  const sigma = 0.5;
  const noiseRng = createRng(99);
  const noise = Array.from({ length: 400 }, () => [noiseRng.normal() * sigma, noiseRng.normal() * sigma]);
  const smoothed = functionTarget(
    (batch) =>
      batch.map((x) => {
        const counts = [0, 0];
        const preds = net.predict(
          noise.map((d) => [(x[0] as number) + (d[0] as number), (x[1] as number) + (d[1] as number)]),
        );
        for (const p of preds) counts[argmax(p)] = (counts[argmax(p)] as number) + 1;
        return counts.map((c) => c / noise.length);
      }),
    { name: "smoothed", output: "labels" },
  );
  const xs = data.x.slice(0, 5);
  const report = await runCertification(base, xs, data.y.slice(0, 5), { sigma, n0: 50, n: 1000, radii: [0], seed: 5 });
  let checked = 0;
  for (const c of report.certificates) {
    if (c.prediction === null || c.radius <= 0) continue;
    const attack = await hopSkipJump(
      { oracle: new Oracle(smoothed), domain: createDomain(2), rng: createRng(c.index) },
      xs[c.index] as number[],
      c.prediction,
      { norm: "l2", budget: 250, initialEvals: 20, maxEvals: 40 },
    );
    checked++;
    assert.ok(attack.distance >= c.radius, `adversarial at ${attack.distance} inside radius ${c.radius}`);
  }
  assert.ok(checked >= 3, `only ${checked} certified points checked`);
});
