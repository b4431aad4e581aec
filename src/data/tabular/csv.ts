/**
 * Streaming CSV reader (RFC 4180): quoted fields with doubled quotes, embedded delimiters and line breaks, CRLF or LF
 * line ends, an optional UTF-8 BOM. Works on bytes chunk by chunk, so files larger than memory stream through; every
 * malformed input (ragged row, bad UTF-8, oversized field, unterminated quote, stray quote) is an `E_DATA_PARSE`
 * naming the file, line and column (the 1-based field number).
 */
import { WardenError } from "../../core/errors.ts";
import {
  decodeUtf8,
  firstInvalidUtf8,
  parseError,
  readChunks,
  type SourceOptions,
  sourceLabel,
  type TabularSource,
} from "./source.ts";

/** Options of {@link readCsv}. */
export interface CsvOptions extends SourceOptions {
  /** Field delimiter, one ASCII character (default `,`). */
  delimiter?: string;
  /** First record is the header (default true). Without one, columns are named `col1`, `col2`, ... */
  header?: boolean;
  /** Largest field in bytes (default 1 MiB). */
  maxFieldBytes?: number;
  /** Most fields in one record (default 10,000). */
  maxFields?: number;
  /** Called once with the column names (even when the file has no data rows). */
  onHeader?: (columns: readonly string[]) => void;
}

/** One CSV record: the physical line it starts on, its fields by column name and in order. */
export interface CsvRow {
  line: number;
  record: Record<string, string>;
  fields: string[];
  columns: readonly string[];
}

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

enum State {
  FieldStart = 0,
  Unquoted = 1,
  Quoted = 2,
  QuoteSeen = 3,
}

/**
 * Reads a CSV file or stream as an async iterable of `{line, record}` (RFC 4180). Blank lines are skipped. Throws
 * `E_DATA_PARSE` with file, line and column on malformed input, `E_DATA_NOT_FOUND` when the file is missing.
 */
