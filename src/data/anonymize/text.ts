/** Anonymises a text given its detected entities and operators per entity type. */
import type { PiiEntity } from "../pii/types.ts";
import { applyOperator, type Operator, type Operators } from "./operators.ts";

/** One replaced entity: its type, the operator used and its span in the output text. */
export interface AnonymizedItem {
  type: string;
  operator: Operator["type"];
  start: number;
  end: number;
}

/** Result of {@link anonymize}. */
export interface AnonymizeResult {
  text: string;
  items: AnonymizedItem[];
}

const DEFAULT_OPERATOR: Operator = { type: "replace" };

/**
 * Replaces each entity span in `text` using the operator for its type (or `operators.DEFAULT`, else a `<TYPE>` tag).
 * Entities may come in any order; overlapping or out-of-range spans are skipped (first by start wins).
 */
export function anonymize(text: string, entities: readonly PiiEntity[], operators: Operators = {}): AnonymizeResult {
  const sorted = [...entities]
    .filter((e) => Number.isInteger(e.start) && Number.isInteger(e.end) && e.start >= 0 && e.end <= text.length)
    .filter((e) => e.start < e.end)
    .sort((a, b) => a.start - b.start || b.end - a.end);
  const parts: string[] = [];
  const items: AnonymizedItem[] = [];
  let pos = 0;
  let outLen = 0;
  for (const e of sorted) {
    if (e.start < pos) continue;
    const op = operators[e.type] ?? operators["DEFAULT"] ?? DEFAULT_OPERATOR;
    const before = text.slice(pos, e.start);
    const replacement = applyOperator(op, e.type, text.slice(e.start, e.end));
    parts.push(before, replacement);
    outLen += before.length;
    items.push({ type: e.type, operator: op.type, start: outLen, end: outLen + replacement.length });
    outLen += replacement.length;
    pos = e.end;
  }
  parts.push(text.slice(pos));
  return { text: parts.join(""), items };
}
