/**
 * The DP query language: one aggregate with an optional filter.
 *
 *   query     := aggregate "(" [column ["," number]] ")" ["where" column op literal]
 *   aggregate := count | sum | mean | histogram | quantile | median
 *   column    := identifier | "double-quoted name"
 *   op        := = | != | < | <= | > | >=
 *   literal   := number | "double-quoted string" | identifier
 *
 * Bounded: at most 1,000 characters, no nesting. Errors are `E_USAGE` naming the 1-based column of the query.
 */
import { WardenError } from "../../core/errors.ts";

export type Aggregate = "count" | "sum" | "mean" | "histogram" | "quantile";
export type FilterOp = "=" | "!=" | "<" | "<=" | ">" | ">=";

/** A row filter: `column op value`. */
export interface QueryFilter {
  column: string;
  op: FilterOp;
  value: string | number;
}

/** A parsed query. `column` is absent only for `count()`; `quantile` is set for quantile/median. */
export interface DpQuery {
  aggregate: Aggregate;
  column?: string;
  quantile?: number;
  where?: QueryFilter;
}

export const MAX_QUERY_LENGTH = 1000;

type Token =
  | { kind: "ident"; text: string; pos: number }
  | { kind: "string"; text: string; pos: number }
  | { kind: "number"; value: number; text: string; pos: number }
  | { kind: "punct"; text: string; pos: number }
  | { kind: "end"; pos: number };

function queryError(pos: number, what: string): WardenError {
  return new WardenError(
    "E_USAGE",
    `query:1:${pos + 1}: ${what}; expected e.g. "mean(age)", "count() where sex = female", "quantile(age, 0.9)"`,
    { details: { column: pos + 1 } },
  );
}

const IDENT_START = /[A-Za-z_]/;
const IDENT_PART = /[A-Za-z0-9_.-]/;
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/;

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === " " || c === "\t") {
      i++;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      let text = "";
      while (j < src.length && src[j] !== '"') {
        if (src[j] === "\\" && j + 1 < src.length) j++;
        text += src[j];
        j++;
      }
      if (j >= src.length) throw queryError(i, "unterminated quoted string");
      tokens.push({ kind: "string", text, pos: i });
      i = j + 1;
      continue;
    }
    const num = NUMBER.exec(src.slice(i, i + 64));
    if (num && (/[\d.]/.test(c) || ((c === "-" || c === "+") && num[0].length > 1))) {
      const value = Number(num[0]);
      if (!Number.isFinite(value)) throw queryError(i, `number "${num[0]}" is out of range`);
      tokens.push({ kind: "number", value, text: num[0], pos: i });
      i += num[0].length;
      continue;
    }
    if (IDENT_START.test(c)) {
      let j = i + 1;
      while (j < src.length && IDENT_PART.test(src[j]!)) j++;
      tokens.push({ kind: "ident", text: src.slice(i, j), pos: i });
      i = j;
      continue;
    }
    const two = src.slice(i, i + 2);
    if (two === "!=" || two === "<=" || two === ">=") {
      tokens.push({ kind: "punct", text: two, pos: i });
      i += 2;
      continue;
    }
    if ("(),=<>".includes(c)) {
      tokens.push({ kind: "punct", text: c, pos: i });
      i++;
      continue;
    }
    throw queryError(i, `unexpected character ${JSON.stringify(c)}`);
  }
  tokens.push({ kind: "end", pos: src.length });
  return tokens;
}

function describe(t: Token): string {
  if (t.kind === "end") return "end of query";
  if (t.kind === "string") return `"${t.text}"`;
  return `"${t.text}"`;
}

/** Parses a DP query; throws `E_USAGE` with the position of the first error. */
export function parseQuery(src: string): DpQuery {
  if (src.length > MAX_QUERY_LENGTH)
    throw queryError(MAX_QUERY_LENGTH, `query is longer than ${MAX_QUERY_LENGTH} characters`);
  if (/[\r\n]/.test(src)) throw queryError(src.search(/[\r\n]/), "queries are a single line");
  const tokens = tokenize(src);
  let k = 0;
  const peek = (): Token => tokens[k]!;
  const next = (): Token => tokens[k++]!;
  const expectPunct = (p: string): void => {
    const t = next();
    if (t.kind !== "punct" || t.text !== p) throw queryError(t.pos, `expected "${p}", got ${describe(t)}`);
  };
  const column = (): string => {
    const t = next();
    if (t.kind === "ident" || t.kind === "string") {
      if (t.text.length === 0) throw queryError(t.pos, "empty column name");
      return t.text;
    }
    throw queryError(t.pos, `expected a column name, got ${describe(t)}`);
  };

  const head = next();
  if (head.kind !== "ident") throw queryError(head.pos, `expected an aggregate, got ${describe(head)}`);
  const name = head.text.toLowerCase();
  expectPunct("(");
  let query: DpQuery;
  switch (name) {
    case "count": {
      const t = peek();
      query = t.kind === "punct" && t.text === ")" ? { aggregate: "count" } : { aggregate: "count", column: column() };
      break;
    }
    case "sum":
    case "mean":
    case "histogram":
      query = { aggregate: name, column: column() };
      break;
    case "median":
      query = { aggregate: "quantile", column: column(), quantile: 0.5 };
      break;
    case "quantile": {
      const col = column();
      expectPunct(",");
      const q = next();
      if (q.kind !== "number" || !(q.value >= 0 && q.value <= 1)) {
        throw queryError(q.pos, `quantile must be a number between 0 and 1, got ${describe(q)}`);
      }
      query = { aggregate: "quantile", column: col, quantile: q.value };
      break;
    }
    default:
      throw queryError(head.pos, `unknown aggregate "${head.text}" (count, sum, mean, histogram, quantile, median)`);
  }
  expectPunct(")");
  const w = next();
  if (w.kind === "end") return query;
  if (w.kind !== "ident" || w.text.toLowerCase() !== "where")
    throw queryError(w.pos, `expected "where" or end, got ${describe(w)}`);
  const col = column();
  const opTok = next();
  if (opTok.kind !== "punct" || !["=", "!=", "<", "<=", ">", ">="].includes(opTok.text)) {
    throw queryError(opTok.pos, `expected a comparison (=, !=, <, <=, >, >=), got ${describe(opTok)}`);
  }
  const lit = next();
  let value: string | number;
  if (lit.kind === "number") value = lit.value;
  else if (lit.kind === "string" || lit.kind === "ident") value = lit.text;
  else throw queryError(lit.pos, `expected a value, got ${describe(lit)}`);
  const op = opTok.text as FilterOp;
  if (op !== "=" && op !== "!=" && typeof value !== "number") {
    throw queryError(lit.pos, `"${op}" compares numbers; got ${describe(lit)}`);
  }
  const end = next();
  if (end.kind !== "end") throw queryError(end.pos, `unexpected ${describe(end)} after the filter`);
  return { ...query, where: { column: col, op, value } };
}
