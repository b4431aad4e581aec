/**
 * k-anonymity (Sweeney 2002, "k-anonymity: a model for protecting privacy"): every combination of quasi-identifier
 * values must be shared by at least k records. Streams the rows once, grouping by the (optionally generalised)
 * quasi-identifier values, and reports the smallest class and the rows in classes smaller than k.
 */
import { WardenError } from "../../core/errors.ts";
import { type GeneralizeKind, generalize } from "./operators.ts";

/** A row to check: its line number and its values by column. */
export interface KanonRow {
  line: number;
  record: Readonly<Record<string, unknown>>;
}

/** Options of {@link kAnonymity}. */
export interface KanonOptions {
  quasi: readonly string[];
  k: number;
  /** Generalisation applied to quasi-identifier columns before grouping. */
  generalize?: Readonly<Record<string, GeneralizeKind>>;
  /** Most violating rows listed (default 1000); counts stay exact. */
  maxRows?: number;
}

/** One equivalence class smaller than k. */
export interface KanonViolation {
  values: Record<string, string>;
  count: number;
  lines: number[];
}

/** Result of {@link kAnonymity}. */
export interface KanonReport {
  k: number;
  quasi: string[];
  rows: number;
  classes: number;
  /** The dataset's k: the size of its smallest equivalence class (0 for no rows). */
  achievedK: number;
  satisfied: boolean;
  /** Rows in classes smaller than k. */
  violatingRows: number;
  violations: KanonViolation[];
  truncated: boolean;
}

/** Computes k-anonymity of `rows` over the quasi-identifier columns. */
export async function kAnonymity(rows: AsyncIterable<KanonRow>, opts: KanonOptions): Promise<KanonReport> {
  if (!Number.isInteger(opts.k) || opts.k < 1) throw new WardenError("E_USAGE", `k must be a positive integer`);
  if (opts.quasi.length === 0) throw new WardenError("E_USAGE", "name at least one quasi-identifier column");
  const maxRows = opts.maxRows ?? 1000;
  const classes = new Map<string, { values: string[]; count: number; lines: number[] }>();
  let n = 0;
  for await (const row of rows) {
    n++;
    const values = opts.quasi.map((col) => {
      if (!(col in row.record)) {
        throw new WardenError("E_USAGE", `line ${row.line}: no column "${col}"; check --quasi`);
      }
      const raw = row.record[col];
      const v = typeof raw === "string" ? raw : JSON.stringify(raw ?? null);
      const kind = opts.generalize?.[col];
      return kind ? generalize(v, kind) : v;
    });
    const key = JSON.stringify(values);
    const c = classes.get(key) ?? { values, count: 0, lines: [] };
    classes.set(key, c);
    c.count++;
    if (c.lines.length < opts.k) c.lines.push(row.line);
  }
  const violations: KanonViolation[] = [];
  let violatingRows = 0;
  let listed = 0;
  let truncated = false;
  let achieved = Number.POSITIVE_INFINITY;
  for (const c of classes.values()) {
    achieved = Math.min(achieved, c.count);
    if (c.count >= opts.k) continue;
    violatingRows += c.count;
    if (listed >= maxRows) {
      truncated = true;
      continue;
    }
    listed += c.lines.length;
    violations.push({
      values: Object.fromEntries(opts.quasi.map((q, i) => [q, c.values[i]!])),
      count: c.count,
      lines: c.lines,
    });
  }
  violations.sort((a, b) => a.count - b.count || (a.lines[0] ?? 0) - (b.lines[0] ?? 0));
  return {
    k: opts.k,
    quasi: [...opts.quasi],
    rows: n,
    classes: classes.size,
    achievedK: n === 0 ? 0 : achieved,
    satisfied: n === 0 || achieved >= opts.k,
    violatingRows,
    violations,
    truncated,
  };
}
