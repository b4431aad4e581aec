/** Configuration of the model domain: trusted signing keys and the promotion gates of the model registry. */
import { z } from "zod";

/** The promotion gates the registry knows (see src/model/registry/gates.ts). */
export const PROMOTION_GATES = ["signature", "scan", "integrity", "separation-of-duties"] as const;
const gate = z.enum(PROMOTION_GATES);

export const modelSection = z
  .strictObject({
    trustedKeys: z
      .array(z.string().min(1))
      .default([])
      .describe("Keyring key names whose signatures the registry trusts; empty: every key in the workspace keyring"),
    trustedKeyFiles: z
      .array(z.string().min(1))
      .default([])
      .describe("PEM public keys (paths relative to WARDEN_HOME, or absolute) trusted for model signatures"),
    trustedRoots: z
      .array(z.string().min(1))
      .default([])
      .describe("PEM root CA certificates trusted for certificate-chain model signatures"),
    promotion: z
      .strictObject({
        staging: z.array(gate).default(["scan"]).describe("Gates a version must pass to enter staging"),
        production: z
          .array(gate)
          .default(["signature", "scan", "integrity", "separation-of-duties"])
          .describe(
            "Gates a version must pass to enter production: signature (verifies against a trusted key and covers the registered digest), scan (latest scan safe), integrity (files on disk match the signed digest), separation-of-duties (approver differs from registrant)",
          ),
      })
      .prefault({}),
  })
  .prefault({});

/** The validated `model` section of warden.yaml. */
export type ModelConfig = z.infer<typeof modelSection>;
