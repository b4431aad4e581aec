/**
 * The assessment plan (`warden redteam ml run plan.yaml`): target, data, which assessments to run with which
 * parameters, defences to compare, thresholds for the CI verdict, and the seed. Validated with zod; errors name the
 * file and the field. Paths in the plan are relative to the plan file.
 */
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { WardenError } from "../../core/errors.ts";
import { EVASION_ATTACKS } from "./evasion.ts";
import { MEMBERSHIP_ATTACKS } from "./membership.ts";
import { thresholdsSchema } from "./report/verdict.ts";

const numbers = z.array(z.number().nonnegative()).min(1);
const bound = z.union([z.number(), z.array(z.number())]);

export const planSchema = z.strictObject({
  version: z.literal(1).default(1).describe("plan format version"),
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 32 - 1)
    .default(1)
    .describe("seed for every random choice; in the report"),
  target: z.strictObject({
    spec: z.string().min(1).describe("js:./model.mjs#export, onnx:./model.onnx or http:https://host/predict"),
    labelsOnly: z.boolean().default(false).describe("the model reveals only labels"),
    numClasses: z.number().int().min(2).optional().describe("classes, for models that return labels"),
    http: z
      .strictObject({
        requestTemplate: z.string().optional().describe('JSON body with $INPUT, e.g. {"inputs": $INPUT}'),
        scoresPath: z.string().optional().describe("JSON path of the scores in the response"),
        headers: z.record(z.string(), z.string()).optional().describe("extra request headers"),
        concurrency: z.number().int().positive().optional(),
        rps: z.number().positive().optional().describe("requests per second"),
        batchSize: z.number().int().positive().optional(),
        timeoutMs: z.number().int().positive().optional(),
      })
      .default({}),
  }),
  data: z
    .strictObject({
      file: z.string().describe("CSV or JSON file of model inputs"),
      labels: z.string().optional().describe("label column (CSV)"),
      features: z.array(z.string()).optional().describe("feature columns (default: all but the label)"),
      samples: z.number().int().positive().default(50).describe("inputs to attack or certify"),
      bounds: z
        .union([z.enum(["data", "none"]), z.strictObject({ lower: bound, upper: bound })])
        .default("data")
        .describe('"data" (observed min/max), "none", or explicit bounds'),
      immutable: z
        .array(z.union([z.string(), z.number().int().nonnegative()]))
        .default([])
        .describe("features the attacker cannot change"),
      shape: z
        .tuple([z.number().int().positive(), z.number().int().positive(), z.number().int().positive()])
        .optional()
        .describe("image shape [height, width, channels]"),
    })
    .optional(),
  evasion: z
    .strictObject({
      attacks: z.array(z.enum(EVASION_ATTACKS)).min(1).default(["hopskipjump-l2", "square-linf"]),
      epsilons: numbers.describe("ε for L∞ attacks"),
      epsilonsL2: numbers.optional().describe("ε for L2 attacks (default: epsilons)"),
      budget: z.number().int().positive().default(2000).describe("queries per input and attack"),
      simbaStep: z.number().positive().optional(),
      concurrency: z
        .number()
        .int()
        .min(1)
        .max(64)
        .default(4)
        .describe("inputs attacked at once (HopSkipJump, boundary)"),
      defences: z
        .array(
          z.union([
            z.strictObject({ ensemble: z.strictObject({ members: z.array(z.string()).min(1) }) }),
            z.strictObject({
              featureSqueezing: z.strictObject({
                bits: z.number().int().min(1).max(16).default(4),
                median: z.number().int().min(0).max(5).default(2),
                fpr: z.number().min(0).max(1).default(0.05),
              }),
            }),
            z.strictObject({ boundsCheck: z.strictObject({ tolerance: z.number().nonnegative().default(0) }) }),
          ]),
        )
        .default([])
        .describe("defences to compare against no defence"),
    })
    .optional(),
  text: z
    .strictObject({
      file: z.string(),
      textColumn: z.string().default("text"),
      labels: z.string().optional(),
      samples: z.number().int().positive().default(50),
      editBudget: z.number().int().positive().default(3),
      queryBudget: z.number().int().positive().default(500),
      perturbations: z
        .array(z.enum(["typo", "homoglyph", "synonym"]))
        .min(1)
        .optional(),
    })
    .optional(),
  certification: z
    .strictObject({
      sigma: z.number().positive(),
      n0: z.number().int().positive().default(100),
      n: z.number().int().positive().default(1000),
      alpha: z.number().gt(0).lt(1).default(0.001),
      radii: numbers.default([0, 0.25, 0.5, 0.75, 1]),
    })
    .optional(),
  membership: z
    .strictObject({
      members: z.string().optional().describe("records in the training set (default: data.file)"),
      nonMembers: z.string().describe("records not in the training set"),
      population: z.string().optional().describe("further records for shadow and reference models"),
      train: z.string().optional().describe("training routine js:./train.mjs#train (shadow models, online LiRA)"),
      referenceModels: z
        .array(z.string())
        .optional()
        .describe("target specs of models trained without the audited records (offline LiRA)"),
      attacks: z.array(z.enum(MEMBERSHIP_ATTACKS)).min(1).default(["loss", "confidence"]),
      shadows: z.number().int().positive().default(4),
      references: z.number().int().positive().default(16),
    })
    .optional(),
  extraction: z
    .strictObject({
      budgets: z.array(z.number().int().min(2)).min(1),
      pool: z.string().optional().describe("unlabelled inputs the attacker may query"),
      test: z.string().optional().describe("held-out inputs (default: data.file)"),
    })
    .optional(),
  thresholds: thresholdsSchema,
  output: z.string().optional().describe("directory for report.json, report.html, adversarial-examples.json"),
});
export type Plan = z.infer<typeof planSchema>;
export type PlanInput = z.input<typeof planSchema>;

/** Validates a plan object. */
export function parsePlan(value: unknown, file = "<plan>"): Plan {
  const r = planSchema.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0];
    const where = issue?.path.join(".") || "(root)";
    throw new WardenError("E_CONFIG_INVALID", `${file}: ${where}: ${issue?.message ?? "invalid plan"}`, {
      details: { issues: r.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })) },
    });
  }
  if (r.data.evasion || r.data.certification || r.data.extraction) {
    if (!r.data.data)
      throw new WardenError("E_CONFIG_INVALID", `${file}: data: required for evasion, certification and extraction`);
  }
  return r.data;
}

/** Reads and validates a YAML plan. */
export function loadPlan(file: string): Plan {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new WardenError("E_CONFIG_NOT_FOUND", `plan ${file} not found`, { cause: e });
  }
  if (text.length > 1024 * 1024) throw new WardenError("E_INPUT_TOO_LARGE", `plan ${file} is larger than 1 MiB`);
  let value: unknown;
  try {
    value = parseYaml(text, { maxAliasCount: 100 });
  } catch (e) {
    throw new WardenError("E_CONFIG_INVALID", `${file}: not valid YAML: ${(e as Error).message}`, { cause: e });
  }
  return parsePlan(value, file);
}
