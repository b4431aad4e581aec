/** Builds the input and output pipelines from the `guard` section of warden.yaml. */
import { type GuardConfig, guardSection } from "../core/config/sections/guard.ts";
import { GuardPipeline, type PipelineEntry } from "./pipeline.ts";
import { bannedScanner } from "./scanners/banned.ts";
import { canaryScanner } from "./scanners/canary.ts";
import { codeScanner } from "./scanners/code.ts";
import { invisibleScanner } from "./scanners/invisible.ts";
import { jsonSchemaScanner } from "./scanners/json-schema.ts";
import { languageScanner } from "./scanners/language.ts";
import { limitsScanner } from "./scanners/limits.ts";
import { exfiltrationScanner, urlScanner } from "./scanners/links.ts";
import { piiScanner } from "./scanners/pii.ts";
import { promptAttackScanner } from "./scanners/prompt-attack.ts";
import { promptLeakScanner } from "./scanners/prompt-leak.ts";
import { refusalScanner } from "./scanners/refusal.ts";
import { secretsScanner } from "./scanners/secrets.ts";
import { toxicityScanner } from "./scanners/toxicity.ts";
import type { Direction } from "./types.ts";

/** The default guard configuration (every field at its default). */
export function defaultGuardConfig(): GuardConfig {
  return guardSection.parse(undefined);
}

/** Builds the pipeline for `direction` from a validated guard config (default: the defaults). */
export function buildPipeline(direction: Direction, config: GuardConfig = defaultGuardConfig()): GuardPipeline {
  const entries: PipelineEntry[] = [];
  const add = (c: { enabled: boolean; policy: PipelineEntry["policy"] }, make: () => PipelineEntry["scanner"]) => {
    if (c.enabled) entries.push({ scanner: make(), policy: c.policy });
  };
  const piiOpts = (c: { entities: string[]; minScore: number }) => ({
    ...(c.entities.length > 0 ? { entities: c.entities } : {}),
    minScore: c.minScore,
  });
  if (direction === "input") {
    const i = config.input;
    add(i.limits, () => limitsScanner({ maxChars: i.limits.maxChars, maxTokens: i.limits.maxTokens }));
    add(i.invisible, () => invisibleScanner());
    add(i.promptAttack, () =>
      promptAttackScanner({
        maxDepth: i.promptAttack.maxDepth,
        ...(i.promptAttack.threshold !== undefined ? { threshold: i.promptAttack.threshold } : {}),
      }),
    );
    add(i.secrets, () => secretsScanner("input"));
    add(i.pii, () => piiScanner({ direction: "input", ...piiOpts(i.pii) }));
    add(i.banned, () =>
      bannedScanner({ substrings: i.banned.substrings, regexes: i.banned.regexes, topics: i.banned.topics }),
    );
    add(i.language, () => languageScanner({ allow: i.language.allow }));
    add(i.code, () => codeScanner());
  } else {
    const o = config.output;
    add(o.canary, () => canaryScanner());
    add(o.secrets, () => secretsScanner("output"));
    add(o.pii, () => piiScanner({ direction: "output", ...piiOpts(o.pii) }));
    add(o.promptLeak, () =>
      promptLeakScanner({
        threshold: o.promptLeak.threshold,
        ...(config.systemPrompt ? { systemPrompt: config.systemPrompt } : {}),
      }),
    );
    add(o.exfiltration, () => exfiltrationScanner({ allowedDomains: config.allowedDomains }));
    add(o.urls, () => urlScanner({ allowedDomains: config.allowedDomains }));
    add(o.refusal, () => refusalScanner());
    add(o.jsonSchema, () =>
      jsonSchemaScanner(o.jsonSchema.schema !== undefined ? { schema: o.jsonSchema.schema } : {}),
    );
    add(o.toxicity, () => toxicityScanner());
    add(o.invisible, () => invisibleScanner({ direction: "output" }));
  }
  return new GuardPipeline(direction, entries, { failClosed: config.failClosed, maxScanChars: config.maxScanChars });
}
