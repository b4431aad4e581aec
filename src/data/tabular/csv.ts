/**
 * Streaming CSV reader (RFC 4180): quoted fields with doubled quotes, embedded delimiters and line breaks, CRLF or LF
 * line ends, an optional UTF-8 BOM. Works on bytes chunk by chunk, so files larger than memory stream through; every
 * malformed input (ragged row, bad UTF-8, oversized field, unterminated quote, stray quote) is an `E_DATA_PARSE`
 * naming the file, line and column (the 1-based field number). One tokenizer serves both the record reader and the
 * column-projecting batch reader that differential-privacy aggregates use on very large files.
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

/** The values of selected columns for the rows that ended in one chunk of input. */
export interface CsvColumnBatch {
  size: number;
  /** The line each row starts on. */
  lines: number[];
  /** One array of `size` values per selected column, in selection order. */
  columns: string[][];
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

function checkDelimiter(delimiter: string): number {
  if (delimiter.length !== 1 || delimiter.charCodeAt(0) > 0x7f || delimiter === '"' || delimiter === "\n") {
    throw new WardenError("E_USAGE", `CSV delimiter must be one ASCII character other than a quote or newline`);
  }
  return delimiter.charCodeAt(0);
}

/**
 * Reads the columns `select` (every column when undefined) of a CSV file or stream (RFC 4180) as batches of values, one
 * batch per input chunk. Only selected fields are decoded (and checked for UTF-8): the fast path for aggregates over
 * very large files; every other rule (quoting, field counts, field sizes) holds for the whole record. Blank lines are
 * skipped. A selected column missing from the header is `E_USAGE`; malformed input is `E_DATA_PARSE` with file, line
 * and column; a missing file is `E_DATA_NOT_FOUND`.
 */
export async function* readCsvColumns(
  source: TabularSource,
  select: readonly string[] | undefined,
  opts: CsvOptions = {},
): AsyncGenerator<CsvColumnBatch> {
  const label = sourceLabel(source, opts);
  const DELIM = checkDelimiter(opts.delimiter ?? ",");
  const maxFieldBytes = opts.maxFieldBytes ?? 1 << 20;
  const maxFields = opts.maxFields ?? 10_000;
  const useHeader = opts.header ?? true;

  let columns: readonly string[] | undefined;
  /** Per column of the file, the index of its value array, or -1 when it is not selected. */
  let slotOf = new Int32Array(0);
  /** Per selected column (in selection order), the index of its value array (a column selected twice shares one). */
  let outSlot: number[] = [];
  let values: string[][] = [];
  let lines: number[] = [];
  let size = 0;
  let state = State.FieldStart as State;
  let line = 1;
  let recordLine = 1;
  let quoteLine = 1;
  let skipLf = false;
  let firstChunk = true;
  let field = 0;
  let parts: Buffer[] = [];
  let fieldBytes = 0;
  /** Fields of the first record, kept whole until the columns are known. */
  let pending: string[] = [];

  const column = (): string => {
    const name = columns?.[field];
    return name === undefined ? `${field + 1}` : `${field + 1} (${JSON.stringify(name)})`;
  };
  const fail = (what: string, hint: string, atLine = line): WardenError =>
    parseError(label, atLine, field + 1, `${what} in column ${column()}`, hint);
  const kept = (): boolean => columns === undefined || (field < slotOf.length && slotOf[field]! >= 0);
  const grow = (bytes: number): void => {
    fieldBytes += bytes;
    if (fieldBytes > maxFieldBytes) {
      throw fail(`field larger than ${maxFieldBytes} bytes`, "split the value or raise maxFieldBytes");
    }
  };
  const take = (buf: Buffer, start: number, end: number): void => {
    if (end <= start) return;
    grow(end - start);
    if (kept()) parts.push(buf.subarray(start, end));
  };
  const decode = (buf: Buffer, start: number, end: number): string => {
    let ascii = true;
    for (let k = start; k < end; k++) {
      if (buf[k]! >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) return buf.toString("latin1", start, end);
    const bytes = buf.subarray(start, end);
    const text = decodeUtf8(bytes);
    if (text === undefined) {
      throw fail(`invalid UTF-8 at byte ${firstInvalidUtf8(bytes) + 1} of the field`, "re-encode the file as UTF-8");
    }
    return text;
  };
  const store = (text: string): void => {
    if (columns === undefined) pending.push(text);
    else values[slotOf[field]!]!.push(text);
  };
  /** Ends the current field; with `buf`, the field is exactly `buf[start, end)` (nothing taken before). */
  const endField = (buf?: Buffer, start = 0, end = 0): void => {
    if (field >= maxFields) throw fail(`more than ${maxFields} fields`, "check the delimiter");
    if (buf !== undefined) {
      grow(end - start);
      if (kept()) store(decode(buf, start, end));
    } else if (kept()) {
      const bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts, fieldBytes);
      store(decode(bytes, 0, bytes.length));
    }
    parts = [];
    fieldBytes = 0;
    field++;
  };
  const setColumns = (names: readonly string[]): void => {
    columns = names;
    slotOf = new Int32Array(names.length).fill(-1);
    if (select === undefined) {
      for (let c = 0; c < names.length; c++) slotOf[c] = c;
      outSlot = names.map((_, c) => c);
    } else {
      let next = 0;
      outSlot = select.map((name) => {
        const at = names.indexOf(name);
        if (at < 0) {
          throw new WardenError(
            "E_USAGE",
            `column "${name}" not found in ${label} (columns: ${names.slice(0, 20).join(", ")})`,
          );
        }
        if (slotOf[at]! < 0) slotOf[at] = next++;
        return slotOf[at]!;
      });
    }
    values = Array.from({ length: Math.max(0, ...outSlot) + 1 }, () => []);
    opts.onHeader?.(names);
  };
  const endRecord = (): void => {
    if (columns === undefined) {
      const first = pending;
      pending = [];
      if (useHeader) {
        const seen = new Set<string>();
        for (const [i, name] of first.entries()) {
          if (seen.has(name)) {
            throw parseError(label, recordLine, i + 1, `duplicate column name ${JSON.stringify(name)}`, "rename it");
          }
          seen.add(name);
        }
        setColumns(first);
        field = 0;
        return;
      }
      setColumns(first.map((_, i) => `col${i + 1}`));
      first.forEach((text, c) => {
        if (slotOf[c]! >= 0) values[slotOf[c]!]!.push(text);
      });
    } else if (field !== columns.length) {
      throw parseError(
        label,
        recordLine,
        Math.min(field, columns.length) + 1,
        `record has ${field} fields, expected ${columns.length}`,
        "every row needs the same number of fields as the header (quote values that contain the delimiter)",
      );
    }
    lines.push(recordLine);
    size++;
    field = 0;
  };
  const lineEnd = (c: number): void => {
    if (c === CR) skipLf = true;
    line++;
    recordLine = line;
  };
  /** The complete rows so far; values of a row still open move on to the next batch. */
  const flush = (): CsvColumnBatch => {
    const carry = values.map((v) => v.splice(size));
    const batch = { size, lines, columns: outSlot.map((k) => values[k]!) };
    values = carry;
    lines = [];
    size = 0;
    return batch;
  };

  for await (const chunk of readChunks(source, label)) {
    let i = 0;
    if (firstChunk) {
      firstChunk = false;
      if (chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) i = 3;
    }
    let segStart = i;
    const n = chunk.length;
    for (; i < n; i++) {
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
            endField();
          } else if (c === LF || c === CR) {
            if (field > 0) {
              endField();
              endRecord();
            }
            lineEnd(c);
          } else {
            state = State.Unquoted;
            segStart = i;
            i--; // scanned by the Unquoted loop below
          }
          break;
        case State.Unquoted: {
          // Hot loop: run to the end of the field.
          let j = i;
          let d = 0;
          while (j < n) {
            d = chunk[j]!;
            if (d === DELIM || d === LF || d === CR || d === QUOTE) break;
            j++;
          }
          i = j;
          if (j === n) break;
          if (d === QUOTE) {
            throw fail(
              "quote inside an unquoted field",
              'enclose the whole field in quotes and double inner quotes ("")',
            );
          }
          if (parts.length === 0 && fieldBytes === 0) endField(chunk, segStart, j);
          else {
            take(chunk, segStart, j);
            endField();
          }
          if (d !== DELIM) {
            endRecord();
            lineEnd(d);
          }
          state = State.FieldStart;
          break;
        }
        case State.Quoted:
          if (c === QUOTE) {
            take(chunk, segStart, i);
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
            endField();
            state = State.FieldStart;
          } else if (c === LF || c === CR) {
            endField();
            endRecord();
            lineEnd(c);
            state = State.FieldStart;
          } else {
            throw fail("unexpected character after a closing quote", 'double quotes inside quoted fields ("")');
          }
          break;
      }
    }
    if (state === State.Unquoted || state === State.Quoted) take(chunk, segStart, n);
    if (size > 0) yield flush();
  }
  if (state === State.Quoted) {
    throw fail("unterminated quoted field (opened here)", "close the quote or remove it", quoteLine);
  }
  if (state !== State.FieldStart || field > 0) {
    endField();
    endRecord();
  }
  if (size > 0) yield flush();
}

