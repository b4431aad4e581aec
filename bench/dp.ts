/**
 * DP query throughput: writes a CSV of N rows (default 10 million; `--rows N`) to a temp dir, answers
 * `mean(age)` with bounds 0..120 and ε = 0.5 through the same path as `warden data dp query` (streaming CSV reader,
 * query plan, clamped aggregation, discrete Laplace noise), then `median(age)` (exponential mechanism over all values),
 * and deletes the file. Baseline in the same run: the exact (non-private) mean through the generic record reader
 * (`readRecords`, one object per row) over the first million rows, as rows per second. Prints JSON.
 *
 * Run: node --import tsx bench/dp.ts [--rows 10000000]
 */
import { createWriteStream } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { CryptoRandom, parseQuery, planQuery, readRecords, runQueryOnFile, seededRandom } from "../src/data/index.ts";

const arg = process.argv.indexOf("--rows");
const rows = arg > 0 ? Number(process.argv[arg + 1]) : 10_000_000;
if (!Number.isInteger(rows) || rows < 1) throw new Error("--rows must be a positive integer");

const dir = await mkdtemp(join(tmpdir(), "warden-bench-dp-"));
const file = join(dir, "people.csv");
try {
  const t0 = performance.now();
  const rng = seededRandom(7);
  await new Promise<void>((resolve, reject) => {
    const out = createWriteStream(file);
    out.on("error", reject);
    out.write("id,age,city\n");
    let i = 0;
    const cities = ["berlin", "paris", "rome", "madrid"];
    const write = (): void => {
      while (i < rows) {
        let chunk = "";
        for (let k = 0; k < 10_000 && i < rows; k++, i++) chunk += `${i},${18 + rng.int(70)},${cities[i % 4]}\n`;
        if (!out.write(chunk)) {
          out.once("drain", write);
          return;
        }
      }
      out.end(resolve);
    };
    write();
  });
  const generateSeconds = (performance.now() - t0) / 1000;
  const bytes = (await stat(file)).size;

  const t1 = performance.now();
  let sum = 0;
  let n = 0;
  const baselineRows = Math.min(rows, 1_000_000);
  for await (const { record } of readRecords(file)) {
    sum += Number(record.age);
    if (++n >= baselineRows) break;
  }
  const baselineSeconds = (performance.now() - t1) / 1000;

  const t2 = performance.now();
  const plan = planQuery(parseQuery("mean(age)"), { epsilon: 0.5, bounds: [0, 120] });
  const mean = await runQueryOnFile(plan, file, new CryptoRandom());
  const dpSeconds = (performance.now() - t2) / 1000;

  const t3 = performance.now();
  const medianPlan = planQuery(parseQuery("median(age)"), { epsilon: 0.5, bounds: [0, 120] });
  const median = await runQueryOnFile(medianPlan, file, new CryptoRandom());
  const medianSeconds = (performance.now() - t3) / 1000;

  process.stdout.write(
    `${JSON.stringify(
      {
        benchmark: "dp-query",
        node: process.version,
        rows,
        bytes,
        generateSeconds: round(generateSeconds),
        query: "mean(age) --bounds 0,120 --epsilon 0.5",
        seconds: round(dpSeconds),
        rowsPerSecond: Math.round(rows / dpSeconds),
        dpMean: round(mean.value!),
        exactMeanFirstRows: round(sum / n),
        baselineGenericReaderRows: n,
        baselineGenericReaderSeconds: round(baselineSeconds),
        baselineGenericReaderRowsPerSecond: Math.round(n / baselineSeconds),
        medianQuery: "median(age) --bounds 0,120 --epsilon 0.5",
        medianSeconds: round(medianSeconds),
        dpMedian: round(median.value!),
        targetSeconds: 10,
        pass: dpSeconds < 10,
      },
      null,
      2,
    )}\n`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
