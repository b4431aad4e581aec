/** Types of the model registry: stages, versions, scans, transitions, and the rows of migration 010-model. */
import type { Serialization } from "../signing/index.ts";

/** Lifecycle stages, in promotion order. */
export const STAGES = ["development", "staging", "production", "retired"] as const;
export type Stage = (typeof STAGES)[number];

/** Where a version came from: datasets by manifest digest and parent models as `name@version`. */
export interface Lineage {
  datasets: string[];
  parents: string[];
}

/** What the registry keeps of a version's signature bundle (never trusted without re-verification). */
export interface SignatureSummary {
  path: string;
  /** Root digest the bundle claims to sign. */
  signedDigest: string;
  /** Key hint of a key-signed bundle, or the leaf subject of a certificate bundle. */
  keyHint?: string;
  subject?: string;
  method: "key" | "certificate" | "sigstore";
}

/** A scan result as the registry records it. */
export interface ScanRecord {
  safe: boolean;
  /** Files by verdict, bytes, duration... whatever the scanner summarises. */
  summary: Record<string, unknown>;
  /** Paths of files that were not safe, with their verdict. */
  flagged: { path: string; verdict: string }[];
  scannedAt: string;
}

/** One registered model version. */
export interface ModelVersion {
  name: string;
  version: string;
  /** OMS root digest of the files at registration. */
  digest: string;
  path: string;
  serialization: Serialization;
  signature: SignatureSummary | null;
  lineage: Lineage;
  metrics: Record<string, number>;
  owner: string;
  stage: Stage;
  registeredBy: string;
  registeredAt: string;
  updatedAt: string;
  /** Latest scan, if any. */
  scan: ScanRecord | null;
}

/** A recorded stage change. */
export interface Transition {
  name: string;
  version: string;
  seq: number;
  from: Stage | null;
  to: Stage;
  actor: string;
  reason: string;
  at: string;
}

export type ModelVersionsTable = {
  name: string;
  version: string;
  digest: string;
  path: string;
  signature_path: string | null;
  signature_json: string | null;
  serialization_json: string;
  lineage_json: string;
  metrics_json: string;
  owner: string;
  stage: string;
  registered_by: string;
  registered_at: string;
  updated_at: string;
};

export type ModelScansTable = {
  id: string;
  name: string;
  version: string;
  seq: number;
  safe: number;
  result_json: string;
  scanned_at: string;
};

export type ModelTransitionsTable = {
  id: string;
  name: string;
  version: string;
  seq: number;
  from_stage: string | null;
  to_stage: string;
  actor: string;
  reason: string;
  at: string;
};

/** The tables of migration 010-model. */
export type RegistryTables = {
  model_versions: ModelVersionsTable;
  model_scans: ModelScansTable;
  model_transitions: ModelTransitionsTable;
};
