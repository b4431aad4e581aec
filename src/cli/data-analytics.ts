/**
 * `warden data dp query|budget`, `warden data check` and `warden data poison`: differential-privacy queries against a
 * per-dataset privacy budget kept in the store (each query recorded in the ledger as `data.dp_query`), schema and
 * drift validation, and training-data poisoning detection (recorded as `data.check` and `data.poison` when run in a
 * workspace). A reference version is a file, or a registered dataset `NAME@VERSION` of one file, verified first.
 */
import { existsSync } from "node:fs";
import { basename } from "node:path";
import type { Command } from "commander";
import type { DpConfig } from "../core/config/sections/dp.ts";
import { sha256File } from "../core/crypto/index.ts";
import { WardenError } from "../core/errors.ts";
import {
  type BudgetState,
  CryptoRandom,
  charge,
  checkData,
  checkDatasetName,
  type DpResult,
  describeCost,
  detectPoisoning,
  enforceAccess,
  getBudget,
  getDataset,
  listBudgets,
  loadSchema,
  type PoisonInput,
  type PoisonReport,
  parseDatasetRef,
  parseQuery,
  planQuery,
  readRecords,
  remainingBudget,
  runQueryOnFile,
  setBudget,
  spendBudget,
  verifyDataset,
} from "../data/index.ts";
import { type Workspace, workspacePaths } from "../workspace/index.ts";
import { dataContext } from "./data.ts";
import { addJsonOption, output, usageError, withWorkspace } from "./shared.ts";

const MAX_POISON_ROWS = 200_000;

function parseNumber(value: string, name: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n)) throw usageError(`${name} must be a number, got "${value}"`);
  return n;
}

function parseBounds(value: string): [number, number] {
  const parts = value.split(",");
  if (parts.length !== 2) throw usageError(`--bounds must be "lo,hi" (two numbers), got "${value}"`);
  const lo = parseNumber(parts[0]!, "--bounds lo");
  const hi = parseNumber(parts[1]!, "--bounds hi");
  if (!(lo < hi)) throw usageError(`--bounds must satisfy lo < hi, got ${lo},${hi}`);
  return [lo, hi];
}

function parseList(value: string, name: string): string[] {
  const items = value.split(",").map((s) => s.trim());
  if (items.some((s) => s === "")) throw usageError(`${name} must be a comma-separated list without empty items`);
  return items;
}

/**
 * Runs `fn` in the workspace when there is one (so that its decision is recorded in the ledger), otherwise without;
 * says so on stderr in the human output.
 */
async function inWorkspaceIfAny<T>(
  json: boolean | undefined,
  fn: (ws: Workspace | undefined) => Promise<T>,
): Promise<T> {
  if (existsSync(workspacePaths().home)) return withWorkspace(fn);
  if (!json)
    process.stderr.write("note: no workspace (run `warden init`); this result is not recorded in the ledger\n");
  return fn(undefined);
}

/** True when `ref` names a registered dataset version rather than a file. */
function isDatasetRef(ref: string): boolean {
  if (existsSync(ref) || !ref.includes("@")) return false;
  try {
    parseDatasetRef(ref);
    return true;
  } catch {
    return false;
  }
}

/**
 * The file of a reference: a path as given, or the registered location of a one-file dataset `NAME@VERSION`, after
 * the read-access check and a verification of its signature and contents (a changed file is not a trusted reference).
 */
async function referenceFile(ws: Workspace | undefined, ref: string): Promise<string> {
  if (!isDatasetRef(ref)) return ref;
  if (!ws)
    throw usageError(`--reference ${ref} names a registered dataset, which needs a workspace (run \`warden init\`)`);
  const ctx = dataContext(ws);
  const ds = await getDataset(ctx, ref);
  await enforceAccess(ctx, "read", ds.id, ds.classification);
  if (ds.manifest.files.length !== 1 || ds.manifest.files[0]!.path !== ".") {
    throw usageError(`--reference ${ref}: the dataset holds ${ds.manifest.files.length} files; give the file instead`);
  }
  const v = await verifyDataset(ctx, ds.id);
  if (!v.ok) {
    throw new WardenError(
      "E_DATA_VERIFY_FAILED",
      `--reference ${ref}: ${v.path} no longer matches its signed manifest (\`warden data verify ${ds.id}\` names the changes)`,
    );
  }
  return v.path;
}

