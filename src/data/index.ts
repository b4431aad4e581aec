/** The data domain's public API: PII detection and anonymisation, tabular readers, and the other data controls. */

export * from "./anonymize/files.ts";
export * from "./anonymize/kanon.ts";
export * from "./anonymize/keys.ts";
export * from "./anonymize/operators.ts";
export * from "./anonymize/text.ts";
// Differential privacy (issue 4, part 4)
export type { DpPlan, DpQueryOptions, DpResult, DpRow, GaussianAccounting } from "./dp/aggregate.ts";
export { planQuery, runQuery, runQueryOnFile } from "./dp/aggregate.ts";
export type { BudgetState, PrivacyCost, RemainingBudget } from "./dp/budget.ts";
export { charge, describeCost, remainingBudget, spentEpsilon } from "./dp/budget.ts";
export type { BudgetTotals, DpBudgetsTable } from "./dp/budget-store.ts";
export { checkDatasetName, getBudget, listBudgets, setBudget, spendBudget } from "./dp/budget-store.ts";
export type { NoisyRelease } from "./dp/mechanisms.ts";
export {
  dpQuantile,
  epsilonFromRho,
  exponentialMechanism,
  gaussianMechanism,
  laplaceMechanism,
  rhoFromEpsilonDelta,
} from "./dp/mechanisms.ts";
export type { Aggregate, DpQuery, FilterOp, QueryFilter } from "./dp/query.ts";
export { parseQuery } from "./dp/query.ts";
export type { RandomSource } from "./dp/random.ts";
export { CryptoRandom } from "./dp/random.ts";
export * from "./pii/detect.ts";
export { gazetteerInfo } from "./pii/gazetteer.ts";
export * from "./pii/scan-file.ts";
export * from "./pii/types.ts";
// Poisoning detection (issue 4, part 5)
export type { PoisonFinding, PoisonInput, PoisonOptions, PoisonReport } from "./poison/detect.ts";
export { detectPoisoning } from "./poison/detect.ts";
export type { DuplicateGroup, SimilarGroup } from "./poison/duplicates.ts";
export type { Trigger } from "./poison/triggers.ts";
export type { DetectorName, Reason } from "./poison/types.ts";
export * from "./provenance/index.ts";
export * from "./tabular/atomic.ts";
export * from "./tabular/csv.ts";
export * from "./tabular/format.ts";
export * from "./tabular/jsonl.ts";
export type { SourceOptions, TabularSource } from "./tabular/source.ts";
export * from "./tabular/text.ts";
// Validation and drift (issue 4, part 5); the distribution tests are shared with the runtime monitor
export type { CheckReport, RowStream, Violation } from "./validate/check.ts";
export { checkData, profileStream } from "./validate/check.ts";
export type { DriftResult } from "./validate/drift.ts";
export { categoricalDrift, numericDrift } from "./validate/drift.ts";
export type { SeededRandom } from "./validate/prng.ts";
export { seededRandom } from "./validate/prng.ts";
export type { ColumnProfile, DataProfile } from "./validate/profile.ts";
export type { RecordRow } from "./validate/records.ts";
export { readRecords } from "./validate/records.ts";
export type { ColumnRules, ValidationSchema } from "./validate/schema.ts";
export { loadSchema, parseSchema as parseValidationSchema, validationSchema } from "./validate/schema.ts";
export type { TestResult } from "./validate/stats.ts";
export {
  chiSquaredHomogeneity,
  chiSquaredSurvival,
  kolmogorovQ,
  ksOneSample,
  ksTwoSample,
  populationStabilityIndex,
} from "./validate/stats.ts";
