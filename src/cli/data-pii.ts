/**
 * `warden data pii scan | anonymize | deanonymize | kanon`: PII detection, anonymisation with per-type operators,
 * reversal of encrypted tokens, and k-anonymity reports over CSV/TSV, JSON Lines and plain text files.
 */
import type { Command } from "commander";
import {
  type AnonymizationKeys,
  anonymizeFile,
  createKeyFile,
  deanonymizeFile,
  deriveKeys,
  detectFormat,
  type GeneralizeKind,
  gazetteerInfo,
  type KanonRow,
  kAnonymity,
  mask,
  type Operator,
  PII_ENTITY_TYPES,
  readCsv,
  readJsonl,
  readKeyFile,
  scanFile,
} from "../data/index.ts";
import { addJsonOption, output, usageError } from "./shared.ts";

const collect = (value: string, prev: string[] = []): string[] => [...prev, value];
const list = (value: string | undefined): string[] | undefined =>
  value
    ?.split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");

function parseScore(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw usageError(`--min-score must be a number in [0, 1], got "${value}"`);
  return n;
}

function parseCount(value: string, name: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw usageError(`${name} must be a positive integer, got "${value}"`);
  return Number(value);
}

const GENERALIZE_KINDS: readonly GeneralizeKind[] = ["date", "age", "zip"];

function generalizeKind(kind: string | undefined, spec: string): GeneralizeKind {
  if (!GENERALIZE_KINDS.includes(kind as GeneralizeKind)) {
    throw usageError(`"${spec}": generalize needs a kind: date, age or zip (e.g. generalize:age:10)`);
  }
  return kind as GeneralizeKind;
}

/** Parses `op[:arg[:arg]]` into an operator; keyed operators need `keys`. */
function parseOperator(spec: string, keys: () => AnonymizationKeys, salt: string | undefined): Operator {
  const [name, a, b] = spec.split(":");
  switch (name) {
    case "keep":
    case "redact":
      return { type: name };
    case "replace":
      return a === undefined ? { type: "replace" } : { type: "replace", value: spec.slice("replace:".length) };
    case "mask":
      return { type: "mask", keepLast: a === undefined ? 4 : parseCount(a, "mask's N") };
    case "hash":
      return { type: "hash", salt: salt ?? keys().hashSalt };
    case "pseudonym":
      return { type: "pseudonym", keys: keys() };
    case "encrypt":
      return { type: "encrypt", keys: keys() };
    case "generalize": {
      const kind = generalizeKind(a, spec);
      const n = b === undefined ? undefined : parseCount(b, "generalize's size");
      if (n === undefined) return { type: "generalize", kind };
      return kind === "age" ? { type: "generalize", kind, ageBucket: n } : { type: "generalize", kind, zipDigits: n };
    }
    default:
      throw usageError(
        `unknown operator "${spec}"; use redact, replace[:TEXT], mask[:N], hash, pseudonym, encrypt, keep or generalize:date|age[:N]|zip[:N]`,
      );
  }
}

function parseAssignments(specs: string[], what: string): [string, string][] {
  return specs.map((s) => {
    const eq = s.indexOf("=");
    if (eq <= 0 || eq === s.length - 1) throw usageError(`${what} "${s}" must look like NAME=operator`);
    return [s.slice(0, eq), s.slice(eq + 1)];
  });
}

async function loadKeys(opts: { keyFile?: string; newKey?: boolean }): Promise<AnonymizationKeys | undefined> {
  if (opts.newKey && !opts.keyFile) throw usageError("--new-key needs --key-file PATH to write the key to");
  if (!opts.keyFile) return undefined;
  if (opts.newKey) await createKeyFile(opts.keyFile);
  return deriveKeys(await readKeyFile(opts.keyFile));
}

async function* tableRows(file: string, format: string): AsyncGenerator<KanonRow> {
  if (format === "jsonl") yield* readJsonl(file);
  else if (format === "csv" || format === "tsv") yield* readCsv(file, { delimiter: format === "tsv" ? "\t" : "," });
  else throw usageError(`kanon needs a table (csv, tsv or jsonl), not ${format}`);
}

