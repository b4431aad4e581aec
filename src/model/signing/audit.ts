/** Where model-signing and registry events go: any ledger with `append` (the workspace ledger in practice). */

/** The part of the ledger this domain uses (structurally the ledger's `append`). */
export interface LedgerSink {
  append(entry: { type: string; subject: string; actor: string; data: Record<string, unknown> }): Promise<unknown>;
}

/** A ledger plus the principal acting. */
export interface Audit {
  ledger: LedgerSink;
  actor: string;
}
