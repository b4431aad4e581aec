/**
 * Runs a parsed DP query over a stream of records (CSV or JSONL rows): plans the mechanism and its privacy cost from
 * the options alone (so the budget can be checked before any data is read), then makes one streaming pass with
 * clamping and releases the noisy answer. Neighbouring datasets differ by adding or removing one row.
 */
import { WardenError } from "../../core/errors.ts";
import { detectFormat } from "../tabular/format.ts";
import { readRecords } from "../validate/records.ts";
import type { PrivacyCost } from "./budget.ts";
import {
  dpQuantile,
  gaussianMechanism,
  laplaceMechanism,
  type NoisyRelease,
  rhoFromEpsilonDelta,
} from "./mechanisms.ts";
import type { DpQuery, QueryFilter } from "./query.ts";
import type { RandomSource } from "./random.ts";
import { scanCsvColumns } from "./scan.ts";

/** One input row with its 1-based line number. */
export interface DpRow {
  line: number;
  record: Readonly<Record<string, unknown>>;
}

/** How Gaussian queries are charged: as ρ under zCDP (default) or as their (ε, δ) under basic composition. */
export type GaussianAccounting = "zcdp" | "basic";

/** Options of a DP query. Without `delta` the Laplace (or exponential) mechanism is used; with it, Gaussian. */
export interface DpQueryOptions {
  epsilon: number;
  delta?: number;
  /** Clamping bounds [lo, hi]: required for sum, mean, quantile and numeric histograms. */
  bounds?: [number, number];
  /** Equal-width bins over the bounds, for a numeric histogram. */
  bins?: number;
  /** Declared categories, for a categorical histogram (other values fall in "(other)"). */
  categories?: string[];
  accounting?: GaussianAccounting;
  /** Largest number of values a quantile keeps in memory (default 50 million). */
  maxValues?: number;
}

/** A planned query: the mechanism and the privacy cost, known before the data is read. */
export interface DpPlan {
  query: DpQuery;
  mechanism: "laplace" | "gaussian" | "exponential";
  epsilon: number;
  delta: number;
  /** zCDP parameter of the Gaussian noise (0 otherwise). */
  rho: number;
  cost: PrivacyCost;
  options: DpQueryOptions;
}

/** A released answer. `value` for scalar aggregates, `bins` for histograms. */
export interface DpResult {
  aggregate: DpQuery["aggregate"];
  column?: string;
  quantile?: number;
  mechanism: DpPlan["mechanism"];
  epsilon: number;
  delta: number;
  rho: number;
  /** Noise scale: Laplace b or Gaussian σ of the main release (absent for the exponential mechanism). */
  noiseScale?: number;
  value?: number;
  bins?: { bin: string; value: number }[];
}

const OTHER = "(other)";
const MAX_BINS = 10_000;

function usage(message: string): WardenError {
  return new WardenError("E_USAGE", message);
}

/** Checks the options against the query and computes mechanism and cost. Throws `E_USAGE` on bad options. */
export function planQuery(query: DpQuery, options: DpQueryOptions): DpPlan {
  const { epsilon, delta } = options;
  if (!(Number.isFinite(epsilon) && epsilon > 0)) throw usage(`--epsilon must be a positive number, got ${epsilon}`);
  if (epsilon > 100) throw usage(`--epsilon ${epsilon} gives no meaningful privacy; use a value below 100`);
  if (delta !== undefined && !(delta > 0 && delta < 1)) throw usage(`--delta must be in (0, 1), got ${delta}`);
  const needsBounds = query.aggregate !== "count" && !(query.aggregate === "histogram" && options.categories);
  if (options.bounds) {
    const [lo, hi] = options.bounds;
    if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo < hi)) {
      throw usage(`--bounds must be two finite numbers lo,hi with lo < hi, got ${lo},${hi}`);
    }
  } else if (needsBounds) {
    throw usage(`${query.aggregate}(${query.column ?? ""}) needs --bounds lo,hi (clamping bounds fix its sensitivity)`);
  }
  if (query.aggregate === "histogram") {
    if (options.bins !== undefined && options.categories) throw usage("give either --bins or --categories, not both");
    if (options.categories) {
      if (options.categories.length === 0 || options.categories.length > MAX_BINS) {
        throw usage(`--categories needs 1 to ${MAX_BINS} values`);
      }
    } else if (!(Number.isInteger(options.bins) && options.bins! >= 1 && options.bins! <= MAX_BINS)) {
      throw usage(`histogram needs --bins N (1..${MAX_BINS}) with --bounds, or --categories a,b,c`);
    }
  }
  if (query.aggregate === "quantile" && delta !== undefined) {
    throw usage("quantiles use the exponential mechanism (pure ε-DP): drop --delta");
  }
  const mechanism = query.aggregate === "quantile" ? "exponential" : delta === undefined ? "laplace" : "gaussian";
  const rho = mechanism === "gaussian" ? rhoFromEpsilonDelta(epsilon, delta!) : 0;
  const cost: PrivacyCost =
    mechanism === "gaussian" && (options.accounting ?? "zcdp") === "zcdp"
      ? { epsilon: 0, delta: 0, rho }
      : { epsilon, delta: delta ?? 0, rho: 0 };
  return { query, mechanism, epsilon, delta: delta ?? 0, rho, cost, options };
}

