/** Picks the tabular format of a file: explicit, or from its extension (.csv, .tsv, .jsonl/.ndjson), else text. */
import { extname } from "node:path";
import { WardenError } from "../../core/errors.ts";

/** Formats the data commands understand. */
export type DataFormat = "csv" | "tsv" | "jsonl" | "text";

/** The format named by `explicit`, or guessed from the path's extension. */
export function detectFormat(path: string, explicit?: string): DataFormat {
  if (explicit !== undefined) {
    if (explicit === "csv" || explicit === "tsv" || explicit === "jsonl" || explicit === "text") return explicit;
    throw new WardenError("E_USAGE", `unknown format "${explicit}"; use csv, tsv, jsonl or text`);
  }
  const ext = extname(path).toLowerCase();
  if (ext === ".csv") return "csv";
  if (ext === ".tsv" || ext === ".tab") return "tsv";
  if (ext === ".jsonl" || ext === ".ndjson") return "jsonl";
  return "text";
}
