/**
 * The ledger domain's public door: the RFC 6962 / RFC 9162 Merkle ledger every domain appends its security events to,
 * pure proof verification, and C2SP signed-note checkpoints.
 */
export type { LedgerEntry, LedgerEntryInput } from "./entry.ts";
export { MAX_ENTRY_BYTES } from "./entry.ts";
export { noteKeysFor, noteSignersFor } from "./keys.ts";
export type {
  Checkpoint,
  ConsistencyProof,
  InclusionProof,
  LedgerOptions,
  LedgerQuery,
  LedgerRecord,
} from "./ledger.ts";
export { Ledger, MAX_BATCH } from "./ledger.ts";
export { EMPTY_ROOT, hashChildren, hashLeaf } from "./merkle.ts";
export type { NoteAlgorithm, NoteKey, NoteSigner, VerifiedCheckpoint } from "./note.ts";
export { ML_DSA_65_NOTE_TYPE, noteKeyId, verifyNote } from "./note.ts";
export { verifyConsistency, verifyInclusion } from "./proof-verify.ts";
export type { LedgerVerifyResult } from "./verify-ledger.ts";
