/** Configuration of the guard: which scanners run on input and output, their policies, thresholds and lists. */
import { z } from "zod";

const policy = z.enum(["block", "redact", "flag"]);

function scanner<T extends z.ZodRawShape>(
  what: string,
  defaults: { enabled: boolean; policy: "block" | "redact" | "flag" },
  extra: T,
) {
  return z
    .strictObject({
      enabled: z.boolean().default(defaults.enabled).describe(`Run the ${what} scanner`),
      policy: policy
        .default(defaults.policy)
        .describe("What a flag does: block the message, redact the findings, or only report (flag)"),
    })
    .extend(extra);
}

const topic = z.strictObject({
  name: z.string().min(1).describe("Topic name reported in findings"),
  keywords: z.array(z.string().min(1)).min(1).describe("Keywords of the topic (whole words, case-insensitive)"),
  minMatches: z.number().int().min(1).default(1).describe("Distinct keywords needed to match the topic"),
});

export const guardSection = z
  .strictObject({
    failClosed: z
      .boolean()
      .default(true)
      .describe("Block when a scanner itself fails (true), or let the message through and report the failure"),
    maxScanChars: z
      .number()
      .int()
      .positive()
      .default(8 * 1024 * 1024)
      .describe("Messages longer than this (chars) are blocked without scanning"),
    systemPrompt: z.string().default("").describe("The system prompt, for system-prompt leak detection on output"),
    allowedDomains: z
      .array(z.string().min(1))
      .default([])
      .describe("Domains links and images in output may point to (subdomains included)"),
    input: z
      .strictObject({
        promptAttack: scanner(
          "prompt-attack (injection and jailbreak)",
          { enabled: true, policy: "block" },
          {
            threshold: z
              .number()
              .min(0)
              .max(1)
              .optional()
              .describe("Attack score to flag at; default: the threshold stored in the shipped model"),
            maxDepth: z.number().int().min(0).max(8).default(3).describe("Nesting depth of decoded layers rescanned"),
          },
        ).prefault({}),
        invisible: scanner("invisible/smuggled text", { enabled: true, policy: "redact" }, {}).prefault({}),
        secrets: scanner("secrets", { enabled: true, policy: "redact" }, {}).prefault({}),
        pii: scanner(
          "PII",
          { enabled: false, policy: "redact" },
          {
            entities: z.array(z.string()).default([]).describe("Entity types to detect; empty: all"),
            minScore: z.number().min(0).max(1).default(0.5).describe("Lowest entity score reported"),
          },
        ).prefault({}),
        banned: scanner(
          "banned substrings, regexes and topics",
          { enabled: true, policy: "block" },
          {
            substrings: z.array(z.string()).default([]).describe("Substrings to ban (case-insensitive)"),
            regexes: z.array(z.string()).default([]).describe("Regular expressions to ban (RE2 syntax)"),
            topics: z.array(topic).default([]).describe("Topics to ban, as keyword lists"),
          },
        ).prefault({}),
        limits: scanner(
          "size and token limits",
          { enabled: true, policy: "block" },
          {
            maxChars: z.number().int().positive().default(200_000).describe("Most characters in one message"),
            maxTokens: z.number().int().positive().default(50_000).describe("Most (estimated) tokens in one message"),
          },
        ).prefault({}),
        language: scanner(
          "language allow-list",
          { enabled: false, policy: "block" },
          { allow: z.array(z.string()).default(["en"]).describe("ISO 639-1 codes allowed") },
        ).prefault({}),
        code: scanner("code detection", { enabled: false, policy: "flag" }, {}).prefault({}),
      })
      .prefault({}),
    output: z
      .strictObject({
        pii: scanner(
          "PII leakage",
          { enabled: true, policy: "redact" },
          {
            entities: z.array(z.string()).default([]).describe("Entity types to detect; empty: all"),
            minScore: z.number().min(0).max(1).default(0.5).describe("Lowest entity score reported"),
          },
        ).prefault({}),
        secrets: scanner("secret leakage", { enabled: true, policy: "redact" }, {}).prefault({}),
        canary: scanner("canary token", { enabled: true, policy: "block" }, {}).prefault({}),
        promptLeak: scanner(
          "system-prompt leakage",
          { enabled: true, policy: "block" },
          { threshold: z.number().min(0).max(1).default(0.3).describe("Share of system-prompt 5-grams to flag at") },
        ).prefault({}),
        exfiltration: scanner(
          "markdown/HTML image and link exfiltration",
          { enabled: true, policy: "redact" },
          {},
        ).prefault({}),
        urls: scanner("malicious or unknown URLs", { enabled: true, policy: "flag" }, {}).prefault({}),
        refusal: scanner("refusal detection", { enabled: true, policy: "flag" }, {}).prefault({}),
        jsonSchema: scanner(
          "JSON-schema validity",
          { enabled: false, policy: "block" },
          { schema: z.unknown().optional().describe("JSON schema the output must satisfy") },
        ).prefault({}),
        toxicity: scanner("toxicity", { enabled: true, policy: "flag" }, {}).prefault({}),
        invisible: scanner("invisible characters", { enabled: true, policy: "redact" }, {}).prefault({}),
      })
      .prefault({}),
    stream: z
      .strictObject({
        holdBack: z
          .number()
          .int()
          .min(16)
          .max(65536)
          .default(256)
          .describe("Characters held back while streaming, so a match split across chunks is still caught"),
        minScan: z
          .number()
          .int()
          .min(1)
          .max(65536)
          .default(64)
          .describe(
            "New characters gathered before the stream is rescanned (token-sized chunks are scanned in batches)",
          ),
      })
      .prefault({}),
  })
  .prefault({});

/** The validated `guard` section of warden.yaml. */
export type GuardConfig = z.infer<typeof guardSection>;
