/** Dataset provenance, integrity, lineage, classification-based access and retention (private to the data domain). */
export { type AccessDecision, type DataAction, decideAccess, enforceAccess } from "./access.ts";
export type { DataContext } from "./context.ts";
export type { FileChange, ManifestDiff, RowChanges } from "./diff.ts";
export {
  datasetLineage,
  type Lineage,
  type LineageEdge,
  type LineageNode,
  lineageToDot,
  lineageToMermaid,
} from "./lineage.ts";
export { buildManifest, type Manifest, type ManifestFile } from "./manifest.ts";
export {
  DATASET_PREDICATE_TYPE,
  type DatasetVerification,
  type DatasetVersion,
  getDataset,
  listDatasets,
  parseDatasetRef,
  type RegisterOptions,
  registerDataset,
  verifyDataset,
} from "./registry.ts";
export { applyRetention, planRetention, type RetentionItem, retentionMs } from "./retention.ts";
