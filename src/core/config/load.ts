/**
 * Loads `warden.yaml`: YAML 1.2 (yaml@2) validated by the zod schema, then `WARDEN_*` environment overrides.
 * Errors name the file, line, column and key path, and say what was expected.
 */
import { readFileSync } from "node:fs";
import { isMap, LineCounter, parseDocument } from "yaml";
import type { z } from "zod";
import { WardenError } from "../errors.ts";
import { configSchema, type WardenConfig } from "./schema.ts";

/** Environment variables that are not configuration keys. */
const RESERVED_ENV = new Set(["WARDEN_HOME", "WARDEN_CONFIG", "WARDEN_PASSPHRASE", "WARDEN_ACTOR", "WARDEN_LOG"]);

const MAX_CONFIG_BYTES = 1024 * 1024;

export interface LoadedConfig {
  config: WardenConfig;
  /** The file read, or undefined when none exists and defaults apply. */
  path: string | undefined;
  /** Keys set from the environment, as dotted paths. */
  overrides: string[];
}

/** Parses YAML text into a validated configuration; `source` names the file in error messages. */
export function parseConfig(text: string, source = "warden.yaml", env: NodeJS.ProcessEnv = {}): LoadedConfig {
  if (Buffer.byteLength(text) > MAX_CONFIG_BYTES) {
    throw new WardenError("E_CONFIG_INVALID", `${source}: larger than ${MAX_CONFIG_BYTES} bytes`);
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const firstError = doc.errors[0];
  if (firstError) {
    const pos = lineCounter.linePos(firstError.pos[0]);
    throw new WardenError(
      "E_CONFIG_INVALID",
      `${source}:${pos.line}:${pos.col}: invalid YAML: ${firstError.message.split("\n")[0]}`,
      { details: { file: source, line: pos.line, column: pos.col } },
    );
  }
  let raw: unknown;
  try {
    raw = doc.contents === null ? {} : doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    throw new WardenError("E_CONFIG_INVALID", `${source}: invalid YAML: ${(e as Error).message}`, { cause: e });
  }
  if (raw !== null && (typeof raw !== "object" || Array.isArray(raw))) {
    throw new WardenError("E_CONFIG_INVALID", `${source}:1:1: the top level must be a mapping of sections`);
  }
  const overrides = applyEnv((raw ?? {}) as Record<string, unknown>, env);
  const result = configSchema.safeParse(raw ?? {});
  if (!result.success) {
    throw configError(result.error, source, (path) => {
      const parent = path.length > 0 ? doc.getIn(path.slice(0, -1), true) : doc.contents;
      const pair = isMap(parent)
        ? parent.items.find((p) => String((p.key as { value?: unknown })?.value) === String(path.at(-1)))
        : undefined;
      const node = (pair?.key ?? doc.getIn(path, true)) as { range?: [number, number, number] } | undefined;
      const offset = node?.range?.[0];
      return offset === undefined ? undefined : lineCounter.linePos(offset);
    });
  }
  return { config: result.data, path: source, overrides };
}

/** Reads `path` (absent: defaults) and applies `WARDEN_*` overrides from `env`. */
export function loadConfig(path: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") {
      return { ...parseConfig("", path, env), path: undefined };
    }
    throw new WardenError("E_CONFIG_INVALID", `${path}: cannot read: ${(e as Error).message}`, { cause: e });
  }
  return parseConfig(text, path, env);
}

function configError(
  error: z.ZodError,
  source: string,
  locate: (path: (string | number)[]) => { line: number; col: number } | undefined,
): WardenError {
  const lines = error.issues.slice(0, 5).map((issue) => {
    let path = issue.path.filter((p): p is string | number => typeof p !== "symbol");
    let message = issue.message;
    if (issue.code === "unrecognized_keys") {
      path = [...path, issue.keys[0] ?? ""];
      message = `unknown key "${issue.keys.join('", "')}" (check the spelling; \`warden config schema\` lists every key)`;
    }
    const pos = locate(path);
    const where = pos ? `${source}:${pos.line}:${pos.col}` : source;
    return `${where}: ${path.join(".") || "(root)"}: ${message}`;
  });
  return new WardenError("E_CONFIG_INVALID", lines.join("\n"), {
    details: { file: source, issues: error.issues.map((i) => ({ path: i.path.map(String), message: i.message })) },
  });
}

/** Maps `WARDEN_SECTION_KEY_NAME` onto `section.keyName` when that path exists in the schema's defaults. */
function applyEnv(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): string[] {
  const defaults = configSchema.parse({}) as Record<string, unknown>;
  const byEnv = new Map<string, string[]>();
  collectLeaves(defaults, [], byEnv);
  const applied: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith("WARDEN_") || RESERVED_ENV.has(name) || name.startsWith("WARDEN_TEST_") || value === undefined)
      continue;
    const path = byEnv.get(name);
    if (!path) continue;
    let target = raw;
    for (const key of path.slice(0, -1)) {
      const next = target[key];
      if (next === null || typeof next !== "object" || Array.isArray(next)) target[key] = {};
      target = target[key] as Record<string, unknown>;
    }
    target[path.at(-1)!] = coerce(value);
    applied.push(path.join("."));
  }
  return applied;
}

function collectLeaves(value: Record<string, unknown>, path: string[], out: Map<string, string[]>): void {
  for (const [key, v] of Object.entries(value)) {
    const p = [...path, key];
    if (v !== null && typeof v === "object" && !Array.isArray(v)) collectLeaves(v as Record<string, unknown>, p, out);
    else out.set(`WARDEN_${p.map((s) => s.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase()).join("_")}`, p);
  }
}

/** Environment values: JSON for arrays/objects/numbers/booleans, plain strings otherwise. */
function coerce(value: string): unknown {
  const t = value.trim();
  if (/^(true|false|-?\d+(\.\d+)?|\[.*\]|\{.*\})$/s.test(t)) {
    try {
      return JSON.parse(t);
    } catch {
      return value;
    }
  }
  return value;
}