export async function* readCsv(source: TabularSource, opts: CsvOptions = {}): AsyncGenerator<CsvRow> {
  const label = sourceLabel(source, opts);
  const delimiter = opts.delimiter ?? ",";
  if (delimiter.length !== 1 || delimiter.charCodeAt(0) > 0x7f || delimiter === '"' || delimiter === "\n") {
    throw new WardenError("E_USAGE", `CSV delimiter must be one ASCII character other than a quote or newline`);
  }
  const DELIM = delimiter.charCodeAt(0);
  const maxFieldBytes = opts.maxFieldBytes ?? 1 << 20;
  const maxFields = opts.maxFields ?? 10_000;
  const useHeader = opts.header ?? true;

  let columns: string[] | undefined;
  let state = State.FieldStart as State;
  let line = 1;
  let recordLine = 1;
  let quoteLine = 1;
  let skipLf = false;
  let firstChunk = true;
  let parts: Buffer[] = [];
  let partBytes = 0;
  let fields: string[] = [];
  const out: CsvRow[] = [];

  const column = (): string => {
    const n = fields.length + 1;
    const name = columns?.[fields.length];
    return name === undefined ? `${n}` : `${n} (${JSON.stringify(name)})`;
  };
  const fail = (what: string, hint: string, atLine = line): WardenError =>
    parseError(label, atLine, fields.length + 1, `${what} in column ${column()}`, hint);

  const append = (buf: Buffer, start: number, end: number): void => {
    if (end <= start) return;
    partBytes += end - start;
    if (partBytes > maxFieldBytes) {
      throw fail(`field larger than ${maxFieldBytes} bytes`, "split the value or raise maxFieldBytes");
    }
    parts.push(buf.subarray(start, end));
  };
  const pushField = (): void => {
    const bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts, partBytes);
    const text = bytes.length === 0 ? "" : decodeUtf8(bytes);
    if (text === undefined) {
      throw fail(`invalid UTF-8 at byte ${firstInvalidUtf8(bytes) + 1} of the field`, "re-encode the file as UTF-8");
    }
    if (fields.length >= maxFields) throw fail(`more than ${maxFields} fields`, "check the delimiter");
    fields.push(text);
    parts = [];
    partBytes = 0;
  };
  const endRecord = (): void => {
    if (columns === undefined) {
      if (useHeader) {
        const seen = new Set<string>();
        for (const [i, name] of fields.entries()) {
          if (seen.has(name)) {
            throw parseError(label, recordLine, i + 1, `duplicate column name ${JSON.stringify(name)}`, "rename it");
          }
          seen.add(name);
        }
        columns = fields;
        fields = [];
        opts.onHeader?.(columns);
        return;
      }
      columns = fields.map((_, i) => `col${i + 1}`);
      opts.onHeader?.(columns);
    }
    if (fields.length !== columns.length) {
      throw parseError(
        label,
        recordLine,
        Math.min(fields.length, columns.length) + 1,
        `record has ${fields.length} fields, expected ${columns.length}`,
        "every row needs the same number of fields as the header (quote values that contain the delimiter)",
      );
    }
    const cols = columns;
    out.push({ line: recordLine, record: Object.fromEntries(fields.map((f, i) => [cols[i]!, f])), fields, columns });
    fields = [];
  };
  const lineEnd = (c: number): void => {
    if (c === CR) skipLf = true;
    line++;
    recordLine = line;
  };

  for await (const chunk of readChunks(source, label)) {
    let i = 0;
    if (firstChunk) {
      firstChunk = false;
      if (chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) i = 3;
    }
    let segStart = i;
    for (; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (skipLf) {
        skipLf = false;
        if (c === LF) {
          segStart = i + 1;
          continue;
        }
      }
      switch (state) {
        case State.FieldStart:
          if (c === QUOTE) {
            state = State.Quoted;
            quoteLine = line;
            segStart = i + 1;
          } else if (c === DELIM) {
            pushField();
          } else if (c === LF || c === CR) {
            if (fields.length > 0) {
              pushField();
              endRecord();
            }
            lineEnd(c);
          } else {
            state = State.Unquoted;
            segStart = i;
          }
          break;
        case State.Unquoted:
          if (c === DELIM) {
            append(chunk, segStart, i);
            pushField();
            state = State.FieldStart;
          } else if (c === LF || c === CR) {
            append(chunk, segStart, i);
            pushField();
            endRecord();
            lineEnd(c);
            state = State.FieldStart;
          } else if (c === QUOTE) {
            throw fail(
              "quote inside an unquoted field",
              'enclose the whole field in quotes and double inner quotes ("")',
            );
          }
          break;
        case State.Quoted:
          if (c === QUOTE) {
            append(chunk, segStart, i);
            state = State.QuoteSeen;
          } else if (c === LF) {
            line++;
          }
          break;
        case State.QuoteSeen:
          if (c === QUOTE) {
            segStart = i;
            state = State.Quoted;
          } else if (c === DELIM) {
            pushField();
            state = State.FieldStart;
          } else if (c === LF || c === CR) {
            pushField();
            endRecord();
            lineEnd(c);
            state = State.FieldStart;
          } else {
            throw fail("unexpected character after a closing quote", 'double quotes inside quoted fields ("")');
          }
          break;
      }
    }
    if (state === State.Unquoted || state === State.Quoted) append(chunk, segStart, chunk.length);
    for (const row of out) yield row;
    out.length = 0;
  }
  if (state === State.Quoted) {
    throw fail("unterminated quoted field (opened here)", "close the quote or remove it", quoteLine);
  }
  if (state !== State.FieldStart || fields.length > 0) {
    pushField();
    endRecord();
  }
  for (const row of out) yield row;
}

/** Formats one CSV record (RFC 4180): fields with the delimiter, a quote, CR or LF are quoted; ends with CRLF. */
export function formatCsvRow(fields: readonly string[], delimiter = ","): string {
  return `${fields.map((f) => (needsQuotes(f, delimiter) ? `"${f.replaceAll('"', '""')}"` : f)).join(delimiter)}\r\n`;
}

function needsQuotes(f: string, delimiter: string): boolean {
  return f.includes(delimiter) || f.includes('"') || f.includes("\n") || f.includes("\r");
}
