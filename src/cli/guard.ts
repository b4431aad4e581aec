/**
 * `warden guard scan | eval`: run the guard pipelines over a text, a file or a JSONL batch, and evaluate the input
 * pipeline on labelled JSONL (precision, recall, F1, false-positive rate per kind, latency percentiles).
 */
import { createReadStream, existsSync, readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import type { Command } from "commander";
import { loadConfig } from "../core/config/load.ts";
import type { GuardConfig } from "../core/config/sections/guard.ts";
import { WardenError } from "../core/errors.ts";
import {
  buildPipeline,
  type Direction,
  evaluateDetector,
  type GuardPipeline,
  type PipelineResult,
  readLabelledJsonl,
} from "../guard/index.ts";
import { workspacePaths } from "../workspace/index.ts";
import { addJsonOption, output, usageError } from "./shared.ts";

const MAX_FILE_BYTES = 64 * 1024 * 1024;

interface ScanOpts {
  direction: string;
  text?: string;
  file?: string;
  batch?: string;
  config?: string;
  systemPrompt?: string;
  json?: boolean;
}

/**
 * The `guard` section of the configuration, loaded and validated like every command's (whole file, file:line:column
 * errors, `WARDEN_GUARD_*` overrides). `--config` must exist; the default file (WARDEN_CONFIG or ./warden.yaml) may not.
 */
function guardConfig(path: string | undefined): GuardConfig {
  if (path !== undefined && !existsSync(path)) {
    throw new WardenError("E_CONFIG_NOT_FOUND", `${path}: no such configuration file`);
  }
  return loadConfig(path ?? workspacePaths().config).config.guard;
}

function readText(file: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new WardenError("E_IO", `${file}: cannot read: ${(e as Error).message}`, { cause: e });
  }
  if (bytes.length > MAX_FILE_BYTES) {
    throw new WardenError("E_INPUT_TOO_LARGE", `${file}: ${bytes.length} bytes exceeds ${MAX_FILE_BYTES}; split it`);
  }
  return bytes.toString("utf8");
}

function summary(r: PipelineResult): string {
  const verdict = r.allowed ? "allowed" : `BLOCKED by ${r.blockedBy.join(", ")}`;
  const lines = [`${r.direction}: ${verdict} (${r.latencyMs.toFixed(2)} ms)`];
  for (const res of r.results) {
    lines.push(`  ${res.flagged ? "!" : " "} ${res.name.padEnd(14)} ${res.score.toFixed(3)}`);
    for (const f of res.findings.slice(0, 5)) lines.push(`      ${f.type} [${f.start}, ${f.end}) ${f.detail}`);
  }
  for (const e of r.errors) lines.push(`  scanner ${e.scanner} failed: ${e.message}`);
  if (r.allowed && r.redactions > 0) lines.push(`redacted (${r.redactions}):`, r.text);
  return lines.join("\n");
}

async function scanBatch(pipeline: GuardPipeline, file: string, ctx: { systemPrompt?: string }): Promise<boolean> {
  const rl = createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY });
  let index = 0;
  let anyBlocked = false;
  try {
    for await (const line of rl) {
      if (line.trim() === "") continue;
      let record: Record<string, unknown>;
      let text: unknown;
      try {
        text = (JSON.parse(line) as { text?: unknown })?.text;
      } catch {
        text = undefined;
      }
      if (typeof text !== "string") {
        anyBlocked = true;
        record = { index, allowed: false, error: `${file}:${index + 1}: needs a JSON object with a string "text"` };
      } else {
        const r = pipeline.scan(text, ctx);
        if (!r.allowed) anyBlocked = true;
        record = {
          index,
          allowed: r.allowed,
          scores: r.scores,
          flagged: r.flagged,
          latencyMs: Number(r.latencyMs.toFixed(4)),
        };
        if (r.errors.length > 0) record.errors = r.errors;
      }
      process.stdout.write(`${JSON.stringify(record)}\n`);
      index++;
    }
  } catch (e) {
    throw new WardenError("E_IO", `${file}: cannot read: ${(e as Error).message}`, { cause: e });
  }
  return anyBlocked;
}

/** Registers `warden guard scan` and `warden guard eval`. */
export function registerGuardCommands(program: Command): void {
  const guard = program
    .command("guard")
    .description("Scan model traffic: prompt attacks, secrets, PII, leaks, exfiltration (see warden.yaml guard:)");

  addJsonOption(
    guard
      .command("scan")
      .description("Scan a text, a file, or a JSONL batch (one {text} per line) with the input or output pipeline")
      .option("--direction <dir>", "input (prompts, documents, tool output) or output (model replies)", "input")
      .option("--text <text>", "the text to scan")
      .option("--file <path>", "a file whose whole content is one message")
      .option("--batch <path>", 'JSONL: one object with a "text" field per line; prints one JSON result per line')
      .option("--config <path>", "warden.yaml to read the guard section from (default: WARDEN_CONFIG or ./warden.yaml)")
      .option("--system-prompt <text>", "system prompt for leak detection on output (overrides the config)")
      .addHelpText("after", "\nExit codes: 0 allowed, 1 blocked (any line, for --batch), 2 usage, 3 runtime failure."),
  ).action(async (opts: ScanOpts) => {
    if (opts.direction !== "input" && opts.direction !== "output") {
      throw usageError(`--direction must be input or output, got "${opts.direction}"`);
    }
    const sources = [opts.text, opts.file, opts.batch].filter((s) => s !== undefined).length;
    if (sources !== 1) throw usageError("give exactly one of --text, --file or --batch");
    const config = guardConfig(opts.config);
    const pipeline = buildPipeline(opts.direction as Direction, config);
    const ctx = opts.systemPrompt !== undefined ? { systemPrompt: opts.systemPrompt } : {};
    if (opts.batch !== undefined) {
      if (await scanBatch(pipeline, opts.batch, ctx)) process.exitCode = 1;
      return;
    }
    const text = opts.text ?? readText(opts.file as string);
    const r = pipeline.scan(text, ctx);
    output(opts, r, () => summary(r));
    if (!r.allowed) process.exitCode = 1;
  });

  addJsonOption(
    guard
      .command("eval")
      .description("Evaluate the input pipeline on labelled JSONL ({text, label: attack|benign, kind?} per line)")
      .argument("<file>", "labelled JSONL file")
      .option("--config <path>", "warden.yaml to read the guard section from"),
  ).action(async (file: string, opts: { config?: string; json?: boolean }) => {
    const rows = readLabelledJsonl(readText(file), file);
    if (rows.length === 0) throw usageError(`${file}: no rows`);
    const pipeline = buildPipeline("input", guardConfig(opts.config));
    const report = evaluateDetector(rows, (t) => ({ flagged: !pipeline.scan(t).allowed }));
    output(opts, report, () => {
      const o = report.overall;
      const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
      const lines = [
        `${o.n} rows (${o.attacks} attack, ${o.benign} benign)`,
        `precision ${o.precision.toFixed(3)}  recall ${o.recall.toFixed(3)}  F1 ${o.f1.toFixed(3)}  FPR ${pct(o.fpr)}`,
        `latency ms: p50 ${o.latencyMs.p50}  p90 ${o.latencyMs.p90}  p99 ${o.latencyMs.p99}  max ${o.latencyMs.max}`,
        "per kind:",
      ];
      for (const [kind, k] of Object.entries(report.byKind)) {
        const what = k.label === "attack" ? "recall" : "false-positive rate";
        lines.push(`  ${kind.padEnd(20)} n=${String(k.n).padEnd(5)} ${what} ${pct(k.rate)}`);
      }
      return lines.join("\n");
    });
  });
}
