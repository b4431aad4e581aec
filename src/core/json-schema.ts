/**
 * A small, bounded JSON Schema validator (draft-07 subset) for validating Warden's own outputs against published
 * schemas in tests and before writing them: type, enum, const, properties, required, additionalProperties,
 * patternProperties, items (schema or tuple) with additionalItems, min/maxItems, uniqueItems, min/maxLength, pattern
 * (run on RE2: linear time), minimum/maximum (and exclusive forms), allOf/anyOf/oneOf/not, if/then/else, and $ref to
 * JSON pointers in the same document or in sibling schema files (e.g. `spdx.schema.json#/...`). `format` and
 * annotation keywords are ignored. See https://json-schema.org/draft-07/json-schema-validation.
 */
import RE2 from "re2";
import { canonicalJson } from "./canonical-json.ts";
import { WardenError } from "./errors.ts";

/** One violation: a JSON pointer into the instance and what is wrong there. */
export interface SchemaError {
  path: string;
  message: string;
}

type Schema = boolean | { [k: string]: unknown };
type Doc = { [k: string]: unknown };

const MAX_DEPTH = 200;
const MAX_ERRORS = 50;

function typeOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v;
}

function hasType(v: unknown, t: string): boolean {
  if (t === "integer") return typeof v === "number" && Number.isInteger(v);
  return typeOf(v) === t;
}

function esc(key: string): string {
  return key.replaceAll("~", "~0").replaceAll("/", "~1");
}

/** A compiled set of schemas: validate a value against the root schema. */
export class JsonSchemaValidator {
  readonly #docs = new Map<string, Doc>();
  readonly #root: string;
  readonly #regex = new Map<string, RE2>();

  /**
   * `root` is the main schema; `siblings` maps file names (as used in `$ref`, e.g. `spdx.schema.json`) to the
   * schemas they reference.
   */
  constructor(root: Doc, siblings: Record<string, Doc> = {}) {
    this.#root = "";
    this.#docs.set("", root);
    for (const [name, doc] of Object.entries(siblings)) this.#docs.set(name, doc);
  }

  /** Returns every violation found (at most 50); an empty list means the value is valid. */
  validate(value: unknown): SchemaError[] {
    const errors: SchemaError[] = [];
    const root = this.#docs.get(this.#root) as Doc;
    this.#check(root, this.#root, value, "", errors, 0);
    return errors;
  }

