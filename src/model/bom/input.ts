/** What an AI-BOM describes: a registered model version, its parent models, datasets and locked dependencies. */
import type { ModelVersion } from "../registry/index.ts";
import type { LockedDependency } from "./lockfiles.ts";

export interface BomInput {
  model: ModelVersion;
  /** Registered parent versions (from the model's lineage). */
  parents: readonly ModelVersion[];
  dependencies: readonly LockedDependency[];
  tool: { name: string; version: string };
  /** RFC 4122 UUID of this BOM (random when absent). */
  serial?: string;
  /** ISO-8601 creation time (now when absent). */
  timestamp?: string;
}

/** A dataset digest without any `sha256:` prefix. */
export function datasetHex(d: string): string {
  return d.startsWith("sha256:") ? d.slice(7) : d;
}

/** `name@version` of a version. */
export function refOf(v: Pick<ModelVersion, "name" | "version">): string {
  return `${v.name}@${v.version}`;
}
