/**
 * Assessment data from files: CSV (RFC 4180, quoted fields) or JSON (`{"inputs": [...], "labels": [...]}`). Numeric
 * columns are used as they are; text columns are one-hot encoded (categories sorted, so the encoding is stable); the
 * label column becomes class indices. Size-capped, and every error names the file and line.
 */
import { readFileSync, statSync } from "node:fs";
import { WardenError } from "../../core/errors.ts";

/** A numeric dataset. */
export interface Dataset {
  /** Feature names after encoding (`col=value` for one-hot columns). */
  features: string[];
  x: number[][];
  /** Class indices, or null when no label column was given. */
  y: number[] | null;
  /** Class names in index order. */
  classes: string[] | null;
  /** Observed per-feature minimum and maximum. */
  lower: number[];
  upper: number[];
}

/** A text dataset. */
export interface TextDataset {
  texts: string[];
  y: number[] | null;
  classes: string[] | null;
}

const MAX_BYTES = 64 * 1024 * 1024;
const MAX_ROWS = 1_000_000;

/** Parses CSV text into rows of fields (RFC 4180: quotes, doubled quotes, CRLF). */
export function parseCsv(text: string, file = "<csv>"): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  let rowQuoted = false;
  let line = 1;
  let i = 0;
  const n = text.length;
  const endRow = () => {
    row.push(field);
    field = "";
    if (rowQuoted || !(row.length === 1 && row[0] === "")) rows.push(row);
    rowQuoted = false;
    if (rows.length > MAX_ROWS) throw new WardenError("E_INPUT_TOO_LARGE", `${file}: more than ${MAX_ROWS} rows`);
    row = [];
  };
  while (i < n) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else {
        if (c === "\n") line++;
        field += c;
      }
      i++;
      continue;
    }
    if (c === '"') {
      if (field !== "") throw new WardenError("E_DATA_PARSE", `${file}:${line}: quote inside an unquoted field`);
      quoted = true;
      rowQuoted = true;
    } else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      endRow();
      line++;
    } else field += c;
    i++;
  }
  if (quoted) throw new WardenError("E_DATA_PARSE", `${file}:${line}: unterminated quoted field`);
  if (field !== "" || row.length > 0 || rowQuoted) endRow();
  return rows;
}

function readText(file: string): string {
  let size: number;
  try {
    size = statSync(file).size;
  } catch (e) {
    throw new WardenError("E_DATA_NOT_FOUND", `data file ${file} not found`, { cause: e });
  }
  if (size > MAX_BYTES) throw new WardenError("E_INPUT_TOO_LARGE", `${file} is larger than ${MAX_BYTES} bytes`);
  return readFileSync(file, "utf8");
}

const NUMERIC = /^\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\s*$/;

function encodeLabels(values: readonly string[]): { y: number[]; classes: string[] } {
  const allInts = values.every((v) => /^\d+$/.test(v.trim()));
  if (allInts) {
    const y = values.map((v) => Number(v.trim()));
    const k = y.reduce((m, v) => Math.max(m, v), 1) + 1;
    return { y, classes: Array.from({ length: k }, (_, i) => String(i)) };
  }
  const classes = [...new Set(values)].sort();
  const index = new Map(classes.map((c, i) => [c, i]));
  return { y: values.map((v) => index.get(v) as number), classes };
}

/** Turns a table (header + rows) into a numeric dataset. */
export function tableToDataset(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  opts: { labels?: string; features?: readonly string[]; file?: string } = {},
): Dataset {
  const file = opts.file ?? "<data>";
  rows.forEach((r, i) => {
    if (r.length !== header.length)
      throw new WardenError(
        "E_DATA_PARSE",
        `${file}:${i + 2}: ${r.length} fields, but the header has ${header.length}`,
      );
  });
  const labelIdx = opts.labels === undefined ? -1 : header.indexOf(opts.labels);
  if (opts.labels !== undefined && labelIdx < 0)
    throw new WardenError("E_USAGE", `${file}: no label column "${opts.labels}" (columns: ${header.join(", ")})`);
  const cols = opts.features
    ? opts.features.map((f) => {
        const i = header.indexOf(f);
        if (i < 0) throw new WardenError("E_USAGE", `${file}: no feature column "${f}"`);
        return i;
      })
    : header.map((_, i) => i).filter((i) => i !== labelIdx);
  const features: string[] = [];
  const encoders: ((r: readonly string[]) => number[])[] = [];
  for (const c of cols) {
    const name = header[c] as string;
    const values = rows.map((r) => r[c] as string);
    if (values.every((v) => NUMERIC.test(v))) {
      features.push(name);
      encoders.push((r) => [Number(r[c])]);
    } else {
      const cats = [...new Set(values)].sort();
      for (const cat of cats) features.push(`${name}=${cat}`);
      encoders.push((r) => cats.map((cat) => (r[c] === cat ? 1 : 0)));
    }
  }
  const x = rows.map((r) => encoders.flatMap((e) => e(r)));
  const { lower, upper } = columnBounds(x, features.length);
  if (labelIdx < 0) return { features, x, y: null, classes: null, lower, upper };
  const { y, classes } = encodeLabels(rows.map((r) => r[labelIdx] as string));
  return { features, x, y, classes, lower, upper };
}

