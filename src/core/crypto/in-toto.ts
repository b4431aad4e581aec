/**
 * in-toto Attestation Framework Statement v1 (https://github.com/in-toto/attestation/blob/main/spec/v1/statement.md):
 * `{_type: "https://in-toto.io/Statement/v1", subject: [ResourceDescriptor], predicateType, predicate}`, carried in a
 * DSSE envelope with payload type `application/vnd.in-toto+json`. Subjects are ResourceDescriptors
 * (spec/v1/resource_descriptor.md) that must carry a `digest`; known hash algorithms are checked for hex length.
 */
import { WardenError } from "../errors.ts";
import { type DsseEnvelope, type KeyResolver, signEnvelope, verifyEnvelope } from "./dsse.ts";
import type { PublicKey, Signer } from "./types.ts";

export const INTOTO_STATEMENT_V1 = "https://in-toto.io/Statement/v1";
export const INTOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json";

/** A subject: a named artefact with its digests (`{algorithm: lowercase hex}`). */
export interface ResourceDescriptor {
  name?: string;
  uri?: string;
  digest: Record<string, string>;
  annotations?: Record<string, unknown>;
}

/** An in-toto Statement v1. */
export interface Statement<P = Record<string, unknown>> {
  _type: typeof INTOTO_STATEMENT_V1;
  subject: ResourceDescriptor[];
  predicateType: string;
  /** Optional in the spec; always set by `buildStatement`. */
  predicate?: P;
}

/** Hex lengths of the digest algorithms in the in-toto digest set (spec/v1/digest_set.md) that Warden checks. */
const HEX_LENGTH: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128, sha1: 40, gitCommit: 40 };

/** Input limits for parsing untrusted statements. */
export const STATEMENT_LIMITS = { maxBytes: 32 * 1024 * 1024, maxSubjects: 1_000_000 } as const;

function invalid(what: string): WardenError {
  return new WardenError("E_INTOTO_INVALID", `invalid in-toto Statement v1: ${what}`);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function checkSubject(s: unknown, i: number): ResourceDescriptor {
  if (!isRecord(s)) throw invalid(`subject[${i}] is not an object`);
  if (s.name !== undefined && typeof s.name !== "string") throw invalid(`subject[${i}].name is not a string`);
  if (s.uri !== undefined && typeof s.uri !== "string") throw invalid(`subject[${i}].uri is not a string`);
  if (s.annotations !== undefined && !isRecord(s.annotations))
    throw invalid(`subject[${i}].annotations is not an object`);
  if (!isRecord(s.digest) || Object.keys(s.digest).length === 0)
    throw invalid(`subject[${i}].digest is missing or empty`);
  for (const [alg, value] of Object.entries(s.digest)) {
    if (typeof value !== "string" || value === "") throw invalid(`subject[${i}].digest.${alg} is not a string`);
    const len = HEX_LENGTH[alg];
    if (len !== undefined && (value.length !== len || !/^[0-9a-f]+$/.test(value))) {
      throw invalid(`subject[${i}].digest.${alg} must be ${len} lowercase hex characters`);
    }
  }
  return s as unknown as ResourceDescriptor;
}

/** Checks that `predicateType` is an absolute URI (RFC 3986), as the spec requires. */
function checkPredicateType(t: unknown): string {
  if (typeof t !== "string" || !/^[A-Za-z][A-Za-z0-9+.-]*:\S+$/.test(t)) throw invalid("predicateType is not a URI");
  return t;
}

/** Builds a Statement v1, validating it as {@link parseStatement} would. */
export function buildStatement<P extends Record<string, unknown>>(input: {
  subject: ResourceDescriptor[];
  predicateType: string;
  predicate: P;
}): Statement<P> {
  const statement: Statement<P> = {
    _type: INTOTO_STATEMENT_V1,
    subject: input.subject,
    predicateType: input.predicateType,
    predicate: input.predicate,
  };
  parseStatement(statement);
  return statement;
}

/** Validates untrusted input (JSON text, bytes or a parsed value) as a Statement v1; throws E_INTOTO_INVALID. */
export function parseStatement(input: string | Uint8Array | unknown): Statement {
  let value: unknown = input;
  if (typeof input === "string" || input instanceof Uint8Array) {
    const size = typeof input === "string" ? Buffer.byteLength(input, "utf8") : input.byteLength;
    if (size > STATEMENT_LIMITS.maxBytes) throw invalid(`larger than ${STATEMENT_LIMITS.maxBytes} bytes`);
    try {
      value = JSON.parse(typeof input === "string" ? input : Buffer.from(input).toString("utf8"));
    } catch {
      throw invalid("not JSON");
    }
  }
  if (!isRecord(value)) throw invalid("not a JSON object");
  if (value._type !== INTOTO_STATEMENT_V1) throw invalid(`_type is not ${INTOTO_STATEMENT_V1}`);
  if (!Array.isArray(value.subject) || value.subject.length === 0) throw invalid("subject is missing or empty");
  if (value.subject.length > STATEMENT_LIMITS.maxSubjects) throw invalid("too many subjects");
  value.subject.forEach(checkSubject);
  checkPredicateType(value.predicateType);
  if (value.predicate !== undefined && !isRecord(value.predicate)) throw invalid("predicate is not an object");
  return value as unknown as Statement;
}

/** Serialises `statement` and signs it into a DSSE envelope with payload type `application/vnd.in-toto+json`. */
export function signStatement(statement: Statement<unknown>, signers: readonly Signer[]): DsseEnvelope {
  return signEnvelope(INTOTO_PAYLOAD_TYPE, Buffer.from(JSON.stringify(statement), "utf8"), signers);
}

/**
 * Verifies a DSSE envelope (see `verifyEnvelope`), checks its payload type is in-toto, and parses the statement.
 * Returns the statement and the key ids that verified.
 */
export function verifyStatement(
  envelope: DsseEnvelope | string | Uint8Array,
  keys: readonly PublicKey[] | KeyResolver,
  options: { threshold?: number } = {},
): { statement: Statement; verifiedKeyIds: string[] } {
  const verified = verifyEnvelope(envelope, keys, options);
  if (verified.payloadType !== INTOTO_PAYLOAD_TYPE) {
    throw new WardenError(
      "E_DSSE_INVALID",
      `DSSE payloadType is ${verified.payloadType}, expected ${INTOTO_PAYLOAD_TYPE}`,
    );
  }
  return { statement: parseStatement(verified.payload), verifiedKeyIds: verified.verifiedKeyIds };
}
