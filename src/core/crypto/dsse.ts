/**
 * DSSE, the Dead Simple Signing Envelope v1 (https://github.com/secure-systems-lab/dsse, envelope.md and
 * protocol.md): signatures are computed over the pre-authentication encoding
 * `PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body`, with LEN the byte length as ASCII decimal
 * without leading zeros, and carried in the JSON envelope `{payload, payloadType, signatures:[{keyid, sig}]}` with
 * payload and signatures in base64 (standard or URL-safe accepted on input, standard written).
 */
import { WardenError } from "../errors.ts";
import { toBase64, tryFromBase64 } from "./encoding.ts";
import type { PublicKey, Signer } from "./types.ts";

/** A DSSE JSON envelope. */
export interface DsseEnvelope {
  /** base64 of the serialised payload. */
  payload: string;
  payloadType: string;
  signatures: DsseSignature[];
}

/** One signature of a DSSE envelope; `keyid` is an unauthenticated hint (Warden writes the signer's key id). */
export interface DsseSignature {
  keyid: string;
  sig: string;
}

/** Input limits for parsing untrusted envelopes. */
export const DSSE_LIMITS = { maxEnvelopeBytes: 64 * 1024 * 1024, maxSignatures: 64, maxPayloadTypeBytes: 256 } as const;

/** DSSE v1 pre-authentication encoding of `payloadType` and `body` (protocol.md). */
export function pae(payloadType: string, body: Uint8Array): Uint8Array {
  const type = Buffer.from(payloadType, "utf8");
  const head = Buffer.from(`DSSEv1 ${type.byteLength} `, "ascii");
  const mid = Buffer.from(` ${body.byteLength} `, "ascii");
  const out = new Uint8Array(head.byteLength + type.byteLength + mid.byteLength + body.byteLength);
  out.set(head, 0);
  out.set(type, head.byteLength);
  out.set(mid, head.byteLength + type.byteLength);
  out.set(body, head.byteLength + type.byteLength + mid.byteLength);
  return out;
}

/** Signs `payload` with every signer (DSSE protocol.md "Signature"). Throws E_USAGE without signers. */
export function signEnvelope(payloadType: string, payload: Uint8Array, signers: readonly Signer[]): DsseEnvelope {
  if (signers.length === 0) throw new WardenError("E_USAGE", "signEnvelope needs at least one signer");
  const message = pae(payloadType, payload);
  return {
    payload: toBase64(payload),
    payloadType,
    signatures: signers.map((s) => ({ keyid: s.keyId, sig: toBase64(s.sign(message)) })),
  };
}

function invalid(what: string): WardenError {
  return new WardenError("E_DSSE_INVALID", `invalid DSSE envelope: ${what}`);
}

/**
 * Validates untrusted input (JSON text, bytes or an already-parsed value) as a DSSE envelope; throws E_DSSE_INVALID
 * saying what is wrong. Size-limited; unknown members are ignored as the spec allows.
 */
export function parseEnvelope(input: string | Uint8Array | unknown): DsseEnvelope {
  let value: unknown = input;
  if (typeof input === "string" || input instanceof Uint8Array) {
    const size = typeof input === "string" ? Buffer.byteLength(input, "utf8") : input.byteLength;
    if (size > DSSE_LIMITS.maxEnvelopeBytes) throw invalid(`larger than ${DSSE_LIMITS.maxEnvelopeBytes} bytes`);
    try {
      value = JSON.parse(typeof input === "string" ? input : Buffer.from(input).toString("utf8"));
    } catch {
      throw invalid("not JSON");
    }
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw invalid("not a JSON object");
  const env = value as Record<string, unknown>;
  if (typeof env.payloadType !== "string" || env.payloadType === "") throw invalid("payloadType missing");
  if (Buffer.byteLength(env.payloadType) > DSSE_LIMITS.maxPayloadTypeBytes) throw invalid("payloadType too long");
  if (typeof env.payload !== "string" || tryFromBase64(env.payload) === undefined)
    throw invalid("payload is not base64");
  if (!Array.isArray(env.signatures) || env.signatures.length === 0) throw invalid("no signatures");
  if (env.signatures.length > DSSE_LIMITS.maxSignatures)
    throw invalid(`more than ${DSSE_LIMITS.maxSignatures} signatures`);
  const signatures = env.signatures.map((s: unknown, i: number): DsseSignature => {
    if (typeof s !== "object" || s === null) throw invalid(`signatures[${i}] is not an object`);
    const { keyid, sig } = s as Record<string, unknown>;
    if (keyid !== undefined && typeof keyid !== "string") throw invalid(`signatures[${i}].keyid is not a string`);
    if (typeof sig !== "string" || !tryFromBase64(sig)?.byteLength) throw invalid(`signatures[${i}].sig is not base64`);
    return { keyid: keyid ?? "", sig };
  });
  return { payload: env.payload, payloadType: env.payloadType, signatures };
}

/** Finds the candidate keys for a signature's keyid (all keys when the keyid is empty or unknown). */
export type KeyResolver = (keyid: string) => readonly PublicKey[];

/** The outcome of {@link verifyEnvelope}. */
export interface VerifiedEnvelope {
  payloadType: string;
  payload: Uint8Array;
  /** Distinct key ids whose signature verified. */
  verifiedKeyIds: string[];
}

/**
 * Verifies a DSSE envelope (protocol.md "Verification"): parses it, computes PAE over the decoded payload, and counts
 * the distinct keys with a valid signature. Returns the payload when at least `threshold` (default 1) keys verified;
 * throws E_SIGNATURE_INVALID otherwise and E_DSSE_INVALID for malformed input.
 */
export function verifyEnvelope(
  envelope: DsseEnvelope | string | Uint8Array,
  keys: readonly PublicKey[] | KeyResolver,
  options: { threshold?: number } = {},
): VerifiedEnvelope {
  const env = parseEnvelope(envelope);
  const threshold = options.threshold ?? 1;
  if (!Number.isInteger(threshold) || threshold < 1)
    throw new WardenError("E_USAGE", "threshold must be an integer >= 1");
  const resolve: KeyResolver =
    typeof keys === "function"
      ? keys
      : (keyid) => {
          const hinted = keys.filter((k) => k.keyId === keyid);
          return hinted.length > 0 ? hinted : keys;
        };
  const payload = tryFromBase64(env.payload) ?? new Uint8Array();
  const message = pae(env.payloadType, payload);
  const verified = new Set<string>();
  for (const s of env.signatures) {
    const sig = tryFromBase64(s.sig) ?? new Uint8Array();
    for (const key of resolve(s.keyid)) {
      if (!verified.has(key.keyId) && key.verify(message, sig)) {
        verified.add(key.keyId);
        break;
      }
    }
  }
  if (verified.size < threshold) {
    throw new WardenError(
      "E_SIGNATURE_INVALID",
      `DSSE envelope has ${verified.size} valid signature(s) from trusted keys, ${threshold} required`,
      { details: { verifiedKeyIds: [...verified], threshold } },
    );
  }
  return { payloadType: env.payloadType, payload, verifiedKeyIds: [...verified] };
}
