/**
 * `warden data check`: validates a table against a schema (types, ranges, enums, patterns, uniqueness, presence,
 * null rates), profiles it, and compares the profile with a reference version for drift. One streaming pass per file.
 */
import RE2 from "re2";
import { columnDrift, type DriftResult } from "./drift.ts";
import { asKey, asNumber, type DataProfile, isNull, TableProfiler } from "./profile.ts";
import type { ColumnRules, ValidationSchema } from "./schema.ts";

/** One rule broken. `row` is the 1-based line number in the file, for row-level rules. */
export interface Violation {
  rule:
    | "type"
    | "min"
    | "max"
    | "enum"
    | "pattern"
    | "unique"
    | "missing-column"
    | "extra-column"
    | "null-rate"
    | "drift"
    | "limit";
  column?: string;
  row?: number;
  detail: string;
}

/** The report of a check. */
export interface CheckReport {
  ok: boolean;
  file: string;
  reference?: string;
  rows: number;
  /** Row-level violations are listed up to `maxViolationsPerRule` per rule and column; all are counted here. */
  violationCounts: Record<string, number>;
  violations: Violation[];
  profile: DataProfile;
  drift: DriftResult[];
}

/** A row stream as produced by the tabular readers. */
export type RowStream = AsyncIterable<{ line: number; record: Readonly<Record<string, unknown>> }>;

const INTEGER = /^[+-]?\d+$/;
const MAX_UNIQUE_TRACKED = 10_000_000;

function typeOk(type: ColumnRules["type"], v: unknown): boolean {
  switch (type) {
    case "string":
      return typeof v === "string" || typeof v === "number" || typeof v === "boolean";
    case "number":
      return asNumber(v) !== undefined;
    case "integer":
      return typeof v === "number" ? Number.isInteger(v) : typeof v === "string" && INTEGER.test(v.trim());
    case "boolean":
      return typeof v === "boolean" || (typeof v === "string" && /^(true|false)$/i.test(v.trim()));
  }
}

interface ColumnCheck {
  name: string;
  rules: ColumnRules;
  pattern: RE2 | undefined;
  allowed: Set<string> | undefined;
  seen: Map<string, number> | undefined;
}

/** Profiles a stream (no rules): used for the reference version. */
export async function profileStream(rows: RowStream): Promise<TableProfiler> {
  const p = new TableProfiler();
  for await (const { record } of rows) p.add(record);
  return p;
}

/**
 * Checks `rows` against `schema`; with `reference`, also tests every schema column for drift. `label` names the file.
 * The report's `ok` is false when any violation was found.
 */
export async function checkData(
  rows: RowStream,
  schema: ValidationSchema,
  label: string,
  reference?: { rows: RowStream; label: string },
): Promise<CheckReport> {
  const profiler = new TableProfiler();
  const violations: Violation[] = [];
  const counts = new Map<string, number>();
  const report = (v: Violation): void => {
    const key = `${v.rule}:${v.column ?? ""}`;
    const n = (counts.get(key) ?? 0) + 1;
    counts.set(key, n);
    if (v.row === undefined || n <= schema.maxViolationsPerRule) violations.push(v);
  };
  const checks: ColumnCheck[] = Object.entries(schema.columns).map(([name, rules]) => ({
    name,
    rules,
    pattern: rules.pattern === undefined ? undefined : new RE2(`^(?:${rules.pattern})$`, "u"),
    allowed: rules.enum ? new Set(rules.enum.map(String)) : undefined,
    seen: rules.unique ? new Map() : undefined,
  }));
  let uniqueCapped = false;

  for await (const { line, record } of rows) {
    profiler.add(record);
    for (const c of checks) {
      const v = record[c.name];
      if (isNull(v)) continue;
      const { rules } = c;
      if (!typeOk(rules.type, v)) {
        report({ rule: "type", column: c.name, row: line, detail: `${preview(v)} is not ${article(rules.type)}` });
        continue;
      }
      if (rules.type === "number" || rules.type === "integer") {
        const x = asNumber(v)!;
        if (rules.min !== undefined && x < rules.min)
          report({ rule: "min", column: c.name, row: line, detail: `${x} is below ${rules.min}` });
        if (rules.max !== undefined && x > rules.max)
          report({ rule: "max", column: c.name, row: line, detail: `${x} is above ${rules.max}` });
      }
      const key = asKey(v);
      if (c.allowed && !c.allowed.has(key))
        report({ rule: "enum", column: c.name, row: line, detail: `${preview(v)} is not one of the allowed values` });
      if (c.pattern && !c.pattern.test(key))
        report({ rule: "pattern", column: c.name, row: line, detail: `${preview(v)} does not match ${rules.pattern}` });
      if (c.seen) {
        const first = c.seen.get(key);
        if (first !== undefined)
          report({
            rule: "unique",
            column: c.name,
            row: line,
            detail: `${preview(v)} already appears on line ${first}`,
          });
        else if (c.seen.size < MAX_UNIQUE_TRACKED) c.seen.set(key, line);
        else uniqueCapped = true;
      }
    }
  }

  for (const c of checks) {
    const acc = profiler.columns.get(c.name);
    if (!acc || acc.nulls === acc.count) {
      if (!acc && c.rules.required)
        report({ rule: "missing-column", column: c.name, detail: `column "${c.name}" is not in ${label}` });
      if (!acc) continue;
    }
    const rate = acc.count === 0 ? 0 : acc.nulls / acc.count;
    if (rate > c.rules.maxNullRate) {
      report({
        rule: "null-rate",
        column: c.name,
        detail: `null rate ${round(rate)} is above ${c.rules.maxNullRate} (${acc.nulls} of ${acc.count})`,
      });
    }
  }
  if (!schema.allowExtraColumns) {
    for (const name of profiler.columns.keys()) {
      if (!(name in schema.columns))
        report({ rule: "extra-column", column: name, detail: `column "${name}" is not in the schema` });
    }
  }
  if (uniqueCapped)
    report({ rule: "limit", detail: `uniqueness was checked on the first ${MAX_UNIQUE_TRACKED} distinct values only` });
  if (profiler.columnsCapped)
    report({ rule: "limit", detail: "more than 1000 columns: the extra columns were not profiled" });

  const drift: DriftResult[] = [];
  if (reference) {
    const ref = await profileStream(reference.rows);
    for (const c of checks) {
      const a = ref.columns.get(c.name);
      const b = profiler.columns.get(c.name);
      if (!a || !b || a.count === a.nulls || b.count === b.nulls) continue;
      const numeric =
        c.rules.type === "number" ||
        c.rules.type === "integer" ||
        (c.rules.type === "string" && a.isNumeric && b.isNumeric && !c.allowed);
      const d = columnDrift(c.name, a, b, numeric, schema.drift.alpha, schema.drift.minPsi);
      drift.push(d);
      if (d.drifted) {
        report({
          rule: "drift",
          column: c.name,
          detail: `distribution differs from ${reference.label}: ${d.test} statistic ${round(d.statistic)}, p=${d.pValue.toExponential(2)}, PSI ${round(d.psi)}`,
        });
      }
    }
  }

  return {
    ok: violations.length === 0,
    file: label,
    ...(reference ? { reference: reference.label } : {}),
    rows: profiler.rows,
    violationCounts: Object.fromEntries(counts),
    violations,
    profile: profiler.summary(),
    drift,
  };
}

function preview(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function article(type: string): string {
  return type === "integer" ? "an integer" : `a ${type}`;
}

function round(x: number): number {
  return Number(x.toPrecision(4));
}
