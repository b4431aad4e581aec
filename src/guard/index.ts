/**
 * warden/guard: input and output scanners for model traffic (prompt attacks, invisible text, secrets, PII, banned
 * content, limits, language, code; canaries, system-prompt leaks, exfiltration, URLs, refusals, JSON schema,
 * toxicity), a policy pipeline, a streaming scanner, and adapters for the openai client, the Vercel AI SDK and HTTP
 * request hooks.
 */

export { type GuardMiddlewareOptions, guardMiddleware } from "./adapters/ai-sdk.ts";
export { type GuardHookOptions, guardRequestHook } from "./adapters/http-hook.ts";
export { type GuardOpenAIOptions, guardFetch, guardOpenAIClient } from "./adapters/openai.ts";
export { buildPipeline, defaultGuardConfig } from "./config.ts";
export { type EvalReport, evaluateDetector, type LabelledRow, percentiles, readLabelledJsonl } from "./evaluate.ts";
export { decodeModel, type LinearModel, type ModelFile, shippedModel } from "./model.ts";
export { guardBackend } from "./native.ts";
export { normalizeText } from "./normalize.ts";
export { GuardPipeline, type PipelineEntry, type PipelineOptions, type PipelineResult } from "./pipeline.ts";
export { detectPromptAttack, type PromptAttackOptions, type PromptAttackResult } from "./prompt-attack.ts";
export { restorePlaceholders } from "./redact.ts";
export { bannedScanner, type Topic } from "./scanners/banned.ts";
export { canaryInstruction, canaryScanner, findCanary, makeCanary } from "./scanners/canary.ts";
export { codeScanner } from "./scanners/code.ts";
export { invisibleScanner } from "./scanners/invisible.ts";
export { jsonSchemaScanner, validateJson } from "./scanners/json-schema.ts";
export { detectLanguage, languageScanner } from "./scanners/language.ts";
export { estimateTokens, limitsScanner } from "./scanners/limits.ts";
export { exfiltrationScanner, hostAllowed, suspiciousUrl, urlScanner } from "./scanners/links.ts";
export { piiScanner } from "./scanners/pii.ts";
export { promptAttackScanner } from "./scanners/prompt-attack.ts";
export { promptLeakScanner, promptOverlap } from "./scanners/prompt-leak.ts";
export { refusalScanner } from "./scanners/refusal.ts";
export { findSecrets, secretsScanner, shannonEntropy } from "./scanners/secrets.ts";
export { toxicityScanner } from "./scanners/toxicity.ts";
export { StreamGuard, type StreamOptions, type StreamStep } from "./stream.ts";
export {
  DEFAULT_TRAIN_SETTINGS,
  ratesByKind,
  type TrainingRow,
  type TrainSettings,
  trainPromptAttackModel,
  tuneThreshold,
} from "./train.ts";
export type { Direction, Finding, Policy, ScanContext, Scanner, ScanResult } from "./types.ts";