/** Parses a cell as a number: numbers pass, numeric strings are converted, empty/null is missing (undefined). */
function numericCell(value: unknown, label: string, line: number, column: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "number") {
    if (Number.isFinite(value)) return value;
  } else if (typeof value === "string") {
    const s = value.trim();
    if (s === "") return undefined;
    const n = Number(s);
    if (Number.isFinite(n)) return n;
  }
  throw new WardenError(
    "E_DATA_PARSE",
    `${label}:${line}: column "${column}": ${JSON.stringify(value).slice(0, 60)} is not a number; fix the value or choose a numeric column`,
    { details: { file: label, line, column } },
  );
}

/** A predicate over the filter column's cell. */
function matcher(filter: QueryFilter): (cell: unknown) => boolean {
  const { op, value } = filter;
  if (op === "=" || op === "!=") {
    const want = String(value);
    const numeric = typeof value === "number";
    return (cell) => {
      let eq: boolean;
      if (cell === undefined || cell === null) eq = false;
      else if (numeric) eq = Number(typeof cell === "string" ? cell.trim() : cell) === value;
      else eq = String(cell) === want;
      return op === "=" ? eq : !eq;
    };
  }
  const v = value as number;
  return (cell) => {
    const n =
      typeof cell === "number" ? cell : typeof cell === "string" && cell.trim() !== "" ? Number(cell) : Number.NaN;
    if (Number.isNaN(n)) return false;
    return op === "<" ? n < v : op === "<=" ? n <= v : op === ">" ? n > v : n >= v;
  };
}

const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x));

/** The exact, private tallies of one query, fed one row at a time; `release` adds the noise. */
class Tally {
  count = 0;
  sum = 0;
  values: Float64Array | undefined;
  readonly hist: Float64Array | undefined;
  readonly #plan: DpPlan;
  readonly #label: string;
  readonly #where: ((cell: unknown) => boolean) | undefined;
  readonly #categoryIndex: Map<string, number>;
  readonly #bins: number;
  readonly #lo: number;
  readonly #hi: number;
  readonly #mid: number;
  readonly #maxValues: number;