/** Appends a validation decision to the ledger when in a workspace; returns its index (null without a workspace). */
async function recordDecision(
  ws: Workspace | undefined,
  type: "data.check" | "data.poison",
  file: string,
  sha256: string,
  data: Record<string, unknown>,
): Promise<number | null> {
  if (!ws) return null;
  const entry = await ws.ledger.append({
    type,
    subject: basename(file),
    actor: ws.actor,
    data: { file: basename(file), sha256, ...data },
  });
  return entry.index;
}

function ledgerNote(index: number | null): string {
  return index === null ? "" : ` (ledger #${index})`;
}

function dpConfig(ws: Workspace): DpConfig {
  return ws.config.dp;
}

function fmt(x: number): string {
  return Number(x.toPrecision(6)).toString();
}

function budgetLine(b: BudgetState): string {
  const left = remainingBudget(b);
  return `${b.dataset}: total ε=${fmt(b.epsilonTotal)} δ=${fmt(b.deltaTotal)}; spent ε=${fmt(b.epsilonSpent)} δ=${fmt(b.deltaSpent)} ρ=${fmt(b.rhoSpent)} over ${b.queries} queries; remaining ε=${fmt(left.epsilon)} δ=${fmt(left.delta)}`;
}

function resultText(r: DpResult): string {
  const head = `${r.aggregate}${r.column ? `(${r.column})` : "()"} via ${r.mechanism} mechanism`;
  const scale = r.noiseScale === undefined ? "" : ` (noise scale ${fmt(r.noiseScale)})`;
  if (r.bins) return `${head}${scale}:\n${r.bins.map((b) => `  ${b.bin}\t${fmt(b.value)}`).join("\n")}`;
  return `${head}${scale}: ${fmt(r.value!)}`;
}

interface QueryOpts {
  query: string;
  epsilon: string;
  delta?: string;
  bounds?: string;
  bins?: string;
  categories?: string;
  dataset: string;
  format?: string;
  json?: boolean;
}

async function dpQuery(file: string, opts: QueryOpts): Promise<void> {
  checkDatasetName(opts.dataset);
  const query = parseQuery(opts.query);
  const options = {
    epsilon: parseNumber(opts.epsilon, "--epsilon"),
    ...(opts.delta === undefined ? {} : { delta: parseNumber(opts.delta, "--delta") }),
    ...(opts.bounds === undefined ? {} : { bounds: parseBounds(opts.bounds) }),
    ...(opts.bins === undefined ? {} : { bins: parseNumber(opts.bins, "--bins") }),
    ...(opts.categories === undefined ? {} : { categories: parseList(opts.categories, "--categories") }),
  };
  await withWorkspace(async (ws) => {
    const config = dpConfig(ws);
    const plan = planQuery(query, { ...options, accounting: config.gaussianAccounting });
    const defaults = { epsilon: config.defaultEpsilon, delta: config.defaultDelta };
    // Refuse before reading the data when the budget is already too small; the charge below is the atomic one.
    const current = (await getBudget(ws.store, opts.dataset)) ?? {
      dataset: opts.dataset,
      epsilonTotal: defaults.epsilon,
      deltaTotal: defaults.delta,
      epsilonSpent: 0,
      deltaSpent: 0,
      rhoSpent: 0,
      queries: 0,
    };
    charge(current, plan.cost);
    const result = await runQueryOnFile(plan, file, new CryptoRandom(), opts.format);
    const after = await spendBudget(ws.store, opts.dataset, plan.cost, defaults);
    const left = remainingBudget(after);
    const entry = await ws.ledger.append({
      type: "data.dp_query",
      subject: opts.dataset,
      actor: ws.actor,
      data: {
        file: basename(file),
        query: opts.query,
        mechanism: plan.mechanism,
        epsilon: plan.epsilon,
        delta: plan.delta,
        rho: plan.rho,
        cost: plan.cost,
        ...(options.bounds ? { bounds: options.bounds } : {}),
        remaining: left,
      },
    });
    output(opts, { dataset: opts.dataset, result, cost: plan.cost, remaining: left, ledgerIndex: entry.index }, () =>
      [
        resultText(result),
        `charged ${describeCost(plan.cost)} to "${opts.dataset}"; remaining ε=${fmt(left.epsilon)} δ=${fmt(left.delta)} (ledger #${entry.index})`,
      ].join("\n"),
    );
  });
}

