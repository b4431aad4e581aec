/**
 * Benchmark: `warden data register`'s manifest (per-file SHA-256 on the core hash pool, per-row digests for CSV) over
 * 10,000 files / 5 GiB against `sha256sum` over the same files in the same run. The files are written first (which also
 * warms the page cache for both), each tool runs twice alternately and the best run counts. Prints JSON; deletes the
 * files. Usage: node --import tsx bench/data-manifest.ts [files] [totalMiB]
 */
import { execFileSync } from "node:child_process";
import { randomFillSync } from "node:crypto";
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildManifest } from "../src/data/index.ts";

const files = Number(process.argv[2] ?? 10_000);
const totalMiB = Number(process.argv[3] ?? 5 * 1024);
const dir = mkdtempSync(join(process.env.WARDEN_BENCH_DIR ?? tmpdir(), "warden-manifest-"));
const block = Buffer.alloc(4 * 1024 * 1024);
randomFillSync(block);
const perFile = Math.floor((totalMiB * 1024 * 1024) / files);
let bytes = 0;
try {
  for (let i = 0; i < files; i++) {
    const sub = join(dir, `part-${String(i % 100).padStart(2, "0")}`);
    if (i < 100) mkdirSync(sub);
    // One file in a hundred is a CSV, so the per-row digest path is part of the measurement.
    const csv = i % 100 === 0;
    const fd = openSync(join(sub, csv ? `rows-${i}.csv` : `shard-${i}.bin`), "w");
    block.writeUInt32LE(i, 0);
    let left = perFile;
    while (left > 0) {
      const n = Math.min(left, block.length);
      if (csv) writeSync(fd, Buffer.from(`${i},${"x".repeat(60)},${left}\n`.repeat(Math.ceil(n / 70)).slice(0, n)));
      else writeSync(fd, block, 0, n);
      left -= n;
    }
    closeSync(fd);
    bytes += perFile;
  }
  const runs: { sha256sum: number[]; warden: number[] } = { sha256sum: [], warden: [] };
  for (let r = 0; r < 2; r++) {
    let t = performance.now();
    execFileSync("bash", ["-c", `find "${dir}" -type f -print0 | xargs -0 sha256sum > /dev/null`]);
    runs.sha256sum.push((performance.now() - t) / 1000);
    t = performance.now();
    const m = await buildManifest(dir);
    runs.warden.push((performance.now() - t) / 1000);
    if (m.manifest.files.length !== files) throw new Error(`manifest has ${m.manifest.files.length} files`);
  }
  const best = (xs: number[]) => Math.min(...xs);
  const mbps = (s: number) => Math.round(bytes / 1e6 / s);
  process.stdout.write(
    `${JSON.stringify(
      {
        files,
        bytes,
        sha256sumSeconds: best(runs.sha256sum),
        wardenSeconds: best(runs.warden),
        sha256sumMBps: mbps(best(runs.sha256sum)),
        wardenMBps: mbps(best(runs.warden)),
        ratio: Number((best(runs.sha256sum) / best(runs.warden)).toFixed(2)),
        runs,
      },
      null,
      2,
    )}\n`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