/** Adds `pii scan`, `anonymize`, `deanonymize` and `kanon` to the `warden data` command group. */
export function registerDataPiiCommands(dataCmd: Command): void {
  const pii = dataCmd.command("pii").description("detect personal data (PII) and secrets in files");

  addJsonOption(
    pii
      .command("scan <file>")
      .description(
        "scan a text, CSV/TSV or JSONL file for PII (spans, types, scores; per column for tables); exit 1 when found",
      )
      .option("--format <format>", "csv, tsv, jsonl or text (default: from the extension)")
      .option("--entities <types>", `comma-separated entity types (default all: ${PII_ENTITY_TYPES.join(", ")})`)
      .option("--min-score <score>", "drop findings scoring below this (0-1)", "0.5")
      .option("--max-findings <n>", "most findings listed (counts stay complete)", "1000")
      .option("--reveal", "show found values in full (default: masked to the last 4 characters)"),
  ).action(
    async (
      file: string,
      opts: {
        format?: string;
        entities?: string;
        minScore?: string;
        maxFindings: string;
        reveal?: boolean;
        json?: boolean;
      },
    ) => {
      const entities = list(opts.entities);
      const minScore = parseScore(opts.minScore);
      const report = await scanFile(file, {
        format: detectFormat(file, opts.format),
        maxFindings: parseCount(opts.maxFindings, "--max-findings"),
        ...(entities ? { entities } : {}),
        ...(minScore !== undefined ? { minScore } : {}),
      });
      if (!opts.reveal) for (const f of report.findings) f.text = mask(f.text, 4, "*");
      const total = Object.values(report.counts).reduce((a, b) => a + b, 0);
      output(opts, { ...report, total, gazetteer: gazetteerInfo() }, () => {
        const lines = [`${file} (${report.format}, ${report.records} records): ${total} PII entities`];
        for (const [t, n] of Object.entries(report.counts).sort((a, b) => b[1] - a[1]))
          lines.push(`  ${t.padEnd(16)} ${n}`);
        if (report.columns) {
          for (const [col, counts] of Object.entries(report.columns)) {
            const parts = Object.entries(counts).map(([t, n]) => `${t}=${n}`);
            if (parts.length > 0) lines.push(`  column ${JSON.stringify(col)}: ${parts.join(", ")}`);
          }
        }
        for (const f of report.findings) {
          const where = f.column === undefined ? `${f.line}` : `${f.line}:${f.column}`;
          lines.push(`  ${where} ${f.type} [${f.start},${f.end}) ${f.score} ${JSON.stringify(f.text)}`);
        }
        if (report.truncated) lines.push(`  (more findings not listed; raise --max-findings)`);
        return lines.join("\n");
      });
      if (total > 0) process.exitCode = 1;
    },
  );

  addJsonOption(
    dataCmd
      .command("anonymize <file>")
      .description("write an anonymised copy of a text, CSV/TSV or JSONL file (atomically: temp file, then rename)")
      .requiredOption("--out <path>", "output file")
      .option("--format <format>", "csv, tsv, jsonl or text (default: from the extension)")
      .option(
        "--operator <TYPE=op>",
        "operator for an entity type, or DEFAULT (repeatable): redact, replace[:TEXT], mask[:N], hash, pseudonym, encrypt, keep",
        collect,
        [],
      )
      .option(
        "--column <COL=op>",
        "whole-cell operator for a column, e.g. dob=generalize:date, age=generalize:age:10, zip=generalize:zip:3 (repeatable)",
        collect,
        [],
      )
      .option("--key-file <path>", "32-byte key for pseudonym, encrypt and (unsalted) hash")
      .option("--new-key", "create --key-file first (32 random bytes, mode 0600; refuses to overwrite)")
      .option("--salt <text>", "salt for the hash operator (default: derived from --key-file)")
      .option("--entities <types>", "only these entity types")
      .option("--min-score <score>", "only entities scoring at least this (0-1)", "0.5"),
  ).action(
    async (
      file: string,
      opts: {
        out: string;
        format?: string;
        operator: string[];
        column: string[];
        keyFile?: string;
        newKey?: boolean;
        salt?: string;
        entities?: string;
        minScore?: string;
        json?: boolean;
      },
    ) => {
      const keys = await loadKeys(opts);
      const needKeys = (): AnonymizationKeys => {
        if (!keys)
          throw usageError("pseudonym, encrypt and hash (without --salt) need --key-file (create one with --new-key)");
        return keys;
      };
      const operators = Object.fromEntries(
        parseAssignments(opts.operator, "--operator").map(([t, s]) => [t, parseOperator(s, needKeys, opts.salt)]),
      );
      const columns = Object.fromEntries(
        parseAssignments(opts.column, "--column").map(([c, s]) => [c, parseOperator(s, needKeys, opts.salt)]),
      );
      const format = detectFormat(file, opts.format);
      if (format === "text" && Object.keys(columns).length > 0)
        throw usageError("--column needs a table (csv, tsv or jsonl)");
      const entities = list(opts.entities);
      const minScore = parseScore(opts.minScore);
      const report = await anonymizeFile(file, opts.out, {
        format,
        operators,
        columns,
        ...(entities ? { entities } : {}),
        ...(minScore !== undefined ? { minScore } : {}),
      });
      output(opts, report, () => {
        const n = Object.values(report.replaced).reduce((a, b) => a + b, 0);
        const parts = Object.entries(report.replaced).map(([t, c]) => `${t}=${c}`);
        const cols = Object.entries(report.columns).map(([c, k]) => `${c}=${k}`);
        return [
          `wrote ${opts.out}: ${n} entities replaced${parts.length ? ` (${parts.join(", ")})` : ""}`,
          ...(cols.length ? [`column operators applied: ${cols.join(", ")}`] : []),
        ].join("\n");
      });
    },
  );

  addJsonOption(
    dataCmd
      .command("deanonymize <file>")
      .description("restore values encrypted by `warden data anonymize --operator TYPE=encrypt` (needs the same key)")
      .requiredOption("--out <path>", "output file")
      .requiredOption("--key-file <path>", "the key file used to anonymise")
      .option("--format <format>", "csv, tsv, jsonl or text (default: from the extension)"),
  ).action(async (file: string, opts: { out: string; keyFile: string; format?: string; json?: boolean }) => {
    const keys = deriveKeys(await readKeyFile(opts.keyFile));
    const report = await deanonymizeFile(file, opts.out, keys, detectFormat(file, opts.format));
    output(opts, report, () => `wrote ${opts.out}: ${report.restored} values restored`);
  });

  addJsonOption(
    dataCmd
      .command("kanon <file>")
      .description("report the k-anonymity of a CSV/TSV or JSONL table over quasi-identifiers; exit 1 when below k")
      .requiredOption("--quasi <cols>", "comma-separated quasi-identifier columns")
      .option("--k <k>", "required k", "5")
      .option("--generalize <COL=kind>", "generalise a column before grouping: date, age or zip (comma-separated)")
      .option("--format <format>", "csv, tsv or jsonl (default: from the extension)")
      .option("--max-rows <n>", "most violating rows listed", "1000"),
  ).action(
    async (
      file: string,
      opts: { quasi: string; k: string; generalize?: string; format?: string; maxRows: string; json?: boolean },
    ) => {
      const quasi = list(opts.quasi) ?? [];
      const generalize = Object.fromEntries(
        parseAssignments(list(opts.generalize) ?? [], "--generalize").map(([c, kind]) => [
          c,
          generalizeKind(kind, `${c}=${kind}`),
        ]),
      );
      const report = await kAnonymity(tableRows(file, detectFormat(file, opts.format)), {
        quasi,
        k: parseCount(opts.k, "--k"),
        generalize,
        maxRows: parseCount(opts.maxRows, "--max-rows"),
      });
      output(opts, report, () => {
        const lines = [
          `${file}: ${report.rows} rows, ${report.classes} classes over (${quasi.join(", ")}); smallest class ${report.achievedK}; ` +
            (report.satisfied
              ? `${report.k}-anonymous`
              : `NOT ${report.k}-anonymous: ${report.violatingRows} rows in classes below ${report.k}`),
        ];
        for (const v of report.violations) {
          lines.push(`  ${JSON.stringify(v.values)} x${v.count}: lines ${v.lines.join(", ")}`);
        }
        if (report.truncated) lines.push("  (more classes not listed; raise --max-rows)");
        return lines.join("\n");
      });
      if (!report.satisfied) process.exitCode = 1;
    },
  );
}
