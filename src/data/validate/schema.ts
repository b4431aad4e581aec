/**
 * The validation schema (`schema.yaml`), validated with zod: per-column type, range, enum, pattern, uniqueness,
 * presence and null-rate rules, and the drift thresholds used against a reference version of the data.
 */
import { readFile } from "node:fs/promises";
import RE2 from "re2";
import { parse as parseYaml, YAMLParseError } from "yaml";
import { z } from "zod";
import { WardenError } from "../../core/errors.ts";

const columnRules = z.strictObject({
  type: z
    .enum(["string", "integer", "number", "boolean"])
    .default("string")
    .describe("Value type; CSV cells are parsed (integer: optional sign and digits; boolean: true/false)"),
  required: z.boolean().default(true).describe("The column must be present in the data"),
  maxNullRate: z.number().min(0).max(1).default(1).describe("Largest fraction of empty/null values allowed"),
  min: z.number().optional().describe("Smallest allowed value (numeric types)"),
  max: z.number().optional().describe("Largest allowed value (numeric types)"),
  enum: z
    .array(z.union([z.string(), z.number(), z.boolean()]))
    .max(10_000)
    .optional()
    .describe("Allowed values, compared as strings"),
  pattern: z.string().max(1000).optional().describe("RE2 regular expression every non-null value must match fully"),
  unique: z.boolean().default(false).describe("Non-null values must be unique"),
});

/** The schema file. */
export const validationSchema = z.strictObject({
  version: z.literal(1).default(1).describe("Schema format version"),
  columns: z.record(z.string().min(1), columnRules).describe("Rules per column name"),
  allowExtraColumns: z.boolean().default(true).describe("Columns not listed in `columns` are allowed"),
  maxViolationsPerRule: z
    .number()
    .int()
    .min(1)
    .max(100_000)
    .default(20)
    .describe("Row-level violations listed per rule and column (all are counted)"),
  drift: z
    .strictObject({
      alpha: z.number().gt(0).lt(1).default(0.01).describe("Significance level of the KS / chi-squared tests"),
      minPsi: z
        .number()
        .min(0)
        .default(0.1)
        .describe("A significant shift is a violation only when its population stability index is at least this"),
    })
    .prefault({}),
});

export type ValidationSchema = z.infer<typeof validationSchema>;
export type ColumnRules = z.infer<typeof columnRules>;

/** Validates an already-parsed schema object; `E_CONFIG_INVALID` naming the offending path. */
export function parseSchema(value: unknown, label = "schema"): ValidationSchema {
  const r = validationSchema.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const path = issue.path.join(".") || "(root)";
    throw new WardenError("E_CONFIG_INVALID", `${label}: ${path}: ${issue.message}; fix the schema file`, {
      details: { file: label, path },
    });
  }
  for (const [name, rules] of Object.entries(r.data.columns)) {
    if (rules.pattern !== undefined) {
      try {
        new RE2(rules.pattern, "u");
      } catch (e) {
        throw new WardenError(
          "E_CONFIG_INVALID",
          `${label}: columns.${name}.pattern: invalid RE2 pattern: ${(e as Error).message}`,
          {
            cause: e,
          },
        );
      }
    }
    if (rules.min !== undefined && rules.max !== undefined && rules.min > rules.max) {
      throw new WardenError(
        "E_CONFIG_INVALID",
        `${label}: columns.${name}: min ${rules.min} is above max ${rules.max}`,
      );
    }
  }
  return r.data;
}

/** Reads and validates a YAML schema file (at most 1 MiB). */
export async function loadSchema(path: string): Promise<ValidationSchema> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new WardenError(
      code === "ENOENT" ? "E_CONFIG_NOT_FOUND" : "E_IO",
      `${path}: cannot read schema: ${(e as Error).message}`,
      {
        cause: e,
      },
    );
  }
  if (text.length > 1 << 20) throw new WardenError("E_INPUT_TOO_LARGE", `${path}: schema is larger than 1 MiB`);
  let value: unknown;
  try {
    value = parseYaml(text, { maxAliasCount: 100 });
  } catch (e) {
    const pos = e instanceof YAMLParseError ? e.linePos?.[0] : undefined;
    const where = pos ? `${pos.line}:${pos.col}` : "1:1";
    throw new WardenError(
      "E_CONFIG_INVALID",
      `${path}:${where}: invalid YAML: ${(e as Error).message.split("\n")[0]}`,
      {
        cause: e,
      },
    );
  }
  return parseSchema(value, path);
}
