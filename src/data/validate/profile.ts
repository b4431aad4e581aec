/**
 * Streaming statistical profile of a table: per column counts, null rate, distinct values (capped), numeric summary
 * (Welford mean/variance, min, max, quantiles from a reservoir sample) and the most frequent values. The raw sample and
 * category counts are kept for drift tests against a reference profile.
 */
import { type SeededRandom, seededRandom } from "./prng.ts";

/** Public summary of one column. */
export interface ColumnProfile {
  count: number;
  nulls: number;
  nullRate: number;
  /** Non-null values that parse as finite numbers. */
  numeric: number;
  distinct: number;
  /** True when more distinct values were seen than are tracked (then `distinct` is a lower bound). */
  distinctCapped: boolean;
  min?: number;
  max?: number;
  mean?: number;
  stdev?: number;
  quantiles?: { p05: number; p25: number; p50: number; p75: number; p95: number };
  top: { value: string; count: number }[];
}

/** Public summary of a table. */
export interface DataProfile {
  rows: number;
  columns: Record<string, ColumnProfile>;
}

export const MAX_DISTINCT = 10_000;
export const SAMPLE_SIZE = 100_000;
export const MAX_COLUMNS = 1000;

/** True for the values treated as missing: absent, null, or a blank string. */
export function isNull(v: unknown): boolean {
  return v === undefined || v === null || (typeof v === "string" && v.trim() === "");
}

/** The number a cell holds (numbers, or strings that parse as finite numbers), else undefined. */
export function asNumber(v: unknown): number | undefined {
  if (typeof v === "number") return Number.isFinite(v) ? v : undefined;
  if (typeof v === "string") {
    const s = v.trim();
    if (s === "") return undefined;
    const n = Number(s);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/** A cell as the string used for categories, enums and uniqueness. */
export function asKey(v: unknown): string {
  return typeof v === "string" ? v : typeof v === "object" ? JSON.stringify(v) : String(v);
}

/** Accumulates one column. */
export class ColumnAccumulator {
  count = 0;
  nulls = 0;
  numeric = 0;
  readonly counts = new Map<string, number>();
  distinctCapped = false;
  readonly sample: number[] = [];
  #seen = 0;
  #mean = 0;
  #m2 = 0;
  #min = Number.POSITIVE_INFINITY;
  #max = Number.NEGATIVE_INFINITY;
  readonly #rng: SeededRandom;

  constructor(seed: number) {
    this.#rng = seededRandom(seed);
  }

  add(v: unknown): void {
    this.count++;
    if (isNull(v)) {
      this.nulls++;
      return;
    }
    const key = asKey(v);
    const c = this.counts.get(key);
    if (c !== undefined) this.counts.set(key, c + 1);
    else if (this.counts.size < MAX_DISTINCT) this.counts.set(key, 1);
    else this.distinctCapped = true;
    const x = asNumber(v);
    if (x === undefined) return;
    this.numeric++;
    const d = x - this.#mean;
    this.#mean += d / this.numeric;
    this.#m2 += d * (x - this.#mean);
    if (x < this.#min) this.#min = x;
    if (x > this.#max) this.#max = x;
    // Reservoir sampling (Vitter's Algorithm R) keeps a uniform sample for quantiles and KS tests.
    this.#seen++;
    if (this.sample.length < SAMPLE_SIZE) this.sample.push(x);
    else {
      const j = this.#rng.int(this.#seen);
      if (j < SAMPLE_SIZE) this.sample[j] = x;
    }
  }

  /** True when most non-null values are numbers (the column is profiled as numeric). */
  get isNumeric(): boolean {
    const nonNull = this.count - this.nulls;
    return nonNull > 0 && this.numeric / nonNull >= 0.95;
  }

  summary(): ColumnProfile {
    const top = [...this.counts.entries()]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, 10)
      .map(([value, count]) => ({ value, count }));
    const out: ColumnProfile = {
      count: this.count,
      nulls: this.nulls,
      nullRate: this.count === 0 ? 0 : this.nulls / this.count,
      numeric: this.numeric,
      distinct: this.counts.size,
      distinctCapped: this.distinctCapped,
      top,
    };
    if (this.numeric > 0) {
      const sorted = Float64Array.from(this.sample).sort();
      const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
      out.min = this.#min;
      out.max = this.#max;
      out.mean = this.#mean;
      out.stdev = this.numeric > 1 ? Math.sqrt(this.#m2 / (this.numeric - 1)) : 0;
      out.quantiles = { p05: q(0.05), p25: q(0.25), p50: q(0.5), p75: q(0.75), p95: q(0.95) };
    }
    return out;
  }
}

/** Accumulates a whole table, column by column (at most MAX_COLUMNS columns). */
export class TableProfiler {
  rows = 0;
  readonly columns = new Map<string, ColumnAccumulator>();
  columnsCapped = false;

  add(record: Readonly<Record<string, unknown>>): void {
    this.rows++;
    for (const name of Object.keys(record)) {
      let acc = this.columns.get(name);
      if (!acc) {
        if (this.columns.size >= MAX_COLUMNS) {
          this.columnsCapped = true;
          continue;
        }
        acc = new ColumnAccumulator(this.columns.size + 1);
        // Rows before this column first appeared had it missing.
        for (let i = 1; i < this.rows; i++) acc.add(undefined);
        this.columns.set(name, acc);
      }
      acc.add(record[name]);
    }
    for (const [name, acc] of this.columns) if (!(name in record)) acc.add(undefined);
  }

  summary(): DataProfile {
    const columns: Record<string, ColumnProfile> = {};
    for (const [name, acc] of this.columns) columns[name] = acc.summary();
    return { rows: this.rows, columns };
  }
}
