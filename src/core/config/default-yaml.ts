/**
 * Writes the commented default `warden.yaml` from the schema itself, so the file `warden init` writes always matches
 * what the loader accepts: every key with its default value and its description as a comment.
 */
import { stringify } from "yaml";
import { configJsonSchema } from "./schema.ts";

interface JsonSchemaNode {
  type?: string | string[];
  description?: string;
  default?: unknown;
  properties?: Record<string, JsonSchemaNode>;
}

/** The default configuration as commented YAML. */
export function defaultConfigYaml(): string {
  const root = configJsonSchema() as JsonSchemaNode;
  const lines = [
    "# warden.yaml: Warden's configuration. Every key is shown with its default.",
    "# `warden config schema` prints the JSON Schema; WARDEN_<SECTION>_<KEY> environment variables override keys.",
    "",
  ];
  emit(root, 0, lines);
  return `${lines.join("\n")}\n`;
}

function emit(node: JsonSchemaNode, depth: number, lines: string[]): void {
  const indent = "  ".repeat(depth);
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    if (child.description) for (const l of child.description.split("\n")) lines.push(`${indent}# ${l}`);
    if (child.properties && Object.keys(child.properties).length > 0) {
      lines.push(`${indent}${key}:`);
      emit(child, depth + 1, lines);
      if (depth === 0) lines.push("");
    } else if (child.default === undefined) {
      lines.push(`${indent}# ${key}:`);
    } else {
      const value = stringify({ [key]: child.default }, { lineWidth: 0 }).trimEnd();
      for (const l of value.split("\n")) lines.push(`${indent}${l}`);
    }
  }
}
