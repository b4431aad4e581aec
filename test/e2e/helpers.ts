/** Runs the `warden` CLI as a child process in a temporary working directory. */
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const BIN = new URL("../../bin/warden.js", import.meta.url).pathname;

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A fresh directory to run the CLI in (its workspace is `<dir>/.warden`). */
export function tempDir(prefix = "warden-e2e-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Runs `warden ...args` in `cwd` with `env` added to a minimal environment. */
export function cli(cwd: string, args: string[], env: Record<string, string> = {}, input?: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? cwd, WARDEN_PASSPHRASE: "correct horse", ...env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input ?? "");
  });
}

/** Runs the CLI with --json and parses stdout; fails with the output when the exit code is not `expect`. */
export async function cliJson<T = Record<string, unknown>>(
  cwd: string,
  args: string[],
  env: Record<string, string> = {},
  expect = 0,
): Promise<T> {
  const r = await cli(cwd, [...args, "--json"], env);
  if (r.code !== expect) throw new Error(`warden ${args.join(" ")} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}
