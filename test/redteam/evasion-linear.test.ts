/**
 * Closed-form checks: for a linear binary classifier the minimal L2 adversarial perturbation is |w·x+b|/‖w‖₂ and the
 * minimal L∞ one |w·x+b|/‖w‖₁. Minimal-perturbation attacks must come within a small factor and never below;
 * fixed-ε attacks must succeed just above the minimum and fail just below it.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { boundaryAttack } from "../../src/redteam/ml/attacks/boundary.ts";
import type { AttackContext } from "../../src/redteam/ml/attacks/common.ts";
import { fgsm, pgd } from "../../src/redteam/ml/attacks/gradient.ts";
import { hopSkipJump } from "../../src/redteam/ml/attacks/hopskipjump.ts";
import { simba } from "../../src/redteam/ml/attacks/simba.ts";
import { squareAttack } from "../../src/redteam/ml/attacks/square.ts";
import { createDomain } from "../../src/redteam/ml/domain.ts";
import { createRng } from "../../src/redteam/ml/rng.ts";
import { labelsOnly, Oracle, type Target } from "../../src/redteam/ml/targets/types.ts";
import { distance } from "../../src/redteam/ml/vec.ts";
import { gaussianPoints, linearModel } from "./helpers.ts";

const DIM = 20;
const model = linearModel(DIM, 3);
const points = gaussianPoints(4, DIM, 4);
const domain = createDomain(DIM);
const ctx = (target: Target = model.target): AttackContext => ({
  oracle: new Oracle(target),
  domain,
  rng: createRng(11),
});

test("HopSkipJump L2 (labels only) finds perturbations within 5% of the minimum, never below", async () => {
  for (const x of points) {
    const c = ctx(labelsOnly(model.target));
    const r = await hopSkipJump(c, x, model.label(x), { norm: "l2", budget: 3000 });
    assert.ok(r.adversarial);
    assert.notEqual(model.label(r.adversarial), model.label(x), "the example is adversarial");
    assert.equal(r.distance, distance(r.adversarial, x, "l2"));
    const ratio = r.distance / model.minL2(x);
    assert.ok(ratio >= 1 - 1e-9 && ratio < 1.05, `ratio ${ratio}`);
    assert.equal(r.queries, c.oracle.queries);
    assert.ok(r.queries <= 3000);
  }
});

test("HopSkipJump L∞ finds perturbations within 10% of the minimal L∞ distance", async () => {
  for (const x of points) {
    const r = await hopSkipJump(ctx(), x, model.label(x), { norm: "linf", budget: 3000 });
    assert.ok(r.adversarial);
    const ratio = r.distance / model.minLinf(x);
    assert.ok(ratio >= 1 - 1e-9 && ratio < 1.1, `ratio ${ratio}`);
  }
});

test("the boundary attack comes within 30% of the minimum with 5000 queries", async () => {
  for (const x of points) {
    const r = await boundaryAttack(ctx(labelsOnly(model.target)), x, model.label(x), { budget: 5000 });
    assert.ok(r.adversarial);
    assert.notEqual(model.label(r.adversarial), model.label(x));
    const ratio = r.distance / model.minL2(x);
    assert.ok(ratio >= 1 - 1e-9 && ratio < 1.3, `ratio ${ratio}`);
  }
});

test("SimBA finds adversarial examples within a factor 1.6 of the minimum", async () => {
  const rs = await simba(ctx(), points, points.map(model.label), { stepSize: 0.05, budget: 2000 });
  rs.forEach((r, i) => {
    const x = points[i] as number[];
    assert.ok(r.adversarial);
    const ratio = r.distance / model.minL2(x);
    assert.ok(ratio >= 1 - 1e-9 && ratio < 1.6, `ratio ${ratio}`);
  });
});

test("Square Attack succeeds just above the minimal L∞ radius and never below it", async () => {
  for (const x of points) {
    const y = model.label(x);
    const eps = model.minLinf(x);
    const [above] = await squareAttack(ctx(), [x], [y], { epsilon: eps * 1.15, budget: 3000 });
    assert.ok(above?.adversarial, "succeeds at 1.15×");
    assert.ok((above?.distance ?? 0) <= eps * 1.15 + 1e-12);
    const [below] = await squareAttack(ctx(), [x], [y], { epsilon: eps * 0.99, budget: 300 });
    assert.equal(below?.adversarial, null, "impossible below the minimum");
  }
});

test("PGD and FGSM (L2) with exact gradients succeed at 1.02× the minimum and fail at 0.98×", async () => {
  const ys = points.map(model.label);
  for (const [i, x] of points.entries()) {
    const e = model.minL2(x);
    const [p1] = await pgd(ctx(), [x], [ys[i] as number], { norm: "l2", epsilon: e * 1.02 });
    const [p2] = await pgd(ctx(), [x], [ys[i] as number], { norm: "l2", epsilon: e * 0.98 });
    const [f1] = await fgsm(ctx(), [x], [ys[i] as number], { norm: "l2", epsilon: e * 1.02 });
    assert.ok(p1?.adversarial && f1?.adversarial);
    assert.equal(p2?.adversarial, null);
  }
});

test("without a gradient function, PGD estimates gradients by finite differences and still succeeds", async () => {
  const noGrad = linearModel(DIM, 3, false);
  const x = points[0] as number[];
  const c = ctx(noGrad.target);
  const [r] = await pgd(c, [x], [noGrad.label(x)], { norm: "linf", epsilon: noGrad.minLinf(x) * 1.05, steps: 10 });
  assert.ok(r?.adversarial);
  assert.ok(c.oracle.queries >= 2 * DIM, "finite differences cost two queries per feature");
});

test("bounds and immutable features are respected by every candidate", async () => {
  const bounded = createDomain(DIM, { lower: -3, upper: 3, immutable: [0, 1, 2] });
  const x = (points[1] as number[]).map((v) => Math.max(-3, Math.min(3, v)));
  const c: AttackContext = { oracle: new Oracle(model.target), domain: bounded, rng: createRng(2) };
  const y = model.label(x);
  const outs = [
    await hopSkipJump(c, x, y, { norm: "l2", budget: 1500 }),
    await boundaryAttack(c, x, y, { budget: 1000 }),
    ...(await simba(c, [x], [y], { stepSize: 0.1, budget: 1000 })),
    ...(await squareAttack(c, [x], [y], { epsilon: 1, budget: 500 })),
    ...(await pgd(c, [x], [y], { norm: "linf", epsilon: 1 })),
  ];
  for (const o of outs) {
    if (!o.adversarial) continue;
    assert.deepEqual(o.adversarial.slice(0, 3), x.slice(0, 3));
    assert.ok(o.adversarial.every((v) => v >= -3 && v <= 3));
  }
  assert.ok(outs.some((o) => o.adversarial));
});
