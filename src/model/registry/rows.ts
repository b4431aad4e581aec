/** Conversions between registry rows (migration 010-model) and domain objects; JSON columns are parsed defensively. */
import { WardenError } from "../../core/errors.ts";
import type { Serialization } from "../signing/index.ts";
import {
  type Lineage,
  type ModelScansTable,
  type ModelTransitionsTable,
  type ModelVersion,
  type ModelVersionsTable,
  type ScanRecord,
  type SignatureSummary,
  STAGES,
  type Stage,
  type Transition,
} from "./types.ts";

function json<T>(text: string, what: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new WardenError("E_DB_CORRUPT", `model registry: ${what} is not valid JSON`, { cause: e });
  }
}

function stage(s: string): Stage {
  if (!(STAGES as readonly string[]).includes(s))
    throw new WardenError("E_DB_CORRUPT", `model registry: unknown stage ${s}`);
  return s as Stage;
}

export function scanFromRow(r: ModelScansTable): ScanRecord {
  const body = json<{ summary: Record<string, unknown>; flagged: ScanRecord["flagged"] }>(r.result_json, "scan result");
  return { safe: r.safe === 1, summary: body.summary ?? {}, flagged: body.flagged ?? [], scannedAt: r.scanned_at };
}

export function fromRow(r: ModelVersionsTable, scan: ScanRecord | null): ModelVersion {
  return {
    name: r.name,
    version: r.version,
    digest: r.digest,
    path: r.path,
    serialization: json<Serialization>(r.serialization_json, "serialization"),
    signature: r.signature_json === null ? null : json<SignatureSummary>(r.signature_json, "signature"),
    lineage: json<Lineage>(r.lineage_json, "lineage"),
    metrics: json<Record<string, number>>(r.metrics_json, "metrics"),
    owner: r.owner,
    stage: stage(r.stage),
    registeredBy: r.registered_by,
    registeredAt: r.registered_at,
    updatedAt: r.updated_at,
    scan,
  };
}

export function transitionFromRow(r: ModelTransitionsTable): Transition {
  return {
    name: r.name,
    version: r.version,
    seq: Number(r.seq),
    from: r.from_stage === null ? null : stage(r.from_stage),
    to: stage(r.to_stage),
    actor: r.actor,
    reason: r.reason,
    at: r.at,
  };
}
