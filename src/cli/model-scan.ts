/**
 * `warden model scan <paths...>`: scans model files and folders without loading them (pickle, PyTorch, joblib, NumPy,
 * Keras, HDF5, SavedModel, ONNX, safetensors, GGUF, archives). Text, --json or --sarif output; exit 0 only when every
 * file is safe (tune with --fail-on); each scanned file is recorded in the ledger as `model.scanned` when a workspace
 * exists.
 */
import { existsSync, readFileSync } from "node:fs";
import { SingleBar } from "cli-progress";
import type { Command } from "commander";
import pc from "picocolors";
import { MAX_BATCH } from "../ledger/index.ts";
import { type FileResult, formatText, type ScanResult, scanPath, toSarif, type Verdict } from "../model/index.ts";
import { addJsonOption, interactive, usageError, withWorkspace } from "./shared.ts";

const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };

interface ScanCliOptions {
  json?: boolean;
  sarif?: boolean;
  failOn: string;
  record?: boolean;
}

const COLOR: Record<Verdict, (s: string) => string> = {
  safe: pc.green,
  suspicious: pc.yellow,
  unsafe: pc.red,
  invalid: pc.magenta,
};

/** True when a file's verdict fails the run: invalid and unsafe always; suspicious unless --fail-on unsafe. */
export function fails(f: FileResult, failOn: "suspicious" | "unsafe"): boolean {
  return f.verdict === "unsafe" || f.verdict === "invalid" || (failOn === "suspicious" && f.verdict === "suspicious");
}

/** Adds `scan` to the `warden model` command group. */
export function registerModelScanCommand(modelCmd: Command): void {
  addJsonOption(
    modelCmd
      .command("scan")
      .description("scan model files and folders for code that runs when they are loaded (never loads them)")
      .argument("<paths...>", "files or folders (folders are scanned recursively, every file whatever its extension)")
      .option("--sarif", "print a SARIF 2.1.0 log on stdout")
      .option(
        "--fail-on <level>",
        "lowest verdict that fails the run: suspicious | unsafe (invalid always fails)",
        "suspicious",
      )
      .option("--no-record", "do not record the scan in the workspace ledger")
      .addHelpText(
        "after",
        "\nVerdicts: safe, suspicious (not on the allow-list), unsafe (dangerous code or structure), invalid (cannot be parsed).\nExit codes: 0 every file passes, 1 a file fails --fail-on or is invalid, 2 usage error, 3 runtime failure.",
      ),
  ).action(async (paths: string[], opts: ScanCliOptions) => {
    if (opts.failOn !== "suspicious" && opts.failOn !== "unsafe")
      throw usageError(`--fail-on must be "suspicious" or "unsafe", got "${opts.failOn}"`);
    if (opts.json && opts.sarif) throw usageError("give --json or --sarif, not both");
    const failOn = opts.failOn;
    const recording = opts.record !== false && existsSync(process.env.WARDEN_HOME ?? "./.warden");
    const result = await scanWithProgress(paths, recording);
    if (opts.sarif) process.stdout.write(`${JSON.stringify(toSarif(result, pkg.version), null, 2)}\n`);
    else if (opts.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else process.stdout.write(`${formatText(result, (v, s) => (process.stdout.isTTY ? COLOR[v](s) : s))}\n`);
    if (recording) await record(result);
    if (result.files.some((f) => fails(f, failOn))) process.exitCode = 1;
  });
}

async function scanWithProgress(paths: string[], hash: boolean): Promise<ScanResult> {
  let bar: SingleBar | undefined;
  try {
    return await scanPath(paths, { hash }, (done, total, path) => {
      if (!interactive() || total < 2) return;
      if (!bar) {
        bar = new SingleBar({
          stream: process.stderr,
          format: "scanning {bar} {value}/{total} {file}",
          hideCursor: true,
          clearOnComplete: true,
        });
        bar.start(total, 0, { file: "" });
      }
      bar.update(done, { file: path.length > 50 ? `…${path.slice(-49)}` : path });
    });
  } finally {
    bar?.stop();
  }
}

/** Appends one `model.scanned` entry per file, in atomic batches. */
async function record(result: ScanResult): Promise<void> {
  await withWorkspace(async (ws) => {
    const entries = result.files.map((f) => ({
      type: "model.scanned",
      subject: f.path,
      actor: ws.actor,
      data: { verdict: f.verdict, format: f.format, sha256: f.sha256 ?? null, findings: f.findings.length },
    }));
    for (let i = 0; i < entries.length; i += MAX_BATCH) await ws.ledger.appendBatch(entries.slice(i, i + MAX_BATCH));
  });
}
