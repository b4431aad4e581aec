/** Model extraction: surrogate fidelity grows with the query budget, and queries are accounted for. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { createDomain } from "../../src/redteam/ml/domain.ts";
import { extractionRisk } from "../../src/redteam/ml/extraction.ts";
import { defaultTrainRoutine } from "../../src/redteam/ml/models/mlp.ts";
import { createRng } from "../../src/redteam/ml/rng.ts";
import { labelsOnly, Oracle } from "../../src/redteam/ml/targets/types.ts";
import { gaussianPoints, linearModel } from "./helpers.ts";

test("a labels-only linear model is extracted with high fidelity, more so with more queries", async () => {
  const dim = 6;
  const model = linearModel(dim, 31);
  const test = gaussianPoints(300, dim, 32);
  const oracle = new Oracle(labelsOnly(model.target));
  const r = await extractionRisk(oracle, createRng(1), {
    budgets: [10, 400],
    test: { x: test, y: test.map(model.label) },
    pool: gaussianPoints(200, dim, 33),
    domain: createDomain(dim),
    surrogate: defaultTrainRoutine({ epochs: 60 }),
  });
  assert.equal(r.querySource, "pool");
  assert.equal(r.queries, 400);
  assert.equal(r.evaluationQueries, 300);
  assert.equal(oracle.queries, 700);
  const [small, large] = r.points;
  assert.ok(large && small);
  assert.ok(large.fidelity > 0.93, `fidelity ${large.fidelity}`);
  assert.ok(large.fidelity >= small.fidelity);
  assert.equal(r.targetAccuracy, 1);
  assert.equal(large.accuracy, large.fidelity, "with true labels equal to the target's, accuracy is fidelity");
});

test("without a pool, queries are drawn uniformly from the bounds; bad budgets are refused", async () => {
  const model = linearModel(3, 41);
  const test = gaussianPoints(50, 3, 42, 0.5);
  const r = await extractionRisk(new Oracle(model.target), createRng(2), {
    budgets: [50],
    test: { x: test, y: null },
    domain: createDomain(3, { lower: -1, upper: 1 }),
  });
  assert.equal(r.querySource, "uniform");
  assert.equal(r.points[0]?.accuracy, null);
  await assert.rejects(
    extractionRisk(new Oracle(model.target), createRng(2), {
      budgets: [1],
      test: { x: test, y: null },
      domain: createDomain(3),
    }),
    /at least 2/,
  );
});
