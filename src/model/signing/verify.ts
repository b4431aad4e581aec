/**
 * `warden model verify`: checks an OMS v1.0 signature bundle against trusted keys or a trusted CA, then re-hashes the
 * model with the signed serialization and names every changed, added or removed file. Key bundles, X.509 chain
 * bundles (incl. the legacy v0.2 format) and Warden's hybrid Ed25519 + ML-DSA-65 bundles (both signatures required)
 * are verified offline; Sigstore keyless bundles need Fulcio/Rekor trust roots online and are refused with a clear
 * reason.
 */
import { X509Certificate } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import { WardenError } from "../../core/errors.ts";
import { pae } from "../../core/index.ts";
import type { Audit } from "./audit.ts";
import { keyMaterial, legacyPae, MAX_BUNDLE_BYTES, parseBundle, type SigstoreBundle } from "./bundle.ts";
import { verifyChain } from "./certificate.ts";
import { nodeKeyVerifier, verifierFromPem } from "./keys.ts";
import { diffManifests, type HashOptions, hashModel, type ManifestDiff, type ModelManifest } from "./manifest.ts";
import { IN_TOTO_PAYLOAD_TYPE, OMS_LEGACY_PREDICATE_TYPE, readStatement, type SignedManifest } from "./statement.ts";
import type { TrustedKey } from "./trust.ts";
import { DEFAULT_IGNORE_PATHS } from "./walk.ts";

export interface VerifyOptions extends Pick<HashOptions, "workers" | "maxFiles"> {
  modelPath: string;
  /** Bundle path; default `model.sig` inside the model directory (or beside a single-file model). */
  signaturePath?: string;
  /** Trusted keys for key-signed bundles. */
  keys?: readonly TrustedKey[];
  /** Trusted root CAs for certificate-chain bundles. */
  roots?: readonly X509Certificate[];
  /** Intermediate CA certificates that may complete a bundle's chain (not trusted by themselves). */
  intermediates?: readonly X509Certificate[];
  /** Extra paths to ignore (relative to the model root), besides model.sig, git files and the signed ignore list. */
  ignorePaths?: readonly string[];
  /** Appends `model.verified` or `model.verify_failed` to the ledger when given. */
  audit?: Audit;
}

/** The outcome of a verification: `ok` only if the signature is trusted and every file matches. */
export interface VerifyReport {
  ok: boolean;
  model: string;
  signature: string;
  /** Why verification failed (first reason), when it did. */
  failure?: string;
  method?: "key" | "certificate" | "sigstore";
  /** Trusted key that verified (hint and type), or the leaf certificate subject. */
  signer?: { type: string; hint?: string; name?: string; subject?: string };
  predicateType?: string;
  /** Signed root digest (OMS subject digest). */
  digest?: string;
  serialization?: SignedManifest["serialization"]["method"];
  resources?: number;
  diff?: ManifestDiff;
}

/** Default signature location for a model path. */
export function defaultSignaturePath(modelPath: string): string {
  const abs = resolve(modelPath);
  let isDir = false;
  try {
    isDir = statSync(abs).isDirectory();
  } catch {
    isDir = false;
  }
  return isDir ? join(abs, "model.sig") : join(dirname(abs), "model.sig");
}

function readBundleFile(path: string): SigstoreBundle {
  let size: number;
  try {
    size = statSync(path).size;
  } catch (e) {
    throw new WardenError(
      "E_MODEL_NOT_FOUND",
      `signature ${path} not found: sign the model first or pass --signature`,
      {
        cause: e,
      },
    );
  }
  if (size > MAX_BUNDLE_BYTES)
    throw new WardenError("E_INPUT_TOO_LARGE", `signature ${path} is larger than ${MAX_BUNDLE_BYTES} bytes`);
  return parseBundle(readFileSync(path), path);
}

class Refused extends Error {}

/** Checks the envelope's signatures with a trusted key: every part must have one verifying signature. */
function keySigned(key: TrustedKey, data: Uint8Array, sigs: readonly { sig: Buffer; keyid: string }[]): boolean {
  return key.parts.every((part) => {
    const mine = key.parts.length > 1 ? sigs.filter((s) => s.keyid === `${part.type}:${part.hint}`) : sigs;
    return mine.some((s) => part.verify(data, s.sig));
  });
}

function verifyKeyBundle(
  b: SigstoreBundle,
  payload: Buffer,
  sigs: { sig: Buffer; keyid: string }[],
  keys: readonly TrustedKey[],
  where: string,
): TrustedKey {
  const km = keyMaterial(b, where);
  if (km.kind !== "public-key") throw new Refused("internal: not a key bundle");
  if (keys.length === 0)
    throw new Refused("key-signed bundle but no trusted key given: pass --key PUBLIC.pem or --key-name");
  let hint = km.hint;
  if (hint === undefined && km.pem !== undefined) {
    try {
      hint = verifierFromPem(km.pem, where).hint;
    } catch {
      hint = undefined;
    }
  }
  const candidates = hint === undefined ? keys : keys.filter((k) => k.hint === hint);
  if (candidates.length === 0) {
    throw new Refused(
      `signed by key ${hint ?? "?"}, which is not a trusted key (trusted: ${keys.map((k) => k.hint.slice(0, 16)).join(", ")})`,
    );
  }
  const data = pae(b.dsseEnvelope.payloadType, payload);
  const ok = candidates.find((k) => keySigned(k, data, sigs));
  if (!ok) {
    const hybrid = candidates.some((k) => k.parts.length > 1);
    throw new Refused(
      hybrid
        ? "hybrid signature invalid: both the Ed25519 and the ML-DSA-65 signature must verify"
        : "signature does not verify with the trusted key",
    );
  }
  return ok;
}