async function dpBudget(
  dataset: string | undefined,
  opts: { setEpsilon?: string; setDelta?: string; json?: boolean },
): Promise<void> {
  await withWorkspace(async (ws) => {
    if (opts.setEpsilon !== undefined || opts.setDelta !== undefined) {
      if (dataset === undefined) throw usageError("name the dataset whose budget to set");
      const existing = await getBudget(ws.store, dataset);
      const config = dpConfig(ws);
      const totals = {
        epsilon:
          opts.setEpsilon === undefined
            ? (existing?.epsilonTotal ?? config.defaultEpsilon)
            : parseNumber(opts.setEpsilon, "--set-epsilon"),
        delta:
          opts.setDelta === undefined
            ? (existing?.deltaTotal ?? config.defaultDelta)
            : parseNumber(opts.setDelta, "--set-delta"),
      };
      const b = await setBudget(ws.store, dataset, totals);
      await ws.ledger.append({ type: "data.dp_budget_set", subject: dataset, actor: ws.actor, data: totals });
      output(opts, { ...b, remaining: remainingBudget(b) }, () => budgetLine(b));
      return;
    }
    if (dataset !== undefined) {
      const b = await getBudget(ws.store, dataset);
      if (!b)
        throw new WardenError(
          "E_DATA_NOT_FOUND",
          `no privacy budget for "${dataset}" yet (it is created on the first query or with --set-epsilon)`,
        );
      output(opts, { ...b, remaining: remainingBudget(b) }, () => budgetLine(b));
      return;
    }
    const all = await listBudgets(ws.store);
    output(
      opts,
      all.map((b) => ({ ...b, remaining: remainingBudget(b) })),
      () => (all.length === 0 ? "no privacy budgets yet" : all.map(budgetLine).join("\n")),
    );
  });
}

async function check(
  file: string,
  opts: { schema: string; reference?: string; format?: string; json?: boolean },
): Promise<void> {
  const schema = await loadSchema(opts.schema);
  await inWorkspaceIfAny(opts.json, async (ws) => {
    const reference = opts.reference === undefined ? undefined : await referenceFile(ws, opts.reference);
    const sha256 = await sha256File(file);
    const report = await checkData(
      readRecords(file, opts.format),
      schema,
      file,
      reference === undefined ? undefined : { rows: readRecords(reference, opts.format), label: opts.reference! },
    );
    const ledgerIndex = await recordDecision(ws, "data.check", file, sha256, {
      verdict: report.ok ? "pass" : "fail",
      rows: report.rows,
      violations: Object.values(report.violationCounts).reduce((a, b) => a + b, 0),
      violationCounts: report.violationCounts,
      drifted: report.drift.filter((d) => d.drifted).map((d) => d.column),
      schema: { file: basename(opts.schema), sha256: await sha256File(opts.schema) },
      ...(reference === undefined
        ? {}
        : { reference: { ref: opts.reference, file: basename(reference), sha256: await sha256File(reference) } }),
    });
    output(opts, { ...report, ledgerIndex }, () => {
      const lines = [
        `${file}: ${report.rows} rows, ${report.ok ? "no violations" : `${report.violations.length} violations listed`}${ledgerNote(ledgerIndex)}`,
      ];
      for (const v of report.violations) {
        lines.push(
          `  ${v.rule}${v.column ? ` [${v.column}]` : ""}${v.row === undefined ? "" : ` line ${v.row}`}: ${v.detail}`,
        );
      }
      const counts = Object.entries(report.violationCounts).filter(([, n]) => n > schema.maxViolationsPerRule);
      for (const [key, n] of counts) lines.push(`  (${key}: ${n} in all)`);
      for (const d of report.drift) {
        lines.push(
          `  drift ${d.column}: ${d.test} ${fmt(d.statistic)} p=${d.pValue.toExponential(2)} PSI ${fmt(d.psi)}${d.drifted ? "  DRIFTED" : ""}`,
        );
      }
      return lines.join("\n");
    });
    if (!report.ok) process.exitCode = 1;
  });
}

