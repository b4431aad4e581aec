#!/usr/bin/env node
// Runs every test file under test/ with node:test through tsx (Node 20 takes no globs).
// Extra arguments are treated as path filters: `npm test -- ledger` runs test files whose path contains "ledger".
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const filters = process.argv.slice(2);

function walk(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(path));
    else if (entry.name.endsWith(".test.ts")) out.push(relative(root, path));
  }
  return out;
}

const files = walk(join(root, "test"))
  .filter((f) => filters.length === 0 || filters.some((p) => f.includes(p)))
  .sort();
if (files.length === 0) {
  console.error("no test files matched");
  process.exit(2);
}
const concurrency = process.env.WARDEN_TEST_CONCURRENCY ?? "2";
const result = spawnSync(
  process.execPath,
  ["--import", "tsx", "--test", `--test-concurrency=${concurrency}`, ...files],
  { stdio: "inherit", cwd: root },
);
process.exit(result.status ?? 3);