function verifyCertBundle(
  b: SigstoreBundle,
  payload: Buffer,
  sigs: { sig: Buffer; keyid: string }[],
  roots: readonly X509Certificate[],
  intermediates: readonly X509Certificate[],
  where: string,
): { subject: string; type: string; hint: string } {
  const km = keyMaterial(b, where);
  if (km.kind !== "certificate-chain") throw new Refused("internal: not a certificate bundle");
  let leaf: X509Certificate;
  try {
    leaf = verifyChain(km.certificates, roots, intermediates);
  } catch (e) {
    throw new Refused(e instanceof Error ? e.message : String(e));
  }
  const verifier = nodeKeyVerifier(leaf.publicKey);
  const std = pae(b.dsseEnvelope.payloadType, payload);
  if (sigs.some((s) => verifier.verify(std, s.sig)))
    return { subject: leaf.subject, type: verifier.type, hint: verifier.hint };
  // model_signing v0.2 signed a different encoding with SHA-256 whatever the curve; accept it for the legacy predicate only.
  const legacy = readStatementSafe(payload)?.predicateType === OMS_LEGACY_PREDICATE_TYPE;
  if (legacy) {
    const v02 = nodeKeyVerifier(leaf.publicKey, "sha256");
    const data = legacyPae(b.dsseEnvelope.payloadType, payload);
    if (sigs.some((s) => v02.verify(data, s.sig)))
      return { subject: leaf.subject, type: verifier.type, hint: verifier.hint };
  }
  throw new Refused(`signature does not verify with the leaf certificate "${leaf.subject}"`);
}

function readStatementSafe(payload: Buffer): SignedManifest | undefined {
  try {
    return readStatement(payload);
  } catch {
    return undefined;
  }
}

function ignoresFor(
  modelRoot: string,
  signaturePath: string,
  signed: SignedManifest,
  extra: readonly string[],
): string[] {
  const out = [...DEFAULT_IGNORE_PATHS, ...(signed.serialization.ignore_paths ?? []), ...extra];
  const rel = relative(modelRoot, resolve(signaturePath));
  if (rel && !rel.startsWith("..") && !rel.startsWith(sep)) out.push(rel.split(sep).join("/"));
  return out;
}

/**
 * Verifies a model against its OMS signature bundle. Never throws for a bad signature or a modified model: the
 * report says what failed. Throws WardenError only for unusable input (missing files, unreadable bundle).
 */
export async function verifyModel(opts: VerifyOptions): Promise<VerifyReport> {
  const report = await check(opts);
  if (opts.audit) {
    await opts.audit.ledger.append({
      type: report.ok ? "model.verified" : "model.verify_failed",
      subject: `model:${report.digest ?? report.model}`,
      actor: opts.audit.actor,
      data: { ...report },
    });
  }
  return report;
}

/** The signature half of a verification: who signed and what (the statement), or why it is not trusted. */
export interface SignatureCheck {
  ok: boolean;
  failure?: string;
  method?: VerifyReport["method"];
  signer?: VerifyReport["signer"];
  signed?: SignedManifest;
}

/**
 * Checks a bundle's signature against trusted keys or roots and reads the signed statement. Never throws for an
 * untrusted or invalid signature (see `failure`); throws WardenError for a missing or unreadable bundle.
 */
export function checkSignature(
  signaturePath: string,
  trust: Pick<VerifyOptions, "keys" | "roots" | "intermediates">,
): SignatureCheck {
  const bundle = readBundleFile(signaturePath);
  const out: SignatureCheck = { ok: false };
  const env = bundle.dsseEnvelope;
  const payload = Buffer.from(env.payload, "base64");
  const sigs = env.signatures.map((s) => ({ sig: Buffer.from(s.sig, "base64"), keyid: s.keyid }));
  try {
    if (env.payloadType !== IN_TOTO_PAYLOAD_TYPE)
      throw new Refused(`DSSE payload type ${env.payloadType} is not ${IN_TOTO_PAYLOAD_TYPE}`);
    const km = keyMaterial(bundle, signaturePath);
    if (km.kind === "sigstore") {
      out.method = "sigstore";
      throw new Refused(
        "Sigstore keyless bundle: verifying it needs the Fulcio CA and Rekor log trust roots online, which Warden does not use; re-sign with a key (warden model sign --key-name) or a certificate chain",
      );
    }
    if (km.kind === "public-key") {
      out.method = "key";
      const k = verifyKeyBundle(bundle, payload, sigs, trust.keys ?? [], signaturePath);
      out.signer = k.name === undefined ? { type: k.type, hint: k.hint } : { type: k.type, hint: k.hint, name: k.name };
    } else {
      out.method = "certificate";
      out.signer = verifyCertBundle(bundle, payload, sigs, trust.roots ?? [], trust.intermediates ?? [], signaturePath);
    }
    out.signed = readStatement(payload);
  } catch (e) {
    if (e instanceof Refused || (e instanceof WardenError && e.code === "E_MODEL_VERIFY_FAILED")) {
      out.failure = e.message;
      return out;
    }
    throw e;
  }
  out.ok = true;
  return out;
}

