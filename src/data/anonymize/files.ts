/**
 * File-level anonymisation and its inverse: plain text piece by piece, CSV/TSV and JSON Lines cell by cell (string
 * leaves of nested JSON too), with optional whole-cell operators per column (for example generalisation of dates,
 * ages and zip codes). Output is written to a temporary file and renamed, so a failure leaves nothing half-written.
 */
import { WardenError } from "../../core/errors.ts";
import { detectPii } from "../pii/detect.ts";
import type { DetectOptions } from "../pii/types.ts";
import { writeFileAtomic } from "../tabular/atomic.ts";
import { formatCsvRow, readCsv } from "../tabular/csv.ts";
import type { DataFormat } from "../tabular/format.ts";
import { readJsonl } from "../tabular/jsonl.ts";
import { readTextChunks } from "../tabular/text.ts";
import type { AnonymizationKeys } from "./keys.ts";
import { applyOperator, deanonymize, type Operator, type Operators } from "./operators.ts";
import { anonymize } from "./text.ts";

/** Options of {@link anonymizeFile}. */
export interface AnonymizeFileOptions extends DetectOptions {
  format: DataFormat;
  /** Operators per entity type (and `DEFAULT`). */
  operators: Operators;
  /** Whole-cell operators per column (tables only); these columns are not scanned. */
  columns?: Readonly<Record<string, Operator>>;
  maxFieldBytes?: number;
}

/** What {@link anonymizeFile} did. */
export interface AnonymizeFileReport {
  file: string;
  out: string;
  format: DataFormat;
  records: number;
  /** Entities replaced, by type. */
  replaced: Record<string, number>;
  /** Cells transformed by column operators, by column. */
  columns: Record<string, number>;
}

/** Every string in a JSON value passed through `f` (arrays and objects rebuilt, other values as they are). */
function mapStrings(v: unknown, f: (s: string) => string): unknown {
  if (typeof v === "string") return f(v);
  if (Array.isArray(v)) return v.map((x) => mapStrings(x, f));
  if (v !== null && typeof v === "object") {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, mapStrings(x, f)]));
  }
  return v;
}

/** What {@link rewriteFile} does to each value, whatever the format. */
interface Rewrite {
  /** A CSV/TSV cell under `column`. */
  cell(column: string, value: string): string;
  /** A top-level JSON Lines value under `key`. */
  json(key: string, value: unknown): unknown;
  /** A piece of plain text. */
  text(piece: string): string;
  /** Checks the CSV/TSV header before anything is written (may throw). */
  header?(columns: readonly string[]): void;
  maxFieldBytes?: number | undefined;
}

/**
 * Rewrites `input` into `out` (atomically): CSV/TSV cell by cell (header kept), JSON Lines value by value, plain
 * text piece by piece. Returns the records read (text: newlines).
 */
async function rewriteFile(input: string, out: string, format: DataFormat, rw: Rewrite): Promise<number> {
  let records = 0;
  await writeFileAtomic(out, async (sink) => {
    if (format === "csv" || format === "tsv") {
      const d = format === "tsv" ? "\t" : ",";
      const pending: string[] = [];
      const rows = readCsv(input, {
        delimiter: d,
        ...(rw.maxFieldBytes ? { maxFieldBytes: rw.maxFieldBytes } : {}),
        onHeader: (cols) => {
          rw.header?.(cols);
          pending.push(formatCsvRow(cols, d));
        },
      });
      for await (const row of rows) {
        for (const p of pending.splice(0)) await sink.write(p);
        records++;
        await sink.write(
          formatCsvRow(
            row.fields.map((v, i) => rw.cell(row.columns[i]!, v)),
            d,
          ),
        );
      }
      for (const p of pending.splice(0)) await sink.write(p);
    } else if (format === "jsonl") {
      for await (const row of readJsonl(input)) {
        records++;
        const rec = Object.fromEntries(Object.entries(row.record).map(([k, v]) => [k, rw.json(k, v)]));
        await sink.write(`${JSON.stringify(rec)}\n`);
      }
    } else {
      for await (const chunk of readTextChunks(input)) {
        records += chunk.text.split("\n").length - 1;
        await sink.write(rw.text(chunk.text));
      }
    }
  });
  return records;
}

/** Anonymises `input` into `out` (atomically). */
export async function anonymizeFile(
  input: string,
  out: string,
  opts: AnonymizeFileOptions,
): Promise<AnonymizeFileReport> {
  const report: AnonymizeFileReport = { file: input, out, format: opts.format, records: 0, replaced: {}, columns: {} };
  const detect: DetectOptions = {
    ...(opts.entities ? { entities: opts.entities } : {}),
    ...(opts.minScore !== undefined ? { minScore: opts.minScore } : {}),
  };
  const columnOps = opts.columns ?? {};
  const scrub = (value: string, column?: string): string => {
    const r = anonymize(value, detectPii(value, column ? { ...detect, context: column } : detect), opts.operators);
    for (const it of r.items) report.replaced[it.type] = (report.replaced[it.type] ?? 0) + 1;
    return r.text;
  };
  const cell = (column: string, value: string): string => {
    const op = columnOps[column];
    if (!op) return scrub(value, column);
    report.columns[column] = (report.columns[column] ?? 0) + 1;
    return applyOperator(
      op,
      column
        .toUpperCase()
        .replace(/[^A-Z0-9_]/g, "_")
        .replace(/^[^A-Z]/, "C"),
      value,
    );
  };
  report.records = await rewriteFile(input, out, opts.format, {
    cell,
    // Strings and operator columns are cells (the key is their context); strings nested deeper are scanned alone.
    json: (key, v) =>
      typeof v === "string" || columnOps[key]
        ? cell(key, typeof v === "string" ? v : JSON.stringify(v))
        : mapStrings(v, (s) => scrub(s)),
    text: (piece) => scrub(piece),
    header: (cols) => {
      const missing = Object.keys(columnOps).filter((c) => !cols.includes(c));
      if (missing.length > 0) {
        throw new WardenError(
          "E_USAGE",
          `column ${missing.join(", ")} not in ${input}; its columns are: ${cols.join(", ")}`,
        );
      }
    },
    maxFieldBytes: opts.maxFieldBytes,
  });
  return report;
}

/** Restores every `<TYPE:enc:...>` token in `input` into `out` (atomically), format-aware so quoting stays valid. */
export async function deanonymizeFile(
  input: string,
  out: string,
  keys: AnonymizationKeys,
  format: DataFormat,
): Promise<{ file: string; out: string; records: number; restored: number }> {
  let restored = 0;
  const restore = (s: string): string => {
    const r = deanonymize(s, keys);
    restored += r.restored;
    return r.text;
  };
  const records = await rewriteFile(input, out, format, {
    cell: (_column, v) => restore(v),
    json: (_key, v) => mapStrings(v, restore),
    text: restore,
  });
  return { file: input, out, records, restored };
}
