/**
 * Whole assessments: a YAML plan against a JS model module and CSV data, the JSON/HTML reports and examples file, the
 * CI verdict, plan validation errors, the ledger record in a real workspace, and the CLI commands.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { isWardenError } from "../../src/core/errors.ts";
import { ml } from "../../src/redteam/index.ts";
import { initWorkspace, openWorkspace } from "../../src/workspace/index.ts";
import { gaussianPoints, linearModel } from "./helpers.ts";

function fixture(): { dir: string; w: number[] } {
  const dir = mkdtempSync(join(tmpdir(), "warden-rt-plan-"));
  const model = linearModel(4, 51);
  writeFileSync(
    join(dir, "model.mjs"),
    `const w = ${JSON.stringify(model.w)}, b = ${model.b};
const m = (x) => x.reduce((s, v, i) => s + v * w[i], b);
export const model = {
  predict: (batch) => batch.map((x) => { const p = 1 / (1 + Math.exp(-m(x))); return [1 - p, p]; }),
  gradient: (batch, labels) => batch.map((x, n) => { const p = 1 / (1 + Math.exp(-m(x))); return w.map((v) => (p - labels[n]) * v); }),
};
`,
  );
  const rows = gaussianPoints(40, 4, 52, 0.7).map((x) => [...x.map((v) => v.toFixed(4)), model.label(x)].join(","));
  writeFileSync(join(dir, "data.csv"), `a,b,c,d,label\n${rows.join("\n")}\n`);
  writeFileSync(join(dir, "holdout.csv"), `a,b,c,d,label\n${rows.slice(0, 20).join("\n")}\n`);
  return { dir, w: model.w };
}

const PLAN = `seed: 7
target:
  spec: js:./model.mjs#model
data:
  file: data.csv
  labels: label
  samples: 8
  immutable: [a]
evasion:
  attacks: [hopskipjump-l2, pgd-linf]
  epsilons: [0.1, 0.5]
  epsilonsL2: [0.2, 1]
  budget: 400
  defences:
    - boundsCheck: {}
certification:
  sigma: 0.25
  n0: 20
  n: 200
  radii: [0, 0.1]
membership:
  nonMembers: holdout.csv
  attacks: [loss, confidence]
extraction:
  budgets: [20, 60]
thresholds:
  evasion:
    minRobustAccuracy:
      - { epsilon: 0.5, value: 0.99, attack: pgd-linf, defence: none }
  membership:
    maxAuc: 1
`;

test("a YAML plan runs every assessment and writes JSON, HTML and the examples", async () => {
  const { dir } = fixture();
  writeFileSync(join(dir, "plan.yaml"), PLAN);
  const plan = ml.loadPlan(join(dir, "plan.yaml"));
  const report = await ml.runAssessment(plan, { baseDir: ml.planBaseDir(join(dir, "plan.yaml")) });
  assert.equal(report.seed, 7);
  assert.equal(report.evasion?.length, 4);
  assert.ok(report.certification && report.certification.samples === 8);
  assert.equal(report.membership?.results.length, 2);
  assert.equal(report.extraction?.points.length, 2);
  assert.equal(report.verdict.pass, false, "robust accuracy 0.99 at ε=0.5 is out of reach");
  assert.ok(report.verdict.checks.some((c) => c.name.includes("membership AUC") && c.pass));
  const again = await ml.runAssessment(plan, { baseDir: dir });
  assert.deepEqual(
    again.evasion?.map((r) => r.robustAccuracy),
    report.evasion?.map((r) => r.robustAccuracy),
    "the same seed repeats the run",
  );
  const files = ml.writeReport(report, join(dir, "out"));
  const json = JSON.parse(readFileSync(files.json, "utf8")) as ml.MlReport;
  assert.equal(json.schema, "warden.redteam.ml/v1");
  assert.equal(json.evasion?.[0]?.examples.length, 0, "examples go to their own file");
  const examples = JSON.parse(readFileSync(files.examples, "utf8")) as { evasion: { examples: unknown[] }[] };
  assert.ok(examples.evasion.some((e) => e.examples.length > 0));
  const html = readFileSync(files.html, "utf8");
  for (const needle of [
    "<svg",
    "Robust accuracy vs ε",
    "Certified accuracy vs L2 radius",
    "ROC (log-log)",
    "Verdict: FAIL",
  ])
    assert.ok(html.includes(needle), needle);
  assert.ok(!html.includes("<script"));
});

test("immutable features never change in saved examples", async () => {
  const { dir } = fixture();
  writeFileSync(join(dir, "plan.yaml"), PLAN);
  const plan = ml.loadPlan(join(dir, "plan.yaml"));
  const data = ml.loadDataset(join(dir, "data.csv"), { labels: "label" });
  const report = await ml.runAssessment(
    { ...plan, certification: undefined, membership: undefined, extraction: undefined },
    { baseDir: dir },
  );
  let checked = 0;
  for (const r of report.evasion ?? [])
    for (const e of r.examples) {
      assert.equal(e.input[0], data.x[e.index]?.[0], "feature a is immutable");
      assert.notDeepEqual(e.input, data.x[e.index]);
      checked++;
    }
  assert.ok(checked > 0);
});

test("plan errors name the file and field", () => {
  const { dir } = fixture();
  writeFileSync(join(dir, "bad.yaml"), "target: {spec: 'js:./m.mjs'}\nevasion: {attacks: [nope], epsilons: [0.1]}\n");
  assert.throws(
    () => ml.loadPlan(join(dir, "bad.yaml")),
    (e) => isWardenError(e, "E_CONFIG_INVALID") && /bad\.yaml: evasion\.attacks\.0/.test(e.message),
  );
  writeFileSync(join(dir, "nodata.yaml"), "target: {spec: 'js:./m.mjs'}\nevasion: {epsilons: [0.1]}\n");
  assert.throws(() => ml.loadPlan(join(dir, "nodata.yaml")), /data: required/);
  writeFileSync(join(dir, "yaml.yaml"), "target: [\n");
  assert.throws(() => ml.loadPlan(join(dir, "yaml.yaml")), /not valid YAML/);
  assert.throws(
    () => ml.loadPlan(join(dir, "missing.yaml")),
    (e) => isWardenError(e, "E_CONFIG_NOT_FOUND"),
  );
});

test("verdict: unmeasured metrics fail closed", () => {
  const base = {
    schema: "warden.redteam.ml/v1" as const,
    seed: 1,
    target: "t",
    startedAt: "",
    finishedAt: "",
    data: null,
  };
  const v = ml.evaluateVerdict(
    base,
    ml.thresholdsSchema.parse({ certification: { minCertifiedAccuracy: [{ radius: 0.5, value: 0.1 }] } }),
  );
  assert.equal(v.pass, false);
  assert.equal(v.checks[0]?.actual, null);
  assert.equal(ml.evaluateVerdict(base, ml.thresholdsSchema.parse({})).pass, true);
});

test("a run is recorded in the ledger as redteam.ml_run", async () => {
  const { dir } = fixture();
  const env = {
    ...process.env,
    WARDEN_HOME: join(dir, ".warden"),
    WARDEN_CONFIG: join(dir, "warden.yaml"),
    WARDEN_PASSPHRASE: "test passphrase for redteam",
    WARDEN_ACTOR: "redteam-test",
  };
  await initWorkspace({ env });
  const ws = await openWorkspace({ env });
  try {
    const plan = ml.parsePlan({
      seed: 3,
      target: { spec: "js:./model.mjs#model" },
      data: { file: "data.csv", labels: "label", samples: 4 },
      certification: { sigma: 0.25, n0: 10, n: 50, radii: [0] },
    });
    const report = await ml.runAssessment(plan, { baseDir: dir });
    const { index } = await ml.recordRun(ws.ledger, ws.actor, report);
    const rec = await ws.ledger.entry(index);
    assert.equal(rec.entry.type, "redteam.ml_run");
    assert.equal(rec.entry.actor, "redteam-test");
    const data = rec.entry.data as { pass: boolean; seed: number; reportSha256: string };
    assert.equal(data.seed, 3);
    assert.equal(data.pass, true);
    assert.match(data.reportSha256, /^[0-9a-f]{64}$/);
  } finally {
    await ws.close();
  }
});

function cli(args: string[], cwd: string): { out: string; err: string; code: number } {
  const runner = fileURLToPath(new URL("./cli-runner.ts", import.meta.url));
  const r = spawnSync(process.execPath, ["--import", import.meta.resolve("tsx"), runner, ...args], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, WARDEN_HOME: join(cwd, "no-workspace") },
  });
  return { out: r.stdout, err: r.stderr, code: r.status ?? -1 };
}

test("CLI: evasion, certify, membership and extract print JSON and exit 1 on a failed threshold", () => {
  const { dir } = fixture();
  const common = [
    "--target",
    "js:./model.mjs#model",
    "--data",
    "data.csv",
    "--labels",
    "label",
    "--samples",
    "6",
    "--no-ledger",
    "--json",
  ];
  const ev = cli(
    [
      "redteam",
      "ml",
      "evasion",
      ...common,
      "--attacks",
      "hopskipjump-l2,fgsm-linf",
      "--epsilon",
      "0.1,1",
      "--budget",
      "300",
      "--out",
      "out",
      "--min-robust-accuracy",
      "1:0.99",
    ],
    dir,
  );
  const evJson = JSON.parse(ev.out) as ml.MlReport & { files: { html: string } };
  assert.equal(evJson.evasion?.length, 2);
  assert.equal(ev.code, 1);
  assert.ok(existsSync(join(dir, "out", "report.html")));
  const cert = cli(["redteam", "ml", "certify", ...common, "--sigma", "0.25", "--n0", "10", "--n", "100"], dir);
  assert.equal(cert.code, 0);
  assert.ok((JSON.parse(cert.out) as ml.MlReport).certification);
  const mem = cli(["redteam", "ml", "membership", ...common, "--nonmembers", "holdout.csv", "--max-auc", "0.999"], dir);
  assert.equal((JSON.parse(mem.out) as ml.MlReport).membership?.results.length, 2);
  const ex = cli(["redteam", "ml", "extract", ...common, "--budget", "20,40"], dir);
  assert.equal((JSON.parse(ex.out) as ml.MlReport).extraction?.points.length, 2);
  const bad = cli(["redteam", "ml", "evasion", ...common, "--attacks", "nope"], dir);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /E_USAGE: unknown attack "nope"/);
});

test("CLI: text evasion on a CSV column, and a plan against an HTTP endpoint", async () => {
  const { dir } = fixture();
  writeFileSync(
    join(dir, "text.mjs"),
    `const pos = new Set(["great", "good", "love"]);
export const model = { predict: (batch) => batch.map((t) => { const s = t.toLowerCase().split(/[^a-z]+/).filter((w) => pos.has(w)).length; return s > 0 ? [0.1, 0.9] : [0.9, 0.1]; }) };
`,
  );
  writeFileSync(
    join(dir, "texts.csv"),
    'text,label\n"a great day",1\n"I love it",1\n"good, really",1\n"plain words",0\n',
  );
  const r = cli(
    [
      "redteam",
      "ml",
      "evasion",
      "--target",
      "js:./text.mjs#model",
      "--data",
      "texts.csv",
      "--labels",
      "label",
      "--text-column",
      "text",
      "--no-ledger",
      "--json",
      "--max-success-rate",
      "0.5",
    ],
    dir,
  );
  const report = JSON.parse(r.out) as ml.MlReport;
  assert.equal(report.text?.attacked, 4);
  assert.ok((report.text?.successRate ?? 0) >= 0.75);
  assert.equal(r.code, 1, "success above 0.5 fails the verdict");

  const { createServer } = await import("node:http");
  const model = linearModel(4, 51);
  let requests = 0;
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      requests++;
      const { inputs } = JSON.parse(body) as { inputs: number[][] };
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ predictions: inputs.map((x) => model.label(x)) }));
    });
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  try {
    const port = (server.address() as { port: number }).port;
    const plan = ml.parsePlan({
      seed: 2,
      target: {
        spec: `http:http://127.0.0.1:${port}/predict`,
        labelsOnly: true,
        numClasses: 2,
        http: { scoresPath: "predictions", concurrency: 2, rps: 1000, batchSize: 64 },
      },
      data: { file: "data.csv", labels: "label", samples: 3 },
      evasion: { attacks: ["hopskipjump-l2"], epsilons: [0.5], budget: 300 },
    });
    const report2 = await ml.runAssessment(plan, { baseDir: dir });
    const hsj = report2.evasion?.[0];
    assert.ok(hsj && hsj.successRate === 1);
    assert.ok(requests > 0 && requests < hsj.queries.total, "queries are batched into fewer requests");
    const bad = ml.parsePlan({ ...plan, evasion: { attacks: ["square-linf"], epsilons: [0.5] } });
    await assert.rejects(ml.runAssessment(bad, { baseDir: dir }), /labels only/);
  } finally {
    server.close();
  }
});