interface PoisonOpts {
  label: string;
  text?: string;
  features?: string;
  reference?: string;
  format?: string;
  k?: string;
  top?: string;
  maxRows?: string;
  json?: boolean;
}

/** Reads the label and text or feature columns of a labelled file (at most `maxRows` rows). */
async function readLabelled(
  file: string,
  opts: PoisonOpts,
  featureCols: readonly string[],
  maxRows: number,
): Promise<PoisonInput> {
  const wanted = [opts.label, ...(opts.text === undefined ? featureCols : [opts.text])];
  const labels: unknown[] = [];
  const lines: number[] = [];
  const columns = new Map<string, unknown[]>(wanted.map((c) => [c, []]));
  for await (const { line, record } of readRecords(file, opts.format)) {
    if (labels.length >= maxRows) {
      throw new WardenError(
        "E_INPUT_TOO_LARGE",
        `${file}: more than ${maxRows} rows; analyse a sample or raise --max-rows`,
      );
    }
    if (labels.length === 0) {
      const missing = wanted.filter((c) => !(c in record));
      if (missing.length > 0)
        throw usageError(`${file}:${line}: column(s) ${missing.map((c) => `"${c}"`).join(", ")} not found`);
    }
    const label = record[opts.label];
    if (label === undefined || label === null || label === "") {
      throw new WardenError(
        "E_DATA_PARSE",
        `${file}:${line}: the label column "${opts.label}" is empty; every training row needs a label`,
        {
          details: { file, line, column: opts.label },
        },
      );
    }
    labels.push(label);
    lines.push(line);
    for (const [c, list] of columns) if (c !== opts.label) list.push(record[c]);
  }
  return opts.text === undefined
    ? { labels, lines, features: Object.fromEntries(featureCols.map((c) => [c, columns.get(c)!])) }
    : { labels, lines, texts: columns.get(opts.text)! };
}

function poisonText(file: string, report: PoisonReport, top: number, ledgerIndex: number | null): string {
  const ref = report.reference;
  const out = [
    `${file}: ${report.rows} rows (${report.labels.map((l) => `${l.label}: ${l.count}`).join(", ")}), ${report.flagged} suspicious${
      ref ? ` among ${ref.newRows} rows new relative to the reference (${ref.rows} rows)` : ""
    }${ledgerNote(ledgerIndex)}`,
    `by detector: ${
      Object.entries(report.byDetector)
        .map(([d, n]) => `${d} ${n}`)
        .join(", ") || "none"
    }`,
  ];
  for (const t of report.triggers.slice(0, 10)) {
    out.push(
      `trigger ${t.tokens
        .slice(0, 3)
        .map((s) => JSON.stringify(s))
        .join(" ")} -> "${t.label}" in ${t.rows.length} rows (−log10 p = ${t.significance.toFixed(1)})`,
    );
  }
  if (report.similarGroups.length > 0) {
    const rows = report.similarGroups.reduce((a, g) => a + g.rows.length, 0);
    out.push(
      `${report.similarGroups.length} groups of similar rows (${rows} rows sharing most of their content, not near-identical; not flagged, listed with --json)`,
    );
  }
  for (const f of report.findings.slice(0, top)) {
    out.push(
      `line ${f.line} [${f.label}] score ${f.score.toFixed(2)}: ${f.reasons.map((r) => `${r.detector}: ${r.detail}`).join("; ")}`,
    );
  }
  if (report.findings.length > top) out.push(`... ${report.findings.length - top} more (use --json or --top)`);
  return out.join("\n");
}