  constructor(plan: DpPlan, label: string) {
    const { query, options } = plan;
    this.#plan = plan;
    this.#label = label;
    this.#where = query.where ? matcher(query.where) : undefined;
    [this.#lo, this.#hi] = options.bounds ?? [0, 1];
    this.#mid = (this.#lo + this.#hi) / 2;
    this.#maxValues = options.maxValues ?? 50_000_000;
    this.#bins = options.categories ? options.categories.length + 1 : (options.bins ?? 0);
    this.#categoryIndex = new Map((options.categories ?? []).map((c, i) => [c, i]));
    this.values = query.aggregate === "quantile" ? new Float64Array(1024) : undefined;
    this.hist = query.aggregate === "histogram" ? new Float64Array(this.#bins) : undefined;
  }

  /** Adds one row given its aggregated column's cell and its filter column's cell. */
  add(line: number, cell: unknown, filterCell: unknown): void {
    if (this.#where && !this.#where(filterCell)) return;
    const { query, options } = this.#plan;
    if (query.column === undefined) {
      this.count++;
      return;
    }
    if (query.aggregate === "histogram" && options.categories) {
      if (cell === undefined || cell === null) return;
      this.hist![this.#categoryIndex.get(String(cell)) ?? this.#bins - 1]! += 1;
      return;
    }
    if (query.aggregate === "count") {
      // count(col) counts rows whose cell is present (any type): no parsing, no bounds.
      if (cell !== undefined && cell !== null && !(typeof cell === "string" && cell.trim() === "")) this.count++;
      return;
    }
    const x = numericCell(cell, this.#label, line, query.column);
    if (x === undefined) return;
    const v = clamp(x, this.#lo, this.#hi);
    switch (query.aggregate) {
      case "sum":
        this.sum += v;
        break;
      case "mean":
        this.sum += v - this.#mid;
        this.count++;
        break;
      case "histogram": {
        const b = Math.min(this.#bins - 1, Math.floor(((v - this.#lo) / (this.#hi - this.#lo)) * this.#bins));
        this.hist![b]! += 1;
        break;
      }
      case "quantile":
        if (this.count >= this.values!.length) {
          if (this.count >= this.#maxValues) {
            throw new WardenError(
              "E_INPUT_TOO_LARGE",
              `${this.#label}: more than ${this.#maxValues} values for a quantile`,
            );
          }
          const grown = new Float64Array(Math.min(this.#maxValues, this.values!.length * 2));
          grown.set(this.values!);
          this.values = grown;
        }
        this.values![this.count++] = v;
        break;
    }
  }
}

/**
 * Runs a planned query over `rows` (from `readCsv`/`readJsonl`) and releases the noisy answer. `label` names the
 * file in errors. A column never present in any row is an `E_USAGE` error.
 */
export async function runQuery(
  plan: DpPlan,
  rows: AsyncIterable<DpRow> | Iterable<DpRow>,
  label: string,
  rng: RandomSource,
): Promise<DpResult> {
  const { query } = plan;
  const col = query.column;
  const filterCol = query.where?.column;
  const tally = new Tally(plan, label);
  let seenColumn = col === undefined;
  let seenFilterColumn = filterCol === undefined;
  for await (const { line, record } of rows) {
    if (!seenColumn && col! in record) seenColumn = true;
    if (!seenFilterColumn && filterCol! in record) seenFilterColumn = true;
    tally.add(
      line,
      col === undefined ? undefined : record[col],
      filterCol === undefined ? undefined : record[filterCol],
    );
  }
  if (!seenColumn) throw usage(`column "${col}" not found in ${label}`);
  if (!seenFilterColumn) throw usage(`filter column "${filterCol}" not found in ${label}`);
  return release(plan, tally, rng);
}

/**
 * Runs a planned query over a file: CSV and TSV through the column-projecting scanner (fast on very large files),
 * JSON Lines through the JSONL reader. `format` is csv, tsv or jsonl (default: from the extension).
 */
export async function runQueryOnFile(
  plan: DpPlan,
  path: string,
  rng: RandomSource,
  format?: string,
): Promise<DpResult> {
  const f = detectFormat(path, format);
  if (f !== "csv" && f !== "tsv") return runQuery(plan, readRecords(path, format), path, rng);
  const { query } = plan;
  const wanted = [query.column, query.where?.column].filter((c): c is string => c !== undefined);
  const tally = new Tally(plan, path);
  const colSlot = query.column === undefined ? -1 : 0;
  const filterSlot = query.where === undefined ? -1 : wanted.length - 1;
  for await (const batch of scanCsvColumns(path, wanted, f === "tsv" ? "\t" : ",")) {
    const cells = colSlot < 0 ? undefined : batch.columns[colSlot]!;
    const filters = filterSlot < 0 ? undefined : batch.columns[filterSlot]!;
    for (let i = 0; i < batch.size; i++) tally.add(batch.lines[i]!, cells?.[i], filters?.[i]);
  }
  return release(plan, tally, rng);
}

function noisy(plan: DpPlan, xs: number[], sensitivity: number, share: number, rng: RandomSource): NoisyRelease {
  return plan.mechanism === "gaussian"
    ? gaussianMechanism(xs, sensitivity, plan.rho * share, rng)
    : laplaceMechanism(xs, sensitivity, plan.epsilon * share, rng);
}

function release(plan: DpPlan, t: Tally, rng: RandomSource): DpResult {
  const { query, options } = plan;
  const [lo, hi] = options.bounds ?? [0, 1];
  const base: DpResult = {
    aggregate: query.aggregate,
    ...(query.column === undefined ? {} : { column: query.column }),
    ...(query.quantile === undefined ? {} : { quantile: query.quantile }),
    mechanism: plan.mechanism,
    epsilon: plan.epsilon,
    delta: plan.delta,
    rho: plan.rho,
  };
  switch (query.aggregate) {
    case "count": {
      const r = noisy(plan, [t.count], 1, 1, rng);
      return { ...base, noiseScale: r.scale, value: r.values[0]! };
    }
    case "sum": {
      const r = noisy(plan, [t.sum], Math.max(Math.abs(lo), Math.abs(hi)), 1, rng);
      return { ...base, noiseScale: r.scale, value: r.values[0]! };
    }
    case "mean": {
      const s = noisy(plan, [t.sum], (hi - lo) / 2, 0.5, rng);
      const c = noisy(plan, [t.count], 1, 0.5, rng);
      const value = clamp(lo + (hi - lo) / 2 + s.values[0]! / Math.max(1, c.values[0]!), lo, hi);
      return { ...base, noiseScale: s.scale, value };
    }
    case "histogram": {
      const r = noisy(plan, Array.from(t.hist!), 1, 1, rng);
      const labels = options.categories
        ? [...options.categories, OTHER]
        : r.values.map((_, i) => {
            const w = (hi - lo) / r.values.length;
            return `[${lo + i * w}, ${i === r.values.length - 1 ? `${hi}]` : `${lo + (i + 1) * w})`}`;
          });
      return { ...base, noiseScale: r.scale, bins: r.values.map((value, i) => ({ bin: labels[i]!, value })) };
    }
    case "quantile": {
      const sorted = t.values!.subarray(0, t.count).sort();
      return { ...base, value: dpQuantile(sorted, query.quantile!, lo, hi, plan.epsilon, rng) };
    }
  }
}
