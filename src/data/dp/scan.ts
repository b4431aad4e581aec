/**
 * CSV input of DP aggregates over very large files: the column-projecting batches of the tabular CSV reader
 * (`readCsvColumns` in `src/data/tabular/csv.ts`, the one RFC 4180 tokenizer of the code base: only the queried columns
 * are decoded, no record object is built per row), plus the rule that a queried file has a header row.
 */
import { WardenError } from "../../core/errors.ts";
import { type CsvColumnBatch, readCsvColumns } from "../tabular/csv.ts";

/**
 * Streams the columns `wanted` of a CSV file (with a header row) in batches. A wanted column missing from the header
 * is `E_USAGE`; an empty file or malformed input is `E_DATA_PARSE` naming file, line and column.
 */
export async function* scanCsvColumns(
  path: string,
  wanted: readonly string[],
  delimiter = ",",
): AsyncGenerator<CsvColumnBatch> {
  let header = false;
  yield* readCsvColumns(path, wanted, {
    delimiter,
    onHeader: () => {
      header = true;
    },
  });
  if (!header) {
    throw new WardenError("E_DATA_PARSE", `${path}: empty file: no header row`, { details: { file: path, line: 1 } });
  }
}