async function poison(file: string, opts: PoisonOpts): Promise<void> {
  if ((opts.text === undefined) === (opts.features === undefined))
    throw usageError("give --text COL or --features COLS (one of them)");
  const featureCols = opts.features === undefined ? [] : parseList(opts.features, "--features");
  const maxRows = opts.maxRows === undefined ? MAX_POISON_ROWS : parseNumber(opts.maxRows, "--max-rows");
  const k = opts.k === undefined ? 10 : parseNumber(opts.k, "--k");
  if (!(Number.isInteger(k) && k >= 1 && k <= 100)) throw usageError("--k must be an integer from 1 to 100");
  const top = opts.top === undefined ? 50 : parseNumber(opts.top, "--top");
  await inWorkspaceIfAny(opts.json, async (ws) => {
    const referencePath = opts.reference === undefined ? undefined : await referenceFile(ws, opts.reference);
    const sha256 = await sha256File(file);
    const input = await readLabelled(file, opts, featureCols, maxRows);
    const reference =
      referencePath === undefined ? undefined : await readLabelled(referencePath, opts, featureCols, maxRows);
    const report = detectPoisoning(input, { k, ...(reference ? { reference } : {}) });
    const ledgerIndex = await recordDecision(ws, "data.poison", file, sha256, {
      verdict: report.flagged > 0 ? "suspicious" : "clean",
      mode: report.mode,
      label: opts.label,
      rows: report.rows,
      flagged: report.flagged,
      byDetector: report.byDetector,
      triggers: report.triggers.length,
      duplicateGroups: report.duplicateGroups.length,
      similarGroups: report.similarGroups.length,
      ...(referencePath === undefined
        ? {}
        : {
            reference: {
              ref: opts.reference,
              file: basename(referencePath),
              sha256: await sha256File(referencePath),
              newRows: report.reference!.newRows,
            },
          }),
    });
    output(opts, { ...report, ledgerIndex }, () => poisonText(file, report, top, ledgerIndex));
    if (report.flagged > 0) process.exitCode = 1;
  });
}

/** Adds `dp query`, `dp budget`, `check` and `poison` under `warden data`. */
export function registerDataAnalyticsCommands(dataCmd: Command): void {
  const dp = dataCmd.command("dp").description("differential-privacy queries against a per-dataset privacy budget");
  addJsonOption(
    dp
      .command("query <file>")
      .description("answer an aggregate query with differential privacy, charging the dataset's privacy budget")
      .requiredOption(
        "--query <query>",
        "count(), count(col), sum(col), mean(col), histogram(col), quantile(col, q), median(col) [where col op value]",
      )
      .requiredOption("--epsilon <e>", "privacy parameter ε of this query")
      .option("--delta <d>", "use the Gaussian mechanism with this δ (accounted by zCDP)")
      .option("--bounds <lo,hi>", "clamping bounds (required for sum, mean, quantiles, numeric histograms)")
      .option("--bins <n>", "number of equal-width histogram bins over --bounds")
      .option("--categories <a,b,...>", 'declared histogram categories (other values count as "(other)")')
      .requiredOption("--dataset <name>", "dataset whose privacy budget is charged")
      .option("--format <format>", "csv, tsv or jsonl (default: from the file extension)"),
  ).action(dpQuery);
  addJsonOption(
    dp
      .command("budget [dataset]")
      .description("show privacy budgets (all, or one dataset), or set a dataset's total")
      .option("--set-epsilon <e>", "set the total ε of the dataset's budget")
      .option("--set-delta <d>", "set the total δ of the dataset's budget"),
  ).action(dpBudget);
  addJsonOption(
    dataCmd
      .command("check <file>")
      .description(
        "validate a CSV/JSONL file against a YAML schema and, with --reference, test it for drift (exit 1 on violations)",
      )
      .requiredOption(
        "--schema <schema.yaml>",
        "validation schema: columns with type, min, max, enum, pattern, unique, maxNullRate",
      )
      .option(
        "--reference <ref>",
        "reference version to compare distributions with (a file, or a registered one-file dataset NAME@VERSION)",
      )
      .option("--format <format>", "csv, tsv or jsonl (default: from the file extension)"),
  ).action(check);
  addJsonOption(
    dataCmd
      .command("poison <file>")
      .description(
        "find suspicious training rows: label noise, outliers, duplicate injection, backdoor triggers (exit 1 when any)",
      )
      .requiredOption("--label <col>", "label column")
      .option("--text <col>", "text column (text mode)")
      .option(
        "--features <cols>",
        "comma-separated feature columns: numeric, categorical or embedding arrays (feature mode)",
      )
      .option(
        "--reference <ref>",
        "trusted earlier version (a file, or a registered one-file dataset NAME@VERSION): report only what is new",
      )
      .option("--k <n>", "nearest neighbours for label-noise detection", "10")
      .option("--top <n>", "suspicious rows listed in the human output", "50")
      .option("--max-rows <n>", `largest number of rows analysed (default ${MAX_POISON_ROWS})`)
      .option("--format <format>", "csv, tsv or jsonl (default: from the file extension)"),
  ).action(poison);
}