  #resolve(ref: string, doc: string): { schema: Schema; doc: string } {
    const hash = ref.indexOf("#");
    const file = hash === -1 ? ref : ref.slice(0, hash);
    const pointer = hash === -1 ? "" : ref.slice(hash + 1);
    const docName = file === "" ? doc : (file.split("/").pop() ?? file);
    let node: unknown = this.#docs.get(docName);
    if (node === undefined) throw new WardenError("E_INPUT_INVALID", `JSON schema $ref to unknown document "${file}"`);
    for (const raw of pointer.split("/").slice(1)) {
      const key = decodeURIComponent(raw).replaceAll("~1", "/").replaceAll("~0", "~");
      node = typeof node === "object" && node !== null ? (node as Record<string, unknown>)[key] : undefined;
      if (node === undefined) throw new WardenError("E_INPUT_INVALID", `JSON schema $ref "${ref}" does not resolve`);
    }
    return { schema: node as Schema, doc: docName };
  }

  #pattern(p: string): RE2 {
    let re = this.#regex.get(p);
    if (!re) {
      re = new RE2(p, "u");
      this.#regex.set(p, re);
    }
    return re;
  }

  #valid(schema: Schema, doc: string, v: unknown, depth: number): boolean {
    const errs: SchemaError[] = [];
    this.#check(schema, doc, v, "", errs, depth);
    return errs.length === 0;
  }

  #check(schema: Schema, doc: string, v: unknown, path: string, errors: SchemaError[], depth: number): void {
    if (errors.length >= MAX_ERRORS) return;
    const fail = (message: string, at = path): void => {
      if (errors.length < MAX_ERRORS) errors.push({ path: at || "/", message });
    };
    if (depth > MAX_DEPTH) {
      fail("schema nesting too deep");
      return;
    }
    if (schema === true) return;
    if (schema === false) {
      fail("no value is allowed here");
      return;
    }
    const s = schema;
    if (typeof s.$ref === "string") {
      const r = this.#resolve(s.$ref, doc);
      this.#check(r.schema, r.doc, v, path, errors, depth + 1);
    }
    if (s.type !== undefined) {
      const types = Array.isArray(s.type) ? (s.type as string[]) : [s.type as string];
      if (!types.some((t) => hasType(v, t))) {
        fail(`expected ${types.join(" or ")}, got ${typeOf(v)}`);
        return;
      }
    }
    if (Array.isArray(s.enum) && !s.enum.some((e) => canonicalJson(e) === canonicalJson(v))) {
      fail(
        `must be one of ${s.enum
          .slice(0, 8)
          .map((e) => JSON.stringify(e))
          .join(", ")}${s.enum.length > 8 ? ", ..." : ""}`,
      );
    }
    if ("const" in s && canonicalJson(s.const) !== canonicalJson(v)) fail(`must equal ${JSON.stringify(s.const)}`);
    if (typeof v === "string") this.#string(s, v, fail);
    if (typeof v === "number") this.#number(s, v, fail);
    if (Array.isArray(v)) this.#array(s, doc, v, path, errors, depth, fail);
    else if (typeOf(v) === "object") this.#object(s, doc, v as Record<string, unknown>, path, errors, depth, fail);
    for (const sub of (s.allOf as Schema[] | undefined) ?? []) this.#check(sub, doc, v, path, errors, depth + 1);
    if (Array.isArray(s.anyOf) && !(s.anyOf as Schema[]).some((sub) => this.#valid(sub, doc, v, depth + 1))) {
      fail("matches none of anyOf");
    }
    if (Array.isArray(s.oneOf)) {
      const n = (s.oneOf as Schema[]).filter((sub) => this.#valid(sub, doc, v, depth + 1)).length;
      if (n !== 1) fail(`must match exactly one of oneOf, matches ${n}`);
    }
    if (s.not !== undefined && this.#valid(s.not as Schema, doc, v, depth + 1)) fail("must not match the 'not' schema");
    if (s.if !== undefined) {
      const branch = this.#valid(s.if as Schema, doc, v, depth + 1) ? s.then : s.else;
      if (branch !== undefined) this.#check(branch as Schema, doc, v, path, errors, depth + 1);
    }
  }

  #string(s: Doc, v: string, fail: (m: string) => void): void {
    const len = [...v].length;
    if (typeof s.minLength === "number" && len < s.minLength) fail(`shorter than ${s.minLength}`);
    if (typeof s.maxLength === "number" && len > s.maxLength) fail(`longer than ${s.maxLength}`);
    if (typeof s.pattern === "string" && !this.#pattern(s.pattern).test(v)) fail(`does not match pattern ${s.pattern}`);
  }

  #number(s: Doc, v: number, fail: (m: string) => void): void {
    if (typeof s.minimum === "number" && v < s.minimum) fail(`below minimum ${s.minimum}`);
    if (typeof s.maximum === "number" && v > s.maximum) fail(`above maximum ${s.maximum}`);
    if (typeof s.exclusiveMinimum === "number" && v <= s.exclusiveMinimum) fail(`not above ${s.exclusiveMinimum}`);
    if (typeof s.exclusiveMaximum === "number" && v >= s.exclusiveMaximum) fail(`not below ${s.exclusiveMaximum}`);
  }

  #array(
    s: Doc,
    doc: string,
    v: unknown[],
    path: string,
    errors: SchemaError[],
    depth: number,
    fail: (m: string) => void,
  ): void {
    if (typeof s.minItems === "number" && v.length < s.minItems) fail(`fewer than ${s.minItems} items`);
    if (typeof s.maxItems === "number" && v.length > s.maxItems) fail(`more than ${s.maxItems} items`);
    if (s.uniqueItems === true && new Set(v.map((x) => canonicalJson(x))).size !== v.length)
      fail("items are not unique");
    if (Array.isArray(s.items)) {
      const tuple = s.items as Schema[];
      v.forEach((item, i) => {
        const sub = i < tuple.length ? tuple[i] : (s.additionalItems as Schema | undefined);
        if (sub !== undefined) this.#check(sub, doc, item, `${path}/${i}`, errors, depth + 1);
      });
    } else if (s.items !== undefined) {
      v.forEach((item, i) => {
        this.#check(s.items as Schema, doc, item, `${path}/${i}`, errors, depth + 1);
      });
    }
  }

  #object(
    s: Doc,
    doc: string,
    v: Record<string, unknown>,
    path: string,
    errors: SchemaError[],
    depth: number,
    fail: (m: string, at?: string) => void,
  ): void {
    for (const r of (s.required as string[] | undefined) ?? []) if (!(r in v)) fail(`missing required property "${r}"`);
    const props = (s.properties as Record<string, Schema> | undefined) ?? {};
    const patterns = Object.entries((s.patternProperties as Record<string, Schema> | undefined) ?? {});
    for (const [k, val] of Object.entries(v)) {
      const at = `${path}/${esc(k)}`;
      let matched = false;
      if (Object.hasOwn(props, k)) {
        matched = true;
        this.#check(props[k] as Schema, doc, val, at, errors, depth + 1);
      }
      for (const [p, sub] of patterns) {
        if (this.#pattern(p).test(k)) {
          matched = true;
          this.#check(sub, doc, val, at, errors, depth + 1);
        }
      }
      if (matched || s.additionalProperties === undefined) continue;
      if (s.additionalProperties === false) fail(`property "${k}" is not allowed`, at);
      else this.#check(s.additionalProperties as Schema, doc, val, at, errors, depth + 1);
    }
  }
}
