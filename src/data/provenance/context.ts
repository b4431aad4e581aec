/** What the provenance, access and retention controls need from the workspace, passed explicitly for testability. */
import type { DataConfig } from "../../core/config/sections/data.ts";
import type { KeyRing } from "../../core/crypto/index.ts";
import type { Ledger } from "../../ledger/index.ts";
import type { Store } from "../../store/index.ts";

export interface DataContext {
  store: Store;
  ledger: Ledger;
  keys: KeyRing;
  /** Name of the keyring key that signs manifests (the workspace key). */
  signingKey: string;
  /** The principal acting. */
  actor: string;
  config: DataConfig;
  /** Where archived datasets go. */
  archiveDir: string;
}

/** Rows of the data provenance tables (migration 021). */
export type DataTables = {
  data_datasets: {
    id: string;
    name: string;
    version: number;
    digest: string;
    manifest: string;
    envelope: string;
    classification: string;
    owner: string;
    source_path: string;
    transform: string | null;
    registered_by: string;
    registered_at: string;
    ledger_index: number | string;
    status: string;
    status_detail: string | null;
  };
  data_dataset_parents: { child_id: string; parent_id: string; position: number };
  data_record_digests: { dataset_id: string; path: string; digests: string };
};
