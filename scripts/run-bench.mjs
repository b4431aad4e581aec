#!/usr/bin/env node
// Runs the benchmarks in bench/ (all, or those whose name contains an argument); each prints JSON to stdout.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const filters = process.argv.slice(2);
const benches = readdirSync(join(root, "bench"))
  .filter((f) => f.endsWith(".ts"))
  .filter((f) => filters.length === 0 || filters.some((p) => f.includes(p)))
  .sort();
let failed = 0;
for (const bench of benches) {
  console.error(`# bench/${bench}`);
  const r = spawnSync(process.execPath, ["--import", "tsx", join("bench", bench)], { stdio: "inherit", cwd: root });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
