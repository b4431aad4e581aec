#!/usr/bin/env node
// Entry point of the `warden` command: runs the compiled CLI when built, the TypeScript sources through tsx otherwise.
import { existsSync } from "node:fs";

const dist = new URL("../dist/cli/main.js", import.meta.url);
if (existsSync(dist)) {
  await import(dist.href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import(new URL("../src/cli/main.ts", import.meta.url).href);
}
