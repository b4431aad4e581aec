/** Model adapters: output normalisation, spec and JSON-path parsing, JS modules, a real HTTP server, a real ONNX model. */
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import fc from "fast-check";
import { isWardenError } from "../../src/core/errors.ts";
import { httpTarget, parseJsonPath, readJsonPath } from "../../src/redteam/ml/targets/http.ts";
import { onnxTarget } from "../../src/redteam/ml/targets/onnx.ts";
import { openTarget, parseTargetSpec } from "../../src/redteam/ml/targets/spec.ts";
import { labelsOnly, normaliseOutputs, Oracle } from "../../src/redteam/ml/targets/types.ts";
import { softmax } from "../../src/redteam/ml/vec.ts";
import { softmaxRegressionOnnx } from "./onnx-fixture.ts";

test("outputs are normalised: probabilities, logits, single scores and labels", () => {
  assert.deepEqual(normaliseOutputs([[0.2, 0.8]], 1), [[0.2, 0.8]]);
  assert.deepEqual(normaliseOutputs([[1, 3]], 1), [softmax([1, 3])]);
  assert.deepEqual(normaliseOutputs([[0.25]], 1), [[0.75, 0.25]]);
  assert.deepEqual(normaliseOutputs([2, 0], 2, 3), [
    [0, 0, 1],
    [1, 0, 0],
  ]);
  assert.throws(
    () => normaliseOutputs([[1, 2]], 2),
    (e) => isWardenError(e, "E_REDTEAM_TARGET"),
  );
  assert.throws(() => normaliseOutputs([5], 1, 3), /outside/);
  assert.throws(() => normaliseOutputs("x", 1), /not an array/);
  fc.assert(
    fc.property(
      fc.array(fc.array(fc.double({ min: -50, max: 50, noNaN: true }), { minLength: 2, maxLength: 6 }), {
        minLength: 1,
        maxLength: 5,
      }),
      (rows) => {
        const out = normaliseOutputs(rows, rows.length);
        for (const p of out) {
          assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-9);
          assert.ok(p.every((v) => v >= 0));
        }
      },
    ),
  );
});

test("target specs parse, and anything else is a usage error (property)", () => {
  assert.deepEqual(parseTargetSpec("js:./m.mjs#model"), { kind: "js", file: "./m.mjs", exportName: "model" });
  assert.deepEqual(parseTargetSpec("js:./m.mjs"), { kind: "js", file: "./m.mjs", exportName: "default" });
  assert.deepEqual(parseTargetSpec("onnx:/tmp/a.onnx"), { kind: "onnx", file: "/tmp/a.onnx" });
  assert.deepEqual(parseTargetSpec("http:https://h/predict"), { kind: "http", url: "https://h/predict" });
  fc.assert(
    fc.property(fc.string(), (s) => {
      try {
        const p = parseTargetSpec(s);
        assert.ok(["js", "onnx", "http"].includes(p.kind));
      } catch (e) {
        assert.ok(isWardenError(e, "E_USAGE"));
      }
    }),
  );
});

test("JSON paths parse and read; malformed paths are rejected (property)", () => {
  assert.deepEqual(parseJsonPath("$.data[0].scores"), ["data", 0, "scores"]);
  assert.deepEqual(parseJsonPath("predictions"), ["predictions"]);
  assert.deepEqual(readJsonPath({ data: [{ scores: [1] }] }, ["data", 0, "scores"]), [1]);
  assert.equal(readJsonPath({ a: 1 }, ["__proto__"]), undefined);
  assert.throws(
    () => parseJsonPath("a..b"),
    (e) => isWardenError(e, "E_USAGE"),
  );
  fc.assert(
    fc.property(fc.string({ maxLength: 300 }), (s) => {
      try {
        assert.ok(Array.isArray(parseJsonPath(s)));
      } catch (e) {
        assert.ok(isWardenError(e, "E_USAGE"));
      }
    }),
  );
});

