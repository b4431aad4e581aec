/**
 * Sigstore bundles (media type application/vnd.dev.sigstore.bundle.v0.3+json) as OMS writes them: a DSSE envelope
 * over the in-toto statement plus verification material — a public-key hint, embedded key bytes, an X.509 chain, or a
 * Sigstore (Fulcio) certificate. Parsing is strict and bounded; nothing in a bundle is trusted until verified.
 */
import { z } from "zod";
import { WardenError } from "../../core/errors.ts";

export const SIGSTORE_BUNDLE_MEDIA_TYPE = "application/vnd.dev.sigstore.bundle.v0.3+json";
/** Largest bundle file read. */
export const MAX_BUNDLE_BYTES = 96 * 1024 * 1024;

const b64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, "base64");
const bundleSchema = z.object({
  mediaType: z.string(),
  verificationMaterial: z.object({
    publicKey: z
      .object({ hint: z.string().max(512).optional(), rawBytes: b64.optional(), keyDetails: z.string().optional() })
      .optional(),
    x509CertificateChain: z
      .object({
        certificates: z
          .array(z.object({ rawBytes: b64 }))
          .min(1)
          .max(16),
      })
      .optional(),
    certificate: z.object({ rawBytes: b64 }).optional(),
    tlogEntries: z.array(z.unknown()).optional(),
    timestampVerificationData: z.unknown().optional(),
  }),
  dsseEnvelope: z.object({
    payload: b64,
    payloadType: z.string().max(256),
    signatures: z
      .array(
        z.object({
          sig: b64,
          keyid: z
            .string()
            .max(512)
            .nullish()
            .transform((k) => k ?? ""),
        }),
      )
      .min(1)
      .max(8),
  }),
});

/** A parsed Sigstore bundle. */
export type SigstoreBundle = z.infer<typeof bundleSchema>;

/** How a bundle says its signer is identified. */
export type KeyMaterial =
  | { kind: "public-key"; hint?: string; pem?: string; keyDetails?: string }
  | { kind: "certificate-chain"; certificates: Buffer[] }
  | { kind: "sigstore"; certificate: Buffer };

function bad(where: string, message: string, cause?: unknown): WardenError {
  return new WardenError("E_MODEL_VERIFY_FAILED", `${where}: ${message}`, cause === undefined ? {} : { cause });
}

/** Parses and validates bundle JSON bytes (`where` names the file in errors). */
export function parseBundle(bytes: Uint8Array, where: string): SigstoreBundle {
  if (bytes.byteLength > MAX_BUNDLE_BYTES) throw bad(where, `signature bundle larger than ${MAX_BUNDLE_BYTES} bytes`);
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes).toString("utf8"));
  } catch (e) {
    throw bad(where, "not a JSON Sigstore bundle", e);
  }
  const r = bundleSchema.safeParse(json);
  if (!r.success) throw bad(where, `not a Sigstore bundle: ${z.prettifyError(r.error)}`);
  if (r.data.mediaType !== SIGSTORE_BUNDLE_MEDIA_TYPE) {
    throw bad(where, `unsupported bundle media type ${r.data.mediaType} (expected ${SIGSTORE_BUNDLE_MEDIA_TYPE})`);
  }
  return r.data;
}

/** The verification material of a bundle, classified. */
export function keyMaterial(b: SigstoreBundle, where: string): KeyMaterial {
  const vm = b.verificationMaterial;
  if (vm.publicKey) {
    const out: KeyMaterial = { kind: "public-key" };
    if (vm.publicKey.hint) out.hint = vm.publicKey.hint;
    if (vm.publicKey.rawBytes) out.pem = Buffer.from(vm.publicKey.rawBytes, "base64").toString("utf8");
    if (vm.publicKey.keyDetails) out.keyDetails = vm.publicKey.keyDetails;
    return out;
  }
  if (vm.x509CertificateChain) {
    return {
      kind: "certificate-chain",
      certificates: vm.x509CertificateChain.certificates.map((c) => Buffer.from(c.rawBytes, "base64")),
    };
  }
  if (vm.certificate) return { kind: "sigstore", certificate: Buffer.from(vm.certificate.rawBytes, "base64") };
  throw bad(where, "bundle has no verification material (public key, certificate chain or certificate)");
}

/**
 * Builds a bundle for a signed envelope, identified by its public-key hint (as OMS v1.1 does) or, for certificate
 * signing, by the X.509 chain (leaf first, DER), as OMS's certificate method does.
 */
export function signedBundle(
  envelope: { payload: Uint8Array; payloadType: string; signatures: { keyid: string; sig: Uint8Array }[] },
  identity: { hint: string } | { chain: readonly Uint8Array[] },
): SigstoreBundle {
  const verificationMaterial =
    "hint" in identity
      ? { publicKey: { hint: identity.hint }, tlogEntries: [] }
      : {
          x509CertificateChain: {
            certificates: identity.chain.map((der) => ({ rawBytes: Buffer.from(der).toString("base64") })),
          },
          tlogEntries: [],
        };
  return {
    mediaType: SIGSTORE_BUNDLE_MEDIA_TYPE,
    verificationMaterial,
    dsseEnvelope: {
      payload: Buffer.from(envelope.payload).toString("base64"),
      payloadType: envelope.payloadType,
      signatures: envelope.signatures.map((s) => ({ sig: Buffer.from(s.sig).toString("base64"), keyid: s.keyid })),
    },
  };
}

/**
 * The pre-1.0 "compat" PAE of model_signing v0.2: `DSSEV1 <len> <type> <len> ` followed by the payload rendered as a
 * Python `bytes` repr (b'...'). Only used to read legacy `Digests/v0.1` certificate bundles (with SHA-256).
 */
export function legacyPae(payloadType: string, payload: Uint8Array): Buffer {
  const hasSingle = payload.includes(0x27);
  const hasDouble = payload.includes(0x22);
  const quote = hasSingle && !hasDouble ? 0x22 : 0x27;
  let repr = "b" + String.fromCharCode(quote);
  for (const c of payload) {
    if (c === quote || c === 0x5c) repr += `\\${String.fromCharCode(c)}`;
    else if (c === 0x09) repr += "\\t";
    else if (c === 0x0a) repr += "\\n";
    else if (c === 0x0d) repr += "\\r";
    else if (c < 0x20 || c >= 0x7f) repr += `\\x${c.toString(16).padStart(2, "0")}`;
    else repr += String.fromCharCode(c);
  }
  repr += String.fromCharCode(quote);
  return Buffer.from(`DSSEV1 ${Buffer.byteLength(payloadType)} ${payloadType} ${payload.byteLength} ${repr}`, "utf8");
}
