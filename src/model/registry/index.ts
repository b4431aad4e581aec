/** Model registry and promotion gates. Re-exported by `src/model/index.ts`. */
export {
  type GateName,
  type GateResult,
  integrityGate,
  scanGate,
  separationOfDutiesGate,
  signatureGate,
} from "./gates.ts";
export {
  evaluateGates,
  getVersion,
  history,
  listVersions,
  type PromotionResult,
  parseRef,
  promoteVersion,
  type RegisterInput,
  type RegistryContext,
  type RollbackResult,
  recordScan,
  registerVersion,
  rollback,
} from "./registry.ts";
export { scanRecordOf } from "./scan-record.ts";
export {
  type Lineage,
  type ModelVersion,
  type RegistryTables,
  type ScanRecord,
  type SignatureSummary,
  STAGES,
  type Stage,
  type Transition,
} from "./types.ts";
