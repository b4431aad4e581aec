/**
 * Configuration of secure data management: who may do what with each classification level (least privilege: a
 * principal with no role may only read public data), and retention rules per classification or per dataset.
 */
import { z } from "zod";

export const CLASSIFICATIONS = ["public", "internal", "confidential", "restricted"] as const;
export type Classification = (typeof CLASSIFICATIONS)[number];
const level = z.enum(CLASSIFICATIONS);

const roleSchema = z.strictObject({
  read: z.array(level).default([]).describe("classification levels this role may read (verify, lineage, show)"),
  export: z.array(level).default([]).describe("levels this role may export (copy out of the dataset's location)"),
  decrypt: z.array(level).default([]).describe("levels this role may decrypt"),
  manage: z.array(level).default([]).describe("levels this role may register, encrypt and apply retention to"),
});

const retentionRule = z
  .strictObject({
    classification: level.optional().describe("the rule applies to datasets of this classification"),
    dataset: z.string().optional().describe("the rule applies to this dataset name (takes precedence)"),
    retain: z
      .string()
      .regex(/^\d+[dwy]$/, "use a number of days, weeks or years, e.g. 365d, 12w, 7y")
      .describe("how long a dataset version is kept after registration: 30d, 12w, 7y"),
    action: z
      .enum(["purge", "archive"])
      .default("archive")
      .describe("purge deletes the files; archive encrypts and moves them"),
  })
  .refine((r) => (r.classification === undefined) !== (r.dataset === undefined), {
    message: "a retention rule names either a classification or a dataset",
  });

export const dataSection = z
  .strictObject({
    access: z
      .strictObject({
        roles: z
          .record(z.string(), roleSchema)
          .default({
            reader: { read: ["public"], export: [], decrypt: [], manage: [] },
            analyst: { read: ["public", "internal"], export: ["public"], decrypt: [], manage: [] },
            steward: {
              read: [...CLASSIFICATIONS],
              export: ["public", "internal"],
              decrypt: [...CLASSIFICATIONS],
              manage: [...CLASSIFICATIONS],
            },
          })
          .describe("roles: which classification levels each may read, export, decrypt and manage"),
        principals: z
          .record(z.string(), z.array(z.string()))
          .default({})
          .describe("principal (WARDEN_ACTOR) -> roles; `warden init` makes the principal who runs it a steward"),
        defaultRoles: z
          .array(z.string())
          .default(["reader"])
          .describe("roles of principals not listed (least privilege: reader sees public data only)"),
      })
      .prefault({}),
    retention: z.array(retentionRule).default([]).describe("retention rules; the most specific (dataset) rule wins"),
  })
  .prefault({});

export type DataConfig = z.infer<typeof dataSection>;
