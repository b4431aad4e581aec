/**
 * The OMS v1.0 in-toto Statement: building it from a manifest, and reading a signed one back. The payload is an
 * in-toto Statement v1 (https://in-toto.io/Statement/v1) whose predicate type is
 * `https://model_signing/signature/v1.0`, with one subject (model name, root digest) and a predicate holding the
 * `serialization` block and the sorted `resources`. The legacy v0.2 predicate `https://model_signing/Digests/v0.1`
 * (one subject per file) is read too.
 */
import { z } from "zod";
import { WardenError } from "../../core/errors.ts";
import { type ModelManifest, parseShardName, type Resource, rootDigest, type Serialization } from "./manifest.ts";

export const IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json";
export const IN_TOTO_STATEMENT_V1 = "https://in-toto.io/Statement/v1";
export const OMS_PREDICATE_TYPE = "https://model_signing/signature/v1.0";
export const OMS_LEGACY_PREDICATE_TYPE = "https://model_signing/Digests/v0.1";

/** Largest statement payload accepted (a sharded multi-terabyte model stays well below). */
export const MAX_PAYLOAD_BYTES = 64 * 1024 * 1024;
const MAX_RESOURCES = 1_000_000;

const hex64 = z.string().regex(/^[0-9a-f]{64}$/, "a lowercase hex SHA-256 digest");
const resourceSchema = z.object({ name: z.string().min(1).max(4096), algorithm: z.string().max(64), digest: hex64 });
const serializationSchema = z.discriminatedUnion("method", [
  z.object({
    method: z.literal("files"),
    hash_type: z.string(),
    allow_symlinks: z.boolean().default(false),
    ignore_paths: z.array(z.string().max(4096)).max(10_000).optional(),
  }),
  z.object({
    method: z.literal("shards"),
    hash_type: z.string(),
    shard_size: z.number().int().positive(),
    allow_symlinks: z.boolean().default(false),
    ignore_paths: z.array(z.string().max(4096)).max(10_000).optional(),
  }),
]);
const subjectSchema = z.object({ name: z.string().max(4096), digest: z.record(z.string(), z.string()) });
const statementSchema = z.object({
  _type: z.literal(IN_TOTO_STATEMENT_V1),
  subject: z.array(subjectSchema).min(1).max(MAX_RESOURCES),
  predicateType: z.string(),
  predicate: z.unknown(),
});
const predicateSchema = z.object({
  serialization: serializationSchema,
  resources: z.array(resourceSchema).max(MAX_RESOURCES),
});

/** The in-toto Statement v1 OMS signs. */
export interface OmsStatement {
  _type: typeof IN_TOTO_STATEMENT_V1;
  subject: { name: string; digest: { sha256: string } }[];
  predicateType: typeof OMS_PREDICATE_TYPE;
  predicate: { serialization: Serialization; resources: Resource[] };
}

/** What a verified statement says was signed. */
export interface SignedManifest {
  predicateType: string;
  modelName: string;
  root: string;
  serialization: Serialization;
  resources: Resource[];
}

/** Builds the OMS v1.0 statement for a manifest (resources already sorted). */
export function statementFor(m: ModelManifest): OmsStatement {
  return {
    _type: IN_TOTO_STATEMENT_V1,
    subject: [{ name: m.modelName, digest: { sha256: m.root } }],
    predicateType: OMS_PREDICATE_TYPE,
    predicate: { serialization: m.serialization, resources: m.resources },
  };
}

/** Serialises a statement as the DSSE payload (pretty-printed JSON, as model_signing writes it). */
export function encodeStatement(s: OmsStatement): Uint8Array {
  return Buffer.from(JSON.stringify(s, null, 2), "utf8");
}

function bad(message: string, cause?: unknown): WardenError {
  return new WardenError(
    "E_MODEL_VERIFY_FAILED",
    `signature payload: ${message}`,
    cause === undefined ? {} : { cause },
  );
}

/**
 * Parses a signed statement payload (raw bytes, after the signature was checked), validates its shape, and for v1.0
 * recomputes the root digest from the resources. Throws E_MODEL_VERIFY_FAILED on any inconsistency.
 */
export function readStatement(payload: Uint8Array): SignedManifest {
  if (payload.byteLength > MAX_PAYLOAD_BYTES) throw bad(`larger than ${MAX_PAYLOAD_BYTES} bytes`);
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(payload).toString("utf8"));
  } catch (e) {
    throw bad("not valid JSON", e);
  }
  const st = statementSchema.safeParse(json);
  if (!st.success) throw bad(`not an in-toto Statement v1: ${z.prettifyError(st.error)}`);
  const { subject, predicateType, predicate } = st.data;
  if (predicateType === OMS_LEGACY_PREDICATE_TYPE) {
    const resources = subject.map((s) => {
      const digest = hex64.safeParse(s.digest.sha256);
      if (!digest.success) throw bad(`legacy subject ${s.name} has no sha256 digest`);
      return { name: s.name, algorithm: "sha256", digest: digest.data };
    });
    return {
      predicateType,
      modelName: "",
      root: rootDigest(resources),
      serialization: { method: "files", hash_type: "sha256", allow_symlinks: false },
      resources,
    };
  }
  if (predicateType !== OMS_PREDICATE_TYPE) throw bad(`unsupported predicate type ${predicateType}`);
  if (subject.length !== 1) throw bad(`expected exactly one subject, found ${subject.length}`);
  const pred = predicateSchema.safeParse(predicate);
  if (!pred.success) throw bad(`invalid OMS v1.0 predicate: ${z.prettifyError(pred.error)}`);
  const ser = pred.data.serialization;
  if (ser.hash_type !== "sha256") throw bad(`hash type ${ser.hash_type} is not supported (only sha256)`);
  if (ser.method === "shards") {
    for (const r of pred.data.resources) {
      if (!parseShardName(r.name)) throw bad(`shard resource name "${r.name}" is not path:start:end`);
    }
  }
  const expected = subject[0]?.digest.sha256 ?? "";
  const root = rootDigest(pred.data.resources);
  if (root !== expected) {
    throw bad(`manifest inconsistent: subject digest is ${expected} but the resources hash to ${root}`);
  }
  const serialization: Serialization =
    ser.method === "files"
      ? {
          method: "files",
          hash_type: "sha256",
          allow_symlinks: ser.allow_symlinks,
          ...(ser.ignore_paths ? { ignore_paths: ser.ignore_paths } : {}),
        }
      : {
          method: "shards",
          hash_type: "sha256",
          shard_size: ser.shard_size,
          allow_symlinks: ser.allow_symlinks,
          ...(ser.ignore_paths ? { ignore_paths: ser.ignore_paths } : {}),
        };
  return { predicateType, modelName: subject[0]?.name ?? "", root, serialization, resources: pred.data.resources };
}
