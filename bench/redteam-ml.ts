/**
 * Benchmark of the ML evasion attacks on a 784-dimensional (28×28) image task against in-process models: queries,
 * wall time and perturbation size per attack, with HopSkipJump at the 1K and 5K budgets its paper reports, the boundary
 * attack as the same-run decision-based baseline, Square Attack under the 10K-query limit of its paper, SimBA, and
 * white-box PGD as the reference robust accuracy. Synthetic "digit-like" images (10 classes of random stroke
 * prototypes plus noise) stand in for MNIST, which no installed package ships. Prints JSON.
 *
 *   node --import tsx bench/redteam-ml.ts
 */
import { ml } from "../src/redteam/index.ts";

const SIDE = 28;
const DIM = SIDE * SIDE;
const CLASSES = 10;
const rng = ml.createRng(2024);

function prototype(): number[] {
  const img = new Array<number>(DIM).fill(0);
  for (let s = 0; s < 3; s++) {
    let r = 4 + rng.int(20);
    let c = 4 + rng.int(20);
    const dr = rng.normal();
    const dc = rng.normal();
    for (let k = 0; k < 18; k++) {
      for (let a = -1; a <= 1; a++)
        for (let b = -1; b <= 1; b++) {
          const rr = Math.round(r) + a;
          const cc = Math.round(c) + b;
          if (rr >= 0 && rr < SIDE && cc >= 0 && cc < SIDE) img[rr * SIDE + cc] = 1;
        }
      r = Math.min(SIDE - 2, Math.max(1, r + dr));
      c = Math.min(SIDE - 2, Math.max(1, c + dc));
    }
  }
  return img;
}

const protos = Array.from({ length: CLASSES }, prototype);
const sample = (c: number) =>
  (protos[c] as number[]).map((v) => Math.min(1, Math.max(0, v * 0.8 + 0.25 * rng.normal())));
const train = { x: [] as number[][], y: [] as number[] };
for (let i = 0; i < 600; i++) {
  train.x.push(sample(i % CLASSES));
  train.y.push(i % CLASSES);
}
const testX = Array.from({ length: 10 }, (_, i) => sample(i % CLASSES));
const testY = testX.map((_, i) => i % CLASSES);

const domain = ml.createDomain(DIM, { lower: 0, upper: 1, shape: [SIDE, SIDE, 1] });

async function measure(model: ml.Classifier, name: string) {
  const target = ml.classifierTarget(model, name);
  const clean =
    (await target.predict(testX)).filter((p, i) => p.indexOf(Math.max(...p)) === testY[i]).length / testX.length;
  const rows: Record<string, unknown>[] = [];
  const run = async (label: string, opts: Omit<ml.EvasionOptions, "domain" | "seed">) => {
    const started = Date.now();
    const [r] = await ml.runEvasion(target, testX, testY, { ...opts, domain, seed: 7 });
    if (!r) return;
    rows.push({
      attack: label,
      norm: r.norm,
      successRate: r.successRate,
      robustAccuracy: r.robustAccuracy,
      medianPerturbation: r.perturbation.median,
      medianQueries: r.queries.perInput.median,
      meanQueries: r.queries.perInput.mean,
      totalQueries: r.queries.total,
      ms: Date.now() - started,
      msPerInput: Math.round((Date.now() - started) / Math.max(1, r.attacked)),
    });
  };
  const l2 = [1, 2, 3];
  const linf = [0.05, 0.1, 0.2];
  await run("hopskipjump-l2 @1K", { attacks: ["hopskipjump-l2"], epsilons: linf, epsilonsL2: l2, budget: 1000 });
  await run("hopskipjump-l2 @5K", { attacks: ["hopskipjump-l2"], epsilons: linf, epsilonsL2: l2, budget: 5000 });
  await run("boundary @5K (baseline)", { attacks: ["boundary"], epsilons: linf, epsilonsL2: l2, budget: 5000 });
  await run("hopskipjump-linf @5K", { attacks: ["hopskipjump-linf"], epsilons: linf, budget: 5000 });
  await run("square-linf @10K", { attacks: ["square-linf"], epsilons: [0.1], budget: 10_000 });
  await run("simba @10K", { attacks: ["simba"], epsilons: linf, epsilonsL2: l2, budget: 10_000, simbaStep: 0.2 });
  await run("pgd-linf (white-box)", { attacks: ["pgd-linf"], epsilons: linf });
  return { model: name, cleanAccuracy: clean, attacks: rows };
}

const started = Date.now();
const results = [
  await measure(ml.trainClassifier(train.x, train.y, { epochs: 20, seed: 1 }), "softmax-regression-784x10"),
  await measure(ml.trainClassifier(train.x, train.y, { hidden: 32, epochs: 20, seed: 1 }), "mlp-784x32x10"),
];
process.stdout.write(
  `${JSON.stringify({ benchmark: "redteam-ml", node: process.version, inputs: testX.length, dim: DIM, results, totalMs: Date.now() - started }, null, 2)}\n`,
);
