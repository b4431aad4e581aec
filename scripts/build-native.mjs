#!/usr/bin/env node
// Builds the optional addons with the node-gyp that ships with npm: warden_gcm (native/warden_gcm.c, AES-256-GCM
// through the system libcrypto) and warden_guard (native/warden_guard.c, the guard classifier's n-gram scoring). Run by
// `npm install`/`npm ci` and by `npm run build:native`. A machine without a C compiler or Node headers still installs:
// Warden then uses node:crypto and the JavaScript scorer, which are slower but give the same results.
// WARDEN_SKIP_NATIVE=1 skips the build.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
if (process.env.WARDEN_SKIP_NATIVE === "1") process.exit(0);
const candidates = [
  process.env.npm_config_node_gyp,
  join(dirname(process.execPath), "..", "lib", "node_modules", "npm", "node_modules", "node-gyp", "bin", "node-gyp.js"),
].filter((p) => p && existsSync(p));
const gyp = candidates[0];
if (!gyp) {
  console.warn("warden: node-gyp not found; the native addons are not built (the JavaScript paths will be used)");
  process.exit(0);
}
const run = spawnSync(process.execPath, [gyp, "rebuild"], { cwd: root, encoding: "utf8" });
if (run.status !== 0) {
  const why = `${run.stderr ?? ""}${run.stdout ?? ""}`.trim().split("\n").slice(-3).join(" | ");
  console.warn(`warden: the native addons did not build (the JavaScript paths will be used): ${why}`);
} else {
  console.log("warden: built the native addons (build/Release/warden_gcm.node, warden_guard.node)");
}
