/** Seeded RNG and the statistics behind randomized smoothing: normal CDF/quantile, incomplete beta, Clopper–Pearson. */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  betaQuantile,
  binomialTestP,
  clopperPearson,
  logGamma,
  normalCdf,
  normalQuantile,
  regularizedBeta,
} from "../../src/redteam/ml/certify/stats.ts";
import { createRng } from "../../src/redteam/ml/rng.ts";

test("the seeded generator repeats itself and its normals have unit variance", () => {
  const a = createRng(7);
  const b = createRng(7);
  const c = createRng(8);
  const xs = Array.from({ length: 5 }, () => a.next());
  assert.deepEqual(
    xs,
    Array.from({ length: 5 }, () => b.next()),
  );
  assert.notDeepEqual(
    xs,
    Array.from({ length: 5 }, () => c.next()),
  );
  const r = createRng(3);
  const n = 20000;
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const z = r.normal();
    s += z;
    s2 += z * z;
  }
  assert.ok(Math.abs(s / n) < 0.03);
  assert.ok(Math.abs(s2 / n - 1) < 0.05);
});

test("normal CDF and quantile match reference values and invert each other", () => {
  assert.ok(Math.abs(normalCdf(1.96) - 0.9750021048517795) < 1e-12);
  assert.ok(Math.abs(normalCdf(-6) - 9.865876450376946e-10) < 1e-17);
  assert.ok(Math.abs(normalQuantile(0.975) - 1.959963984540054) < 1e-10);
  assert.ok(Math.abs(normalQuantile(1e-6) + 4.753424308822899) < 1e-8);
  fc.assert(
    fc.property(fc.double({ min: 1e-9, max: 1 - 1e-9, noNaN: true }), (p) => {
      assert.ok(Math.abs(normalCdf(normalQuantile(p)) - p) < 1e-9 * Math.max(1, p / 1e-3));
    }),
  );
});

test("log-gamma matches factorials", () => {
  assert.ok(Math.abs(logGamma(11) - Math.log(3628800)) < 1e-10);
  assert.ok(Math.abs(logGamma(0.5) - 0.5 * Math.log(Math.PI)) < 1e-12);
});

test("the regularised incomplete beta agrees with numerical integration", () => {
  for (const [x, a, b] of [
    [0.3, 10, 20],
    [0.5, 2, 3],
    [0.9, 0.5, 0.5],
    [0.05, 1, 30],
  ] as const) {
    const N = 200000;
    let s = 0;
    for (let i = 0; i < N; i++) {
      const t = ((i + 0.5) / N) * x;
      s += t ** (a - 1) * (1 - t) ** (b - 1);
    }
    s *= x / N;
    const exact = s / Math.exp(logGamma(a) + logGamma(b) - logGamma(a + b));
    assert.ok(Math.abs(regularizedBeta(x, a, b) - exact) < (a < 1 ? 2e-3 : 1e-7), `I_${x}(${a},${b})`);
  }
});

test("the beta quantile inverts the incomplete beta (property)", () => {
  fc.assert(
    fc.property(
      fc.double({ min: 1e-6, max: 1 - 1e-6, noNaN: true }),
      fc.integer({ min: 1, max: 5000 }),
      fc.integer({ min: 1, max: 5000 }),
      (p, a, b) => {
        const x = betaQuantile(p, a, b);
        assert.ok(x >= 0 && x <= 1);
        assert.ok(Math.abs(regularizedBeta(x, a, b) - p) < 1e-8, `p=${p} a=${a} b=${b} x=${x}`);
      },
    ),
    { numRuns: 200 },
  );
});

test("the Clopper–Pearson lower bound leaves exactly alpha in the upper binomial tail", () => {
  const tail = (k: number, n: number, p: number) => {
    let t = 0;
    for (let i = k; i <= n; i++)
      t += Math.exp(
        logGamma(n + 1) - logGamma(i + 1) - logGamma(n - i + 1) + i * Math.log(p) + (n - i) * Math.log1p(-p),
      );
    return t;
  };
  for (const [k, n] of [
    [990, 1000],
    [60, 100],
    [1, 10],
    [100, 100],
  ] as const) {
    const { lower } = clopperPearson(k, n, 0.001, true);
    assert.ok(Math.abs(tail(k, n, lower) - 0.001) < 1e-9, `${k}/${n}`);
  }
  assert.equal(clopperPearson(0, 10, 0.05).lower, 0);
  assert.equal(clopperPearson(10, 10, 0.05).upper, 1);
  const two = clopperPearson(5, 10, 0.05);
  assert.ok(Math.abs(two.lower - 0.187086) < 1e-6 && Math.abs(two.upper - 0.812914) < 1e-6);
});

test("the exact binomial test", () => {
  assert.ok(Math.abs(binomialTestP(5, 10) - 1) < 1e-12);
  assert.ok(Math.abs(binomialTestP(9, 10) - 0.021484375) < 1e-12);
  assert.ok(binomialTestP(100, 100) < 1e-29);
});
