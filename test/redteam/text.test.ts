/** Text evasion: typos, homoglyphs and synonym swaps under an edit budget against a keyword classifier. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { HOMOGLYPHS, synonymsOf, textAttack, wordCandidates } from "../../src/redteam/ml/attacks/text.ts";
import { runTextEvasion } from "../../src/redteam/ml/evasion.ts";
import { createRng } from "../../src/redteam/ml/rng.ts";
import type { TextTarget } from "../../src/redteam/ml/targets/types.ts";

/** A bag-of-words sentiment model: exact (case-insensitive) keyword matches only, like a brittle production filter. */
const POSITIVE = new Set(["great", "good", "love", "excellent"]);
const NEGATIVE = new Set(["bad", "awful", "hate", "boring"]);
const classifier: TextTarget = {
  name: "keywords",
  output: "scores",
  async predict(batch) {
    return batch.map((t) => {
      let s = 0;
      for (const w of t.toLowerCase().split(/[^\p{L}']+/u)) {
        if (POSITIVE.has(w)) s += 1;
        if (NEGATIVE.has(w)) s -= 1;
      }
      const p = 1 / (1 + Math.exp(-2 * s));
      return [1 - p, p];
    });
  },
};

test("candidates: synonyms keep capitalisation, homoglyphs change one letter, typos differ from the word", () => {
  assert.ok(synonymsOf("Great").every((s) => /^[A-Z]/.test(s)));
  const rng = createRng(1);
  const h = wordCandidates("great", ["homoglyph"], rng);
  assert.ok(h.length > 0);
  for (const c of h) {
    assert.equal(c.length, 5);
    assert.ok([...c].some((ch) => Object.values(HOMOGLYPHS).includes(ch)));
  }
  for (const c of wordCandidates("great", ["typo"], rng)) assert.notEqual(c, "great");
});

test("the attack flips a keyword classifier within the edit budget, and reports its queries", async () => {
  const rng = createRng(2);
  const r = await textAttack(classifier, "What a great movie, I love it", 1, rng, { editBudget: 2 });
  assert.ok(r.adversarial);
  assert.ok(r.edits <= 2 && r.edits >= 1);
  const [p] = await classifier.predict([r.adversarial]);
  assert.ok((p?.[1] ?? 1) <= 0.5);
  assert.ok(r.queries > 0);
  const limited = await textAttack(classifier, "great great great good love excellent", 1, createRng(3), {
    editBudget: 1,
  });
  assert.equal(limited.adversarial, null, "one edit cannot remove six positive words");
  assert.ok(limited.edits <= 1);
});

test("synonym-only attacks leave the text readable (no homoglyphs)", async () => {
  const r = await textAttack(classifier, "a great film", 1, createRng(4), {
    perturbations: ["synonym"],
    editBudget: 3,
  });
  assert.ok(r.adversarial);
  assert.ok(![...r.adversarial].some((ch) => Object.values(HOMOGLYPHS).includes(ch)));
});

test("runTextEvasion reports success rate, edits and queries over a set", async () => {
  const texts = ["great film", "I love this", "good and excellent", "excellent acting", "neutral words here"];
  const labels = [1, 1, 1, 1, 1];
  const report = await runTextEvasion(classifier, texts, labels, { seed: 1, editBudget: 2 });
  assert.equal(report.samples, 5);
  assert.equal(report.attacked, 4, "the neutral text is misclassified (score 0.5 → class 0) and not attacked");
  assert.ok(report.successRate >= 0.75);
  assert.ok(report.queries.total >= 5);
});
