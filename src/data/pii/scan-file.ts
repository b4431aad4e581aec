/**
 * PII scan of a file: plain text is scanned in pieces with entity spans as UTF-16 offsets into the whole file; CSV
 * and JSON Lines are scanned cell by cell and summarised per column (JSONL: per top-level key; nested values are
 * scanned as their JSON text). Findings are capped so a huge file yields a bounded report; counts stay exact.
 */

import { readCsv } from "../tabular/csv.ts";
import type { DataFormat } from "../tabular/format.ts";
import { readJsonl } from "../tabular/jsonl.ts";
import type { TabularSource } from "../tabular/source.ts";
import { readTextChunks } from "../tabular/text.ts";
import { detectPii } from "./detect.ts";
import type { DetectOptions } from "./types.ts";

/** One finding of a file scan: for tables, `line` and `column` locate the cell and `start`/`end` are cell offsets. */
export interface FileFinding {
  type: string;
  score: number;
  start: number;
  end: number;
  line: number;
  column?: string;
  text: string;
}

/** Result of {@link scanFile}. */
export interface FileScanReport {
  file: string;
  format: DataFormat;
  /** Records (tables) or lines (text) read. */
  records: number;
  /** Entity counts by type. */
  counts: Record<string, number>;
  /** Entity counts by column and type (tables only). */
  columns?: Record<string, Record<string, number>>;
  findings: FileFinding[];
  /** True when more findings existed than `maxFindings`. */
  truncated: boolean;
}

/** Options of {@link scanFile}. */
export interface ScanFileOptions extends DetectOptions {
  format: DataFormat;
  /** Most findings listed (default 1000); counts are always complete. */
  maxFindings?: number;
  /** Passed to the CSV reader. */
  maxFieldBytes?: number;
  fileName?: string;
}

/** Cell text of a JSONL value: strings as they are, other values as JSON. */
export function cellText(v: unknown): string {
  return typeof v === "string" ? v : v === null || v === undefined ? "" : JSON.stringify(v);
}

/** Scans a file or stream for PII (see {@link FileScanReport}). */
export async function scanFile(source: TabularSource, opts: ScanFileOptions): Promise<FileScanReport> {
  const file = typeof source === "string" ? source : (opts.fileName ?? "<stream>");
  const max = opts.maxFindings ?? 1000;
  const detect: DetectOptions = {
    ...(opts.entities ? { entities: opts.entities } : {}),
    ...(opts.minScore !== undefined ? { minScore: opts.minScore } : {}),
  };
  const report: FileScanReport = { file, format: opts.format, records: 0, counts: {}, findings: [], truncated: false };
  const add = (f: FileFinding): void => {
    report.counts[f.type] = (report.counts[f.type] ?? 0) + 1;
    if (f.column !== undefined) {
      const cols = report.columns ?? {};
      const c = cols[f.column] ?? {};
      c[f.type] = (c[f.type] ?? 0) + 1;
      cols[f.column] = c;
      report.columns = cols;
    }
    if (report.findings.length < max) report.findings.push(f);
    else report.truncated = true;
  };
  const scanCell = (value: string, line: number, column: string): void => {
    for (const e of detectPii(value, { ...detect, context: column })) add({ ...e, line, column });
  };
  const srcOpts = opts.fileName ? { fileName: opts.fileName } : {};
  if (opts.format === "csv" || opts.format === "tsv") {
    report.columns = {};
    for await (const row of readCsv(source, {
      ...srcOpts,
      delimiter: opts.format === "tsv" ? "\t" : ",",
      ...(opts.maxFieldBytes ? { maxFieldBytes: opts.maxFieldBytes } : {}),
    })) {
      report.records++;
      if (report.records === 1) for (const c of row.columns) report.columns[c] ??= {};
      for (const [i, v] of row.fields.entries()) scanCell(v, row.line, row.columns[i]!);
    }
  } else if (opts.format === "jsonl") {
    report.columns = {};
    for await (const row of readJsonl(source, srcOpts)) {
      report.records++;
      for (const [k, v] of Object.entries(row.record)) {
        report.columns[k] ??= {};
        scanCell(cellText(v), row.line, k);
      }
    }
  } else {
    let newlines = 0;
    let endsWithNewline = true;
    for await (const chunk of readTextChunks(source, srcOpts)) {
      newlines += chunk.text.split("\n").length - 1;
      endsWithNewline = chunk.text.endsWith("\n");
      let line = chunk.line;
      let lineStart = 0;
      for (const e of detectPii(chunk.text, detect)) {
        for (
          let nl = chunk.text.indexOf("\n", lineStart);
          nl >= 0 && nl < e.start;
          nl = chunk.text.indexOf("\n", nl + 1)
        ) {
          line++;
          lineStart = nl + 1;
        }
        add({ ...e, start: e.start + chunk.offset, end: e.end + chunk.offset, line });
      }
    }
    report.records = newlines + (endsWithNewline ? 0 : 1);
  }
  return report;
}
