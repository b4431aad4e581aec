/**
 * Keras model configurations (`config.json` of `.keras` archives, the `model_config` attribute of legacy `.h5` files):
 * Lambda layers and serialized Python functions (marshalled bytecode that runs on load), and object references whose
 * `module` is not Keras/TensorFlow (Keras 3 imports them: CVE-2025-1550) or is on the deny-list.
 */
import { isDeniedPath } from "./policy.ts";
import type { RawFinding } from "./raw-finding.ts";

const TRUSTED_MODULES = /^(?:keras|tf_keras|tensorflow|keras_nlp|keras_cv|keras_hub)(?:\.|$)/;
const MAX_NODES = 1_000_000;

/** Findings for a parsed Keras configuration; `where` names it (e.g. `config.json`, `model_config`). */
export function checkKerasConfig(config: unknown, where: string, offset?: number): RawFinding[] {
  const out: RawFinding[] = [];
  const seen = new Set<string>();
  const add = (rule: string, severity: RawFinding["severity"], message: string): void => {
    if (seen.has(message) || out.length >= 200) return;
    seen.add(message);
    const f: RawFinding = { rule, severity, message };
    if (offset !== undefined) f.offset = offset;
    out.push(f);
  };
  const stack: { v: unknown; depth: number; path: string }[] = [{ v: config, depth: 0, path: "" }];
  let visited = 0;
  while (stack.length > 0) {
    const { v, depth, path } = stack.pop()!;
    if (++visited > MAX_NODES || depth > 500) {
      add("invalid-limit", "medium", `${where} is too large or deep to check completely`);
      break;
    }
    if (Array.isArray(v)) {
      for (const [i, x] of v.entries()) stack.push({ v: x, depth: depth + 1, path: `${path}[${i}]` });
      continue;
    }
    if (v === null || typeof v !== "object") continue;
    const o = v as Record<string, unknown>;
    const cls = typeof o.class_name === "string" ? o.class_name : undefined;
    const name =
      typeof (o.config as Record<string, unknown> | undefined)?.name === "string"
        ? String((o.config as Record<string, unknown>).name)
        : cls;
    if (cls === "Lambda")
      add(
        "keras-lambda",
        "high",
        `${where}: Lambda layer "${name}" deserializes Python bytecode that runs when the model is loaded`,
      );
    if (cls === "__lambda__" || o.function_type === "lambda" || o.function_type === "raw")
      add("keras-serialized-code", "high", `${where}${path}: serialized Python function (marshalled bytecode)`);
    if (typeof o.module === "string" && cls !== undefined) {
      const target =
        cls === "function" && typeof o.config === "string" ? `${o.module}.${o.config}` : `${o.module}.${cls}`;
      const why = isDeniedPath(target);
      if (why !== undefined)
        add("keras-dangerous-object", "critical", `${where}: references ${target} (${why}), imported at load time`);
      else if (!TRUSTED_MODULES.test(o.module))
        add(
          "keras-custom-object",
          "medium",
          `${where}: references ${target} outside Keras/TensorFlow; loading imports that module`,
        );
    }
    for (const [k, x] of Object.entries(o)) stack.push({ v: x, depth: depth + 1, path: `${path}.${k}` });
  }
  return out;
}