function columnBounds(x: readonly (readonly number[])[], d: number): { lower: number[]; upper: number[] } {
  const lower = new Array<number>(d).fill(Number.POSITIVE_INFINITY);
  const upper = new Array<number>(d).fill(Number.NEGATIVE_INFINITY);
  for (const r of x)
    for (let j = 0; j < d; j++) {
      const v = r[j] as number;
      if (v < (lower[j] as number)) lower[j] = v;
      if (v > (upper[j] as number)) upper[j] = v;
    }
  return { lower, upper };
}

function readJsonData(file: string): { inputs: unknown[]; labels: unknown[] | null } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readText(file));
  } catch (e) {
    if (e instanceof WardenError) throw e;
    throw new WardenError("E_DATA_PARSE", `${file}: not valid JSON (${(e as Error).message})`);
  }
  const obj = Array.isArray(parsed) ? { inputs: parsed } : (parsed as { inputs?: unknown; labels?: unknown });
  if (!obj || !Array.isArray(obj.inputs))
    throw new WardenError("E_DATA_PARSE", `${file}: expected {"inputs": [...], "labels": [...]} or an array of inputs`);
  const labels = Array.isArray(obj.labels) ? obj.labels : null;
  if (labels && labels.length !== obj.inputs.length)
    throw new WardenError("E_DATA_PARSE", `${file}: ${labels.length} labels for ${obj.inputs.length} inputs`);
  return { inputs: obj.inputs, labels };
}

/** Loads a numeric dataset from CSV or JSON. */
export function loadDataset(file: string, opts: { labels?: string; features?: readonly string[] } = {}): Dataset {
  if (file.endsWith(".json")) {
    const { inputs, labels } = readJsonData(file);
    const x = inputs.map((r, i) => {
      if (!Array.isArray(r) || !r.every((v) => typeof v === "number" && Number.isFinite(v)))
        throw new WardenError("E_DATA_PARSE", `${file}: input ${i} is not an array of finite numbers`);
      return r as number[];
    });
    const d = x[0]?.length ?? 0;
    if (x.some((r) => r.length !== d)) throw new WardenError("E_DATA_PARSE", `${file}: inputs differ in length`);
    const enc = labels ? encodeLabels(labels.map(String)) : null;
    return {
      features: Array.from({ length: d }, (_, j) => `x${j}`),
      x,
      y: enc?.y ?? null,
      classes: enc?.classes ?? null,
      ...columnBounds(x, d),
    };
  }
  const rows = parseCsv(readText(file), file);
  const [header, ...body] = rows;
  if (!header || body.length === 0) throw new WardenError("E_DATA_PARSE", `${file}: no header or no data rows`);
  return tableToDataset(header, body, { ...opts, file });
}

/** Loads a text dataset: a CSV column of texts (default "text") or JSON inputs that are strings. */
export function loadTextDataset(file: string, opts: { labels?: string; textColumn?: string } = {}): TextDataset {
  if (file.endsWith(".json")) {
    const { inputs, labels } = readJsonData(file);
    if (!inputs.every((t) => typeof t === "string"))
      throw new WardenError("E_DATA_PARSE", `${file}: text inputs must be strings`);
    const enc = labels ? encodeLabels(labels.map(String)) : null;
    return { texts: inputs as string[], y: enc?.y ?? null, classes: enc?.classes ?? null };
  }
  const [header, ...body] = parseCsv(readText(file), file);
  if (!header) throw new WardenError("E_DATA_PARSE", `${file}: empty`);
  const tc = header.indexOf(opts.textColumn ?? "text");
  if (tc < 0) throw new WardenError("E_USAGE", `${file}: no text column "${opts.textColumn ?? "text"}"`);
  const texts = body.map((r) => r[tc] ?? "");
  if (opts.labels === undefined) return { texts, y: null, classes: null };
  const li = header.indexOf(opts.labels);
  if (li < 0) throw new WardenError("E_USAGE", `${file}: no label column "${opts.labels}"`);
  const enc = encodeLabels(body.map((r) => r[li] ?? ""));
  return { texts, y: enc.y, classes: enc.classes };
}

/** Standardises columns to zero mean and unit variance (constant columns are centred only). */
export function standardize(x: readonly (readonly number[])[]): { x: number[][]; mean: number[]; std: number[] } {
  const d = x[0]?.length ?? 0;
  const mean = new Array<number>(d).fill(0);
  const std = new Array<number>(d).fill(0);
  for (const r of x) for (let j = 0; j < d; j++) mean[j] = (mean[j] as number) + (r[j] as number) / x.length;
  for (const r of x)
    for (let j = 0; j < d; j++) std[j] = (std[j] as number) + ((r[j] as number) - (mean[j] as number)) ** 2 / x.length;
  for (let j = 0; j < d; j++) std[j] = Math.sqrt(std[j] as number) || 1;
  return { x: x.map((r) => r.map((v, j) => (v - (mean[j] as number)) / (std[j] as number))), mean, std };
}
