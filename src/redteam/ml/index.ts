/**
 * Adversarial robustness and privacy assessment of ML models (`warden/redteam`, namespace `ml`): model adapters (JS,
 * ONNX, HTTP) with query accounting; evasion attacks (HopSkipJump, Square, SimBA, boundary, FGSM/PGD, text); certified
 * robustness by randomized smoothing; membership inference (loss, confidence, shadow models, LiRA); model extraction;
 * defences to compare (ensemble, feature squeezing, bounds checks); JSON/HTML reports, CI verdicts, the ledger record.
 */
export { type AssessmentOptions, domainFor, planBaseDir, runAssessment } from "./assessment.ts";
export { type BoundaryOptions, boundaryAttack } from "./attacks/boundary.ts";
export type { AttackContext, SampleOutcome } from "./attacks/common.ts";
export { fgsm, type GradientAttackOptions, type GradientSource, lossGradients, pgd } from "./attacks/gradient.ts";
export { type HopSkipJumpOptions, hopSkipJump } from "./attacks/hopskipjump.ts";
export { type SimbaOptions, simba } from "./attacks/simba.ts";
export { type SquareOptions, squareAttack } from "./attacks/square.ts";
export {
  HOMOGLYPHS,
  synonymsOf,
  type TextAttackOptions,
  type TextOutcome,
  type TextPerturbation,
  textAttack,
  wordCandidates,
} from "./attacks/text.ts";
export { type CertificationOptions, type CertificationReport, runCertification } from "./certification.ts";
export {
  type Certificate,
  certifiedAccuracy,
  certify,
  predictSmoothed,
  type SmoothingOptions,
} from "./certify/smoothing.ts";
export {
  betaQuantile,
  binomialTestP,
  clopperPearson,
  normalCdf,
  normalQuantile,
  regularizedBeta,
} from "./certify/stats.ts";
export { type Dataset, loadDataset, loadTextDataset, parseCsv, standardize, type TextDataset } from "./data.ts";
export { type BoundsCheckOptions, boundsCheckDefence, outOfBounds } from "./defences/bounds.ts";
export { ensembleDefence, ensembleTarget } from "./defences/ensemble.ts";
export {
  featureSqueezingDefence,
  medianSmooth,
  reduceBitDepth,
  type SqueezeOptions,
  squeezeScores,
} from "./defences/squeeze.ts";
export { type Defence, type DefendedModel, noDefence } from "./defences/types.ts";
export { createDomain, type DomainOptions, type InputDomain, project, projectBall } from "./domain.ts";
export {
  type AdversarialExample,
  type AttackReport,
  type Distribution,
  EVASION_ATTACKS,
  type EvasionAttackName,
  type EvasionOptions,
  runEvasion,
  runTextEvasion,
  type TextEvasionOptions,
  type TextEvasionReport,
} from "./evasion.ts";
export { type ExtractionOptions, type ExtractionPoint, type ExtractionResult, extractionRisk } from "./extraction.ts";
export { type LedgerAppender, recordRun, runRecord } from "./ledger.ts";
export { type LiraOptions, liraAttack } from "./membership/lira.ts";
export { type RocPoint, type RocSummary, roc } from "./membership/roc.ts";
export { type ShadowOptions, shadowAttack } from "./membership/shadow.ts";
export { thresholdAttack } from "./membership/threshold.ts";
export type { Labelled, MembershipData, MembershipResult } from "./membership/types.ts";
export {
  MEMBERSHIP_ATTACKS,
  type MembershipAttackName,
  type MembershipOptions,
  type MembershipReport,
  runMembership,
} from "./membership.ts";
export {
  type Classifier,
  classifierTarget,
  defaultTrainRoutine,
  type MlpOptions,
  type Predictor,
  type TrainRoutine,
  trainClassifier,
} from "./models/mlp.ts";
export { loadPlan, type Plan, type PlanInput, parsePlan, planSchema } from "./plan.ts";
export { renderHtml } from "./report/html.ts";
export { adversarialExamples, summaryReport, writeReport } from "./report/json.ts";
export type { MlReport } from "./report/types.ts";
export { type Check, evaluateVerdict, type Thresholds, thresholdsSchema, type Verdict } from "./report/verdict.ts";
export { createRng, type Rng } from "./rng.ts";
export { type HttpTargetOptions, httpTarget, httpTextTarget, parseJsonPath } from "./targets/http.ts";
export { importModelExport, importTrainRoutine, jsTarget, jsTextTarget } from "./targets/js.ts";
export { type OnnxTargetOptions, onnxTarget } from "./targets/onnx.ts";
export {
  type OpenTargetOptions,
  openTarget,
  openTextTarget,
  parseTargetSpec,
  type TargetSpec,
} from "./targets/spec.ts";
export {
  functionTarget,
  labelsOnly,
  normaliseOutputs,
  Oracle,
  type OutputKind,
  type Target,
  type TextTarget,
} from "./targets/types.ts";
export type { Norm } from "./vec.ts";