/**
 * Re-hashes the model with the signed serialization (method, shard size, symlink policy, signed ignore list plus
 * model.sig, git files, the bundle itself and `ignorePaths`), names every file that differs, and returns the manifest
 * recomputed from disk.
 */
export async function checkIntegrity(
  modelPath: string,
  signaturePath: string,
  signed: SignedManifest,
  opts: Pick<VerifyOptions, "ignorePaths" | "workers" | "maxFiles"> = {},
): Promise<{ diff: ManifestDiff; actual: ModelManifest }> {
  const model = resolve(modelPath);
  const ser = signed.serialization;
  const hashOpts: HashOptions = {
    method: ser.method,
    allowSymlinks: ser.allow_symlinks,
    ignorePaths: ignoresFor(model, signaturePath, signed, opts.ignorePaths ?? []),
    ...(ser.method === "shards" ? { shardSize: ser.shard_size } : {}),
    ...(opts.workers === undefined ? {} : { workers: opts.workers }),
    ...(opts.maxFiles === undefined ? {} : { maxFiles: opts.maxFiles }),
  };
  const actual = await hashModel(model, hashOpts);
  return { diff: diffManifests(signed.resources, actual.resources, ser.method), actual };
}

/** One line naming the files of a non-empty diff, or undefined when the model matches. */
export function describeDiff(diff: ManifestDiff): string | undefined {
  const parts = [
    diff.changed.length ? `changed: ${diff.changed.join(", ")}` : "",
    diff.added.length ? `added (not signed): ${diff.added.join(", ")}` : "",
    diff.removed.length ? `removed: ${diff.removed.join(", ")}` : "",
  ].filter(Boolean);
  return parts.length === 0 ? undefined : `model files do not match the signature — ${parts.join("; ")}`;
}

async function check(opts: VerifyOptions): Promise<VerifyReport> {
  const model = resolve(opts.modelPath);
  const signature = resolve(opts.signaturePath ?? defaultSignaturePath(model));
  const report: VerifyReport = { ok: false, model, signature };
  const sig = checkSignature(signature, opts);
  if (sig.method) report.method = sig.method;
  if (sig.signer) report.signer = sig.signer;
  if (!sig.ok || !sig.signed) {
    report.failure = sig.failure ?? "signature not verified";
    return report;
  }
  const signed = sig.signed;
  report.predicateType = signed.predicateType;
  report.digest = signed.root;
  report.serialization = signed.serialization.method;
  report.resources = signed.resources.length;
  report.diff = (await checkIntegrity(model, signature, signed, opts)).diff;
  const failure = describeDiff(report.diff);
  if (failure) {
    report.failure = failure;
    return report;
  }
  report.ok = true;
  return report;
}

/** Throws E_MODEL_VERIFY_FAILED with the report's reason when it is not ok. */
export function assertVerified(report: VerifyReport): void {
  if (!report.ok) {
    throw new WardenError(
      "E_MODEL_VERIFY_FAILED",
      `${basename(report.model)}: ${report.failure ?? "verification failed"}`,
      {
        details: { ...report },
      },
    );
  }
}

/** What a bundle claims, read WITHOUT checking the signature (for display and bookkeeping only). */
export interface SignatureClaim {
  method: "key" | "certificate" | "sigstore";
  keyHint?: string;
  subject?: string;
  signed: SignedManifest;
}

/** Reads a bundle's claims without trusting them; throws E_MODEL_VERIFY_FAILED when unreadable. */
export function inspectSignature(signaturePath: string): SignatureClaim {
  const bundle = readBundleFile(signaturePath);
  const signed = readStatement(Buffer.from(bundle.dsseEnvelope.payload, "base64"));
  const km = keyMaterial(bundle, signaturePath);
  if (km.kind === "public-key") {
    const hint = km.hint ?? (km.pem === undefined ? undefined : verifierFromPem(km.pem, signaturePath).hint);
    return hint === undefined ? { method: "key", signed } : { method: "key", keyHint: hint, signed };
  }
  if (km.kind === "certificate-chain") {
    const der = km.certificates[0];
    const subject = der ? new X509Certificate(der).subject : undefined;
    return subject === undefined ? { method: "certificate", signed } : { method: "certificate", subject, signed };
  }
  return { method: "sigstore", signed };
}
