/**
 * Promotion gates of the model registry: each a small pure function over evidence gathered beforehand, returning
 * `{gate, ok, detail}`. Default policy for production (warden.yaml `model.promotion`): the signature verifies against a
 * trusted key and covers the registered digest; the latest scan is safe; the files on disk still match the signed
 * digest; and the approver differs from the registrant (separation of duties, NIST SP 800-53 AC-5).
 */
import type { ManifestDiff, SignatureCheck } from "../signing/index.ts";
import { describeDiff } from "../signing/index.ts";
import type { ModelVersion, ScanRecord } from "./types.ts";

export type GateName = "signature" | "scan" | "integrity" | "separation-of-duties";

/** The outcome of one gate. */
export interface GateResult {
  gate: GateName;
  ok: boolean;
  detail: string;
}

/** The signature verifies against a trusted key (or CA) and signs exactly the registered digest. */
export function signatureGate(v: ModelVersion, check: SignatureCheck | undefined): GateResult {
  const gate = "signature";
  if (!v.signature || !check)
    return {
      gate,
      ok: false,
      detail: "version has no signature: sign it with warden model sign, then register it again",
    };
  if (!check.ok || !check.signed) return { gate, ok: false, detail: check.failure ?? "signature not verified" };
  if (check.signed.root !== v.digest) {
    return { gate, ok: false, detail: `signature covers digest ${check.signed.root}, not the registered ${v.digest}` };
  }
  const who = check.signer?.name ?? check.signer?.subject ?? check.signer?.hint ?? "trusted signer";
  return { gate, ok: true, detail: `signed by ${who} (${check.signer?.type ?? check.method})` };
}

/** The latest recorded scan exists and found the model safe. */
export function scanGate(scan: ScanRecord | null): GateResult {
  const gate = "scan";
  if (!scan) return { gate, ok: false, detail: "no scan recorded: scan the model (warden model register scans it)" };
  if (!scan.safe) {
    const files = scan.flagged.map((f) => `${f.path} (${f.verdict})`).join(", ");
    return { gate, ok: false, detail: `latest scan (${scan.scannedAt}) is not safe: ${files || "flagged"}` };
  }
  return { gate, ok: true, detail: `latest scan (${scan.scannedAt}) is safe` };
}

/** The files on disk hash to the registered (signed) digest; the evidence is the recomputed root and diff. */
export function integrityGate(
  v: ModelVersion,
  evidence: { root: string; diff?: ManifestDiff } | { error: string },
): GateResult {
  const gate = "integrity";
  if ("error" in evidence) return { gate, ok: false, detail: evidence.error };
  const named = evidence.diff ? describeDiff(evidence.diff) : undefined;
  if (named) return { gate, ok: false, detail: named };
  if (evidence.root !== v.digest)
    return { gate, ok: false, detail: `files on disk hash to ${evidence.root}, not the registered ${v.digest}` };
  return { gate, ok: true, detail: `files match digest ${v.digest}` };
}

/** The principal promoting (approving) is not the one who registered the version. */
export function separationOfDutiesGate(v: ModelVersion, approver: string): GateResult {
  const gate = "separation-of-duties";
  if (approver === v.registeredBy) {
    return {
      gate,
      ok: false,
      detail: `${approver} registered this version and cannot also approve it: another principal must promote it`,
    };
  }
  return { gate, ok: true, detail: `approved by ${approver}, registered by ${v.registeredBy}` };
}
