/** Configuration of differential privacy: the budget a dataset gets on its first query, and Gaussian accounting. */
import { z } from "zod";

export const dpSection = z
  .strictObject({
    defaultEpsilon: z
      .number()
      .positive()
      .max(100)
      .default(1)
      .describe(
        "Total ε of a dataset's privacy budget when it is first queried (change it with `warden data dp budget`)",
      ),
    defaultDelta: z
      .number()
      .min(0)
      .lt(1)
      .default(1e-6)
      .describe("Total δ of a new dataset budget; Gaussian queries need δ > 0"),
    gaussianAccounting: z
      .enum(["zcdp", "basic"])
      .default("zcdp")
      .describe("zcdp: Gaussian queries compose as ρ-zCDP (Bun & Steinke 2016); basic: as their (ε, δ)"),
  })
  .prefault({});

export type DpConfig = z.infer<typeof dpSection>;