/**
 * Reads a CSV file or stream as an async iterable of `{line, record}` (RFC 4180). Blank lines are skipped. Throws
 * `E_DATA_PARSE` with file, line and column on malformed input, `E_DATA_NOT_FOUND` when the file is missing.
 */
export async function* readCsv(source: TabularSource, opts: CsvOptions = {}): AsyncGenerator<CsvRow> {
  let columns: readonly string[] = [];
  const withHeader: CsvOptions = {
    ...opts,
    onHeader: (names) => {
      columns = names;
      opts.onHeader?.(names);
    },
  };
  for await (const batch of readCsvColumns(source, undefined, withHeader)) {
    for (let r = 0; r < batch.size; r++) {
      const fields = batch.columns.map((v) => v[r]!);
      yield {
        line: batch.lines[r]!,
        record: Object.fromEntries(fields.map((f, c) => [columns[c]!, f])),
        fields,
        columns,
      };
    }
  }
}

/** Formats one CSV record (RFC 4180): fields with the delimiter, a quote, CR or LF are quoted; ends with CRLF. */
export function formatCsvRow(fields: readonly string[], delimiter = ","): string {
  return `${fields.map((f) => (needsQuotes(f, delimiter) ? `"${f.replaceAll('"', '""')}"` : f)).join(delimiter)}\r\n`;
}

function needsQuotes(f: string, delimiter: string): boolean {
  return f.includes(delimiter) || f.includes('"') || f.includes("\n") || f.includes("\r");
}
