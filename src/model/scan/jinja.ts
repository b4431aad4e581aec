/**
 * Checks Jinja chat templates (GGUF `tokenizer.chat_template`, tokenizer configs) for server-side template injection:
 * access to Python internals through dunder attributes, the known sandbox-escape objects of Jinja's globals
 * (`lipsum`, `cycler`, `joiner`, `namespace`, `self`), and escape sequences that spell underscores to hide them
 * (CVE-2024-34359 "llama-drama").
 */
import type { RawFinding } from "./raw-finding.ts";

const DUNDER = /__[A-Za-z0-9]+__/g;
const GADGET =
  /\b(?:lipsum|cycler|joiner|self\._TemplateReference__context|config\.items|request\.application|url_for|get_flashed_messages)\b/g;
const HIDDEN_UNDERSCORE = /\\x5f|\\u005f|\\U0000005f|\\137|\|\s*attr\s*\(|\[\s*['"]_|~\s*['"]_/gi;
const PY_CALL =
  /\b(?:os\.popen|os\.system|subprocess|__import__|eval\s*\(|exec\s*\(|popen\s*\(|\.read\s*\(\s*\)\s*}})/g;

/** Findings for one template; `what` names it in messages (e.g. the metadata key). */
export function checkTemplate(text: string, what: string, offset?: number): RawFinding[] {
  const out: RawFinding[] = [];
  const add = (severity: "high" | "medium", message: string): void => {
    const f: RawFinding = { rule: "template-injection", severity, message };
    if (offset !== undefined) f.offset = offset;
    out.push(f);
  };
  const sample = text.length > 1_000_000 ? text.slice(0, 1_000_000) : text;
  const dunders = new Set(sample.match(DUNDER) ?? []);
  if (dunders.size > 0)
    add("high", `${what} reaches Python internals through ${[...dunders].slice(0, 5).join(", ")} (template injection)`);
  const gadgets = new Set(sample.match(GADGET) ?? []);
  if (gadgets.size > 0)
    add("high", `${what} uses Jinja objects known for sandbox escapes: ${[...gadgets].slice(0, 5).join(", ")}`);
  const calls = new Set(sample.match(PY_CALL) ?? []);
  if (calls.size > 0) add("high", `${what} names process or code execution: ${[...calls].slice(0, 5).join(", ")}`);
  const hidden = new Set(sample.match(HIDDEN_UNDERSCORE) ?? []);
  if (hidden.size > 0)
    add(
      "medium",
      `${what} builds attribute names indirectly (${[...hidden].slice(0, 5).join(", ")}), a way to hide dunders`,
    );
  if (text.length > sample.length) add("medium", `${what} is longer than 1 MB; only the first megabyte was checked`);
  return out;
}
