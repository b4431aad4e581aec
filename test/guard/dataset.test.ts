import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { detectPromptAttack, readLabelledJsonl, shippedModel } from "../../src/guard/index.ts";

const shared = fileURLToPath(new URL("../../../shared/datasets/prompt-attacks/", import.meta.url));
const skip = existsSync(shared) ? false : `../shared/datasets/prompt-attacks not found at ${shared}`;

test("the committed model was trained on exactly the training files present (digests match)", { skip }, () => {
  const recorded = (shippedModel().file.training as { data: Array<{ file: string; sha256: string }> }).data;
  const files = readdirSync(shared)
    .filter((f) => /^train-\d+\.jsonl$/.test(f))
    .sort();
  assert.deepEqual(
    recorded.map((d) => d.file),
    files,
  );
  for (const d of recorded) {
    const sha = createHash("sha256")
      .update(readFileSync(`${shared}${d.file}`))
      .digest("hex");
    assert.equal(sha, d.sha256, `${d.file} changed since training: re-run npm run train:guard`);
  }
  assert.ok(!recorded.some((d) => d.file.includes("eval-only")));
});

test("the shipped detector meets the false-positive targets on dev, with the recall recorded in the model file", {
  skip,
}, () => {
  const rows = readLabelledJsonl(readFileSync(`${shared}dev.jsonl`, "utf8"), "dev.jsonl");
  const count = { attack: 0, caught: 0, benign: 0, fp: 0, harmful: 0, harmfulFp: 0 };
  for (const r of rows) {
    const flagged = detectPromptAttack(r.text).flagged;
    if (r.label === "attack") {
      count.attack++;
      if (flagged) count.caught++;
    } else if (r.kind === "harmful-request") {
      count.harmful++;
      if (flagged) count.harmfulFp++;
    } else {
      count.benign++;
      if (flagged) count.fp++;
    }
  }
  const recall = count.caught / count.attack;
  const fpr = count.fp / count.benign;
  const harmfulFpr = count.harmfulFp / count.harmful;
  assert.ok(fpr <= 0.01, `benign FPR ${fpr}`);
  assert.ok(harmfulFpr <= 0.03, `harmful-request FPR ${harmfulFpr}`);
  const recorded = (shippedModel().file.metrics as { dev: { overall: { recall: number } } }).dev.overall.recall;
  assert.ok(Math.abs(recall - recorded) < 1e-3, `measured recall ${recall}, model file says ${recorded}`);
  assert.ok(recall >= 0.9, `recall ${recall} fell below the regression floor`);
  // The grouped cross-validation on train is recorded next to the dev figures, per kind and at the dev threshold.
  const metrics = shippedModel().file.metrics as {
    crossValidation: { grouping: string; byKind: Record<string, number> };
    crossValidationAtDevThreshold: { threshold: number; byKind: Record<string, number> };
  };
  assert.ok(metrics.crossValidation.grouping.length > 0);
  assert.equal(metrics.crossValidationAtDevThreshold.threshold, shippedModel().threshold);
  assert.ok(typeof metrics.crossValidationAtDevThreshold.byKind.jailbreak === "number");
});
