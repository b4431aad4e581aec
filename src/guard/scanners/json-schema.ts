/**
 * Scanner "json-schema": structured output must be JSON valid against a schema. Implements the commonly used subset
 * of JSON Schema draft 2020-12: type, enum, const, properties, required, additionalProperties, items, prefixItems,
 * minItems/maxItems, minLength/maxLength, minimum/maximum/exclusive*, pattern (RE2), anyOf/oneOf/allOf/not.
 * A ```json fence around the output is accepted. Depth and error counts are bounded.
 */
import RE2 from "re2";
import type { Finding, Scanner } from "../types.ts";
import { makeResult } from "./result.ts";

type Schema = Record<string, unknown> | boolean;

const patternCache = new Map<string, InstanceType<typeof RE2> | null>();
function pattern(source: string): InstanceType<typeof RE2> | null {
  let re = patternCache.get(source);
  if (re === undefined) {
    try {
      re = new RE2(source, "u");
    } catch {
      re = null;
    }
    if (patternCache.size < 1000) patternCache.set(source, re);
  }
  return re;
}

function typeOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

function typeMatches(v: unknown, t: string): boolean {
  const actual = typeOf(v);
  return actual === t || (t === "number" && actual === "integer");
}

/** Validates `value` against `schema`; returns error messages with JSON-pointer paths (at most `max`). */
export function validateJson(value: unknown, schema: Schema, path = "", depth = 0, max = 20): string[] {
  if (schema === true) return [];
  if (schema === false) return [`${path || "/"}: not allowed`];
  if (depth > 64) return [`${path || "/"}: schema nesting too deep`];
  const s = schema as Record<string, unknown>;
  const errors: string[] = [];
  const push = (m: string) => {
    if (errors.length < max) errors.push(`${path || "/"}: ${m}`);
  };
  if (s.type !== undefined) {
    const types = Array.isArray(s.type) ? (s.type as string[]) : [s.type as string];
    if (!types.some((t) => typeMatches(value, t))) push(`expected ${types.join("|")}, got ${typeOf(value)}`);
  }
  if (Array.isArray(s.enum) && !s.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) push("not in enum");
  if ("const" in s && JSON.stringify(s.const) !== JSON.stringify(value)) push("not the constant");
  if (typeof value === "string") {
    if (typeof s.minLength === "number" && [...value].length < s.minLength) push(`shorter than ${s.minLength}`);
    if (typeof s.maxLength === "number" && [...value].length > s.maxLength) push(`longer than ${s.maxLength}`);
    if (typeof s.pattern === "string") {
      const re = pattern(s.pattern);
      if (re === null) push(`pattern ${s.pattern} is not valid RE2`);
      else if (!re.test(value)) push(`does not match ${s.pattern}`);
    }
  }
  if (typeof value === "number") {
    if (typeof s.minimum === "number" && value < s.minimum) push(`below ${s.minimum}`);
    if (typeof s.maximum === "number" && value > s.maximum) push(`above ${s.maximum}`);
    if (typeof s.exclusiveMinimum === "number" && value <= s.exclusiveMinimum) push(`not above ${s.exclusiveMinimum}`);
    if (typeof s.exclusiveMaximum === "number" && value >= s.exclusiveMaximum) push(`not below ${s.exclusiveMaximum}`);
  }
  if (Array.isArray(value)) {
    if (typeof s.minItems === "number" && value.length < s.minItems) push(`fewer than ${s.minItems} items`);
    if (typeof s.maxItems === "number" && value.length > s.maxItems) push(`more than ${s.maxItems} items`);
    const prefix = Array.isArray(s.prefixItems) ? (s.prefixItems as Schema[]) : [];
    value.forEach((item, i) => {
      const sub = i < prefix.length ? prefix[i] : (s.items as Schema | undefined);
      if (sub !== undefined && errors.length < max)
        errors.push(...validateJson(item, sub, `${path}/${i}`, depth + 1, max - errors.length));
    });
  }
  if (typeOf(value) === "object") {
    const obj = value as Record<string, unknown>;
    const props = (s.properties ?? {}) as Record<string, Schema>;
    for (const r of Array.isArray(s.required) ? (s.required as string[]) : []) {
      if (!(r in obj)) push(`missing required property "${r}"`);
    }
    for (const [k, v] of Object.entries(obj)) {
      if (errors.length >= max) break;
      const sub = props[k];
      if (sub !== undefined) errors.push(...validateJson(v, sub, `${path}/${k}`, depth + 1, max - errors.length));
      else if (s.additionalProperties !== undefined) {
        errors.push(
          ...validateJson(v, s.additionalProperties as Schema, `${path}/${k}`, depth + 1, max - errors.length),
        );
      }
    }
  }
  if (Array.isArray(s.allOf))
    for (const sub of s.allOf as Schema[]) errors.push(...validateJson(value, sub, path, depth + 1, max));
  if (
    Array.isArray(s.anyOf) &&
    !(s.anyOf as Schema[]).some((sub) => validateJson(value, sub, path, depth + 1, 1).length === 0)
  ) {
    push("matches none of anyOf");
  }
  if (Array.isArray(s.oneOf)) {
    const n = (s.oneOf as Schema[]).filter((sub) => validateJson(value, sub, path, depth + 1, 1).length === 0).length;
    if (n !== 1) push(`matches ${n} of oneOf, expected exactly 1`);
  }
  if (s.not !== undefined && validateJson(value, s.not as Schema, path, depth + 1, 1).length === 0) push("matches not");
  return errors.slice(0, max);
}

/** Strips a surrounding ```json fence. */
function unfence(text: string): { body: string; offset: number } {
  const m = /^\s*```(?:json)?\s*\n([\s\S]*?)\n?```\s*$/.exec(text);
  return m ? { body: m[1] as string, offset: text.indexOf(m[1] as string) } : { body: text, offset: 0 };
}

/** Output scanner; does nothing unless a schema is given (options or `ctx.jsonSchema`). */
export function jsonSchemaScanner(opts: { schema?: unknown } = {}): Scanner {
  return {
    name: "json-schema",
    direction: "output",
    scan(text, ctx) {
      const schema = (ctx.jsonSchema ?? opts.schema) as Schema | undefined;
      if (schema === undefined) return makeResult("json-schema", 0, 0.5, []);
      const { body, offset } = unfence(text);
      let value: unknown;
      try {
        value = JSON.parse(body);
      } catch (e) {
        const f: Finding = {
          type: "invalid-json",
          start: offset,
          end: offset + body.length,
          detail: (e as Error).message,
        };
        return makeResult("json-schema", 1, 0.5, [f]);
      }
      const errors = validateJson(value, schema);
      const findings = errors.map((detail) => ({
        type: "schema-violation",
        start: offset,
        end: offset + body.length,
        detail,
      }));
      return makeResult("json-schema", errors.length > 0 ? 1 : 0, 0.5, findings);
    },
  };
}