test("a JS module target with a gradient, and labels-only wrapping", async () => {
  const dir = mkdtempSync(join(tmpdir(), "warden-rt-"));
  writeFileSync(
    join(dir, "model.mjs"),
    `export const model = {
  predict: (batch) => batch.map((x) => { const p = 1 / (1 + Math.exp(-(x[0] - x[1]))); return [1 - p, p]; }),
  gradient: (batch, labels) => batch.map(() => [1, -1]),
};
export default (batch) => batch.map((x) => (x[0] > 0 ? 1 : 0));
`,
  );
  const t = await openTarget("js:./model.mjs#model", { cwd: dir });
  assert.equal(t.output, "scores");
  assert.ok(t.gradient);
  const oracle = new Oracle(t, 3);
  assert.deepEqual(
    await oracle.labels([
      [2, 0],
      [0, 2],
    ]),
    [1, 0],
  );
  await assert.rejects(
    oracle.scores([
      [0, 0],
      [1, 1],
    ]),
    /budget of 3 exhausted/,
  );
  const lab = labelsOnly(t);
  assert.deepEqual(await lab.predict([[2, 0]]), [[0, 1]]);
  const d = await openTarget("js:./model.mjs", { cwd: dir, numClasses: 2 });
  assert.deepEqual(await d.predict([[1], [-1]]), [
    [0, 1],
    [1, 0],
  ]);
  await assert.rejects(openTarget("js:./model.mjs#nothing", { cwd: dir }), (e) => isWardenError(e, "E_REDTEAM_TARGET"));
  await assert.rejects(openTarget("js:./missing.mjs", { cwd: dir }), (e) => isWardenError(e, "E_REDTEAM_TARGET"));
});

test("an HTTP target fills the template, reads the scores path, retries 503 and keeps to its concurrency", async () => {
  let inFlight = 0;
  let maxInFlight = 0;
  let requests = 0;
  let failedOnce = false;
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      requests++;
      if (!failedOnce) {
        failedOnce = true;
        res.writeHead(503).end();
        return;
      }
      assert.equal(req.headers.authorization, "Bearer test-key");
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const { instances } = JSON.parse(body) as { instances: number[][] };
      setTimeout(() => {
        inFlight--;
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ out: { predictions: instances.map((x) => [x[0], 1 - (x[0] as number)]) } }));
      }, 20);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  try {
    const t = httpTarget({
      url: `http://127.0.0.1:${port}/predict`,
      requestTemplate: '{"instances": $INPUT}',
      scoresPath: "out.predictions",
      headers: { authorization: "Bearer test-key" },
      concurrency: 2,
      rps: 200,
      batchSize: 2,
    });
    const batch = Array.from({ length: 10 }, (_, i) => [i / 10]);
    const started = Date.now();
    const out = await t.predict(batch);
    assert.equal(out.length, 10);
    assert.deepEqual(out[3], [0.3, 0.7]);
    assert.ok(maxInFlight <= 2, `max in flight ${maxInFlight}`);
    assert.equal(requests, 6, "5 batches plus one retried 503");
    assert.ok(Date.now() - started >= 200, "the retry backs off");
    const slow = httpTarget({
      url: `http://127.0.0.1:${port}/`,
      requestTemplate: '{"instances": $INPUT}',
      scoresPath: "out.predictions",
      headers: { authorization: "Bearer test-key" },
      rps: 10,
      batchSize: 1,
    });
    const t0 = Date.now();
    await slow.predict([[0.1], [0.2], [0.3], [0.4]]);
    assert.ok(Date.now() - t0 >= 280, "4 requests at 10 rps take at least 0.3 s");
    const bad = httpTarget({
      url: `http://127.0.0.1:${port}/`,
      requestTemplate: '{"instances": $INPUT}',
      scoresPath: "missing",
      headers: { authorization: "Bearer test-key" },
    });
    await assert.rejects(bad.predict([[0.5]]), /no value at scores path/);
  } finally {
    server.close();
  }
  assert.throws(
    () => httpTarget({ url: "ftp://x" }),
    (e) => isWardenError(e, "E_USAGE"),
  );
  assert.throws(() => httpTarget({ url: "http://x", requestTemplate: "{}" }), /\$INPUT/);
  assert.throws(() => httpTarget({ url: "http://x", requestTemplate: "{$INPUT" }), /not valid JSON/);
});

test("an ONNX softmax-regression model built in code runs through onnxruntime-node", async () => {
  const dir = mkdtempSync(join(tmpdir(), "warden-onnx-"));
  const file = join(dir, "model.onnx");
  const W = [
    [1, -1, 0.5],
    [-1, 1, 0],
    [0, 0.5, -0.5],
  ];
  const b = [0.1, 0, -0.1];
  writeFileSync(file, softmaxRegressionOnnx(W, b));
  const t = await onnxTarget(file);
  const x = [
    [1, 2, 3],
    [-1, 0.5, 2],
  ];
  const out = await t.predict(x);
  for (const [i, row] of x.entries()) {
    const logits = W.map((w, k) => w.reduce((s, v, j) => s + v * (row[j] as number), b[k] as number));
    const expected = softmax(logits);
    (out[i] as number[]).forEach((p, k) => {
      assert.ok(Math.abs(p - (expected[k] as number)) < 1e-5);
    });
  }
  await t.close?.();
  await assert.rejects(onnxTarget(join(dir, "missing.onnx")), (e) => isWardenError(e, "E_REDTEAM_TARGET"));
});
