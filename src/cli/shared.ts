/** Helpers shared by every CLI command group: --json, output, opening the workspace, progress on a TTY. */
import type { Command } from "commander";
import { WardenError } from "../core/errors.ts";
import { openWorkspace, type Workspace } from "../workspace/index.ts";

export interface JsonOption {
  json?: boolean;
}

/** Adds the `--json` option every command has. */
export function addJsonOption(cmd: Command): Command {
  return cmd.option("--json", "print machine-readable JSON on stdout");
}

/** Prints `value` as JSON with --json, otherwise the human text. */
export function output(opts: JsonOption, value: unknown, human: () => string): void {
  if (opts.json) process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  else {
    const text = human();
    if (text) process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
  }
}

/** Opens the workspace in WARDEN_HOME (default ./.warden), runs `fn`, and always closes it. */
export async function withWorkspace<T>(fn: (ws: Workspace) => Promise<T>): Promise<T> {
  const ws = await openWorkspace();
  try {
    return await fn(ws);
  } finally {
    await ws.close();
  }
}

/** True when progress bars and status lines may be drawn (stderr is a terminal). */
export function interactive(): boolean {
  return Boolean(process.stderr.isTTY) && !process.env.CI;
}

/** Parses a non-negative integer option, or throws a usage error naming the option. */
export function parseIndex(value: string, name: string): number {
  if (!/^\d+$/.test(value)) throw usageError(`${name} must be a non-negative integer, got "${value}"`);
  return Number(value);
}

/** A usage error (exit 2). */
export function usageError(message: string): WardenError {
  return new WardenError("E_USAGE", message);
}
