/** Opens a CSV, TSV or JSON Lines file as a stream of `{line, record}` for the DP, validation and poisoning commands. */
import { WardenError } from "../../core/errors.ts";
import { readCsv } from "../tabular/csv.ts";
import { detectFormat } from "../tabular/format.ts";
import { readJsonl } from "../tabular/jsonl.ts";

/** A row as the tabular readers yield it. */
export interface RecordRow {
  line: number;
  record: Readonly<Record<string, unknown>>;
}

/** Streams the records of `path`; the format is `format` or guessed from the extension (.csv, .tsv, .jsonl). */
export function readRecords(path: string, format?: string): AsyncIterable<RecordRow> {
  const f = detectFormat(path, format);
  if (f === "csv") return readCsv(path);
  if (f === "tsv") return readCsv(path, { delimiter: "\t" });
  if (f === "jsonl") return readJsonl(path);
  throw new WardenError(
    "E_USAGE",
    `${path}: cannot tell the table format from the file name; use --format csv, tsv or jsonl`,
  );
}
