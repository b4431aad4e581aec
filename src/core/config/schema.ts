/**
 * The root schema of `warden.yaml`. It is also the documentation: `warden config schema` prints it as JSON Schema.
 * Each domain owns a section in `sections/`.
 */
import { z } from "zod";
import { databaseSection, keysSection, ledgerSection, loggingSection, redisSection } from "./sections/core.ts";
import { dataSection } from "./sections/data.ts";
import { dpSection } from "./sections/dp.ts";
import { guardSection } from "./sections/guard.ts";
import { modelSection } from "./sections/model.ts";

export const configSchema = z.strictObject({
  database: databaseSection,
  redis: redisSection,
  keys: keysSection,
  ledger: ledgerSection,
  logging: loggingSection,
  data: dataSection,
  dp: dpSection,
  model: modelSection,
  guard: guardSection,
});

/** A validated Warden configuration, every default filled in. */
export type WardenConfig = z.infer<typeof configSchema>;

/** The JSON Schema (draft 2020-12) of `warden.yaml`. */
export function configJsonSchema(): object {
  return z.toJSONSchema(configSchema, { io: "input" });
}
