/**
 * Dataset provenance: `register` builds the manifest, signs it as an in-toto Statement v1 in a DSSE envelope with the
 * workspace key, stores it with its parents, and appends a provenance record (parents, transform, actor, time) to the
 * ledger; `verify` re-hashes and names every added, removed or changed file and row, and checks the signature.
 */
import { resolve } from "node:path";
import type { Classification } from "../../core/config/sections/data.ts";
import {
  buildStatement,
  type DsseEnvelope,
  parseEnvelope,
  signStatement,
  verifyStatement,
} from "../../core/crypto/index.ts";
import { isWardenError, WardenError } from "../../core/errors.ts";
import type { DataContext, DataTables } from "./context.ts";
import { diffManifests, type ManifestDiff } from "./diff.ts";
import { buildManifest, type Manifest, type ManifestFile, manifestDigest } from "./manifest.ts";

/** in-toto predicate type of a Warden dataset manifest. */
export const DATASET_PREDICATE_TYPE = "https://warden.dev/attestations/dataset-manifest/v1";

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export type DatasetStatus = "pending" | "active" | "purged" | "archived";

/** A registered dataset version. */
export interface DatasetVersion {
  id: string;
  name: string;
  version: number;
  digest: string;
  manifest: Manifest;
  envelope: DsseEnvelope;
  classification: Classification;
  owner: string;
  sourcePath: string;
  transform: string | null;
  parents: string[];
  registeredBy: string;
  registeredAt: string;
  ledgerIndex: number;
  status: DatasetStatus;
  statusDetail: string | null;
}

export interface RegisterOptions {
  path: string;
  name: string;
  parents?: string[];
  transform?: string;
  classification?: Classification;
  owner?: string;
  onProgress?: (doneBytes: number, totalBytes: number) => void;
}

/** Parses `name` or `name@version`. */
export function parseDatasetRef(ref: string): { name: string; version?: number } {
  const at = ref.lastIndexOf("@");
  const name = at < 0 ? ref : ref.slice(0, at);
  const v = at < 0 ? undefined : ref.slice(at + 1);
  if (!NAME.test(name) || (v !== undefined && !/^[1-9]\d{0,8}$/.test(v))) {
    throw new WardenError("E_USAGE", `"${ref}" is not a dataset reference: use NAME or NAME@VERSION (e.g. credit@2)`);
  }
  return v === undefined ? { name } : { name, version: Number(v) };
}

function db(ctx: DataContext) {
  return ctx.store.db.withTables<DataTables>();
}

type Row = DataTables["data_datasets"];

async function toVersion(ctx: DataContext, row: Row): Promise<DatasetVersion> {
  const parents = await db(ctx)
    .selectFrom("data_dataset_parents")
    .select("parent_id")
    .where("child_id", "=", row.id)
    .orderBy("position")
    .execute();
  let manifest: Manifest;
  let envelope: DsseEnvelope;
  try {
    const files = JSON.parse(row.manifest) as ManifestFile[];
    manifest = { files, digest: row.digest, totalBytes: files.reduce((n, f) => n + f.size, 0) };
    envelope = parseEnvelope(row.envelope);
  } catch (e) {
    throw new WardenError(
      "E_DB_CORRUPT",
      `stored manifest of dataset ${row.id} is unreadable: ${(e as Error).message}`,
      {
        cause: e,
      },
    );
  }
  return {
    id: row.id,
    name: row.name,
    version: Number(row.version),
    digest: row.digest,
    manifest,
    envelope,
    classification: row.classification as Classification,
    owner: row.owner,
    sourcePath: row.source_path,
    transform: row.transform,
    parents: parents.map((p) => p.parent_id),
    registeredBy: row.registered_by,
    registeredAt: row.registered_at,
    ledgerIndex: Number(row.ledger_index),
    status: row.status as DatasetStatus,
    statusDetail: row.status_detail,
  };
}

/** The dataset version `ref` (NAME@VERSION, or NAME for the latest). Throws E_DATA_NOT_FOUND. */
export async function getDataset(ctx: DataContext, ref: string): Promise<DatasetVersion> {
  const { name, version } = parseDatasetRef(ref);
  let q = db(ctx).selectFrom("data_datasets").selectAll().where("name", "=", name);
  q = version === undefined ? q.orderBy("version", "desc") : q.where("version", "=", version);
  const row = await q.limit(1).executeTakeFirst();
  if (!row) {
    throw new WardenError("E_DATA_NOT_FOUND", `no dataset ${ref} is registered (\`warden data list\` shows them)`);
  }
  return toVersion(ctx, row);
}

/** Every registered dataset version, by name and version. */
export async function listDatasets(ctx: DataContext): Promise<DatasetVersion[]> {
  const rows = await db(ctx).selectFrom("data_datasets").selectAll().orderBy("name").orderBy("version").execute();
  return Promise.all(rows.map((r) => toVersion(ctx, r)));
}

/** Registers the files at `opts.path` as the next version of `opts.name`. */
export async function registerDataset(ctx: DataContext, opts: RegisterOptions): Promise<DatasetVersion> {
  if (!NAME.test(opts.name)) {
    throw new WardenError("E_USAGE", `dataset name "${opts.name}" must match ${NAME} (letters, digits, . _ -)`);
  }
  const parents = await Promise.all((opts.parents ?? []).map((p) => getDataset(ctx, p)));
  const { manifest, records } = await buildManifest(opts.path, opts.onProgress);
  const classification = opts.classification ?? "internal";
  const owner = opts.owner ?? ctx.actor;
  const signer = await ctx.keys.signer(ctx.signingKey);
  const registeredAt = new Date().toISOString();

  // The version is reserved (status "pending") in a serialised transaction, then the ledger record is appended and
  // the row activated: the ledger takes its own write lock, so it cannot be appended inside this transaction.
  const { id, version, envelope } = await ctx.store.writeTransaction(
    async (trx) => {
      const t = trx.withTables<DataTables>();
      const last = await t
        .selectFrom("data_datasets")
        .select("version")
        .where("name", "=", opts.name)
        .orderBy("version", "desc")
        .limit(1)
        .executeTakeFirst();
      const version = last ? Number(last.version) + 1 : 1;
      const id = `${opts.name}@${version}`;
      const statement = buildStatement({
        subject: [{ name: id, digest: { sha256: manifest.digest } }],
        predicateType: DATASET_PREDICATE_TYPE,
        predicate: {
          name: opts.name,
          version,
          files: manifest.files,
          parents: parents.map((p) => ({ id: p.id, digest: p.digest })),
          transform: opts.transform ?? null,
          classification,
          owner,
          registeredBy: ctx.actor,
          registeredAt,
        },
      });
      const envelope = signStatement(statement, [signer]);
      await t
        .insertInto("data_datasets")
        .values({
          id,
          name: opts.name,
          version,
          digest: manifest.digest,
          manifest: JSON.stringify(manifest.files),
          envelope: JSON.stringify(envelope),
          classification,
          owner,
          source_path: resolve(opts.path),
          transform: opts.transform ?? null,
          registered_by: ctx.actor,
          registered_at: registeredAt,
          ledger_index: -1,
          status: "pending",
          status_detail: null,
        })
        .execute();
      for (const [position, p] of parents.entries()) {
        await t.insertInto("data_dataset_parents").values({ child_id: id, parent_id: p.id, position }).execute();
      }
      for (const [path, digests] of records) {
        await t
          .insertInto("data_record_digests")
          .values({ dataset_id: id, path, digests: digests.toString("base64") })
          .execute();
      }
      return { id, version, envelope };
    },
    { lock: "data:register" },
  );
  const appended = await ctx.ledger.append({
    type: "data.registered",
    subject: id,
    actor: ctx.actor,
    time: registeredAt,
    data: {
      digest: manifest.digest,
      files: manifest.files.length,
      bytes: manifest.totalBytes,
      parents: parents.map((p) => ({ id: p.id, digest: p.digest })),
      transform: opts.transform ?? null,
      classification,
      owner,
      keyId: signer.keyId,
    },
  });
  await db(ctx)
    .updateTable("data_datasets")
    .set({ ledger_index: appended.index, status: "active" })
    .where("id", "=", id)
    .execute();
  return {
    id,
    name: opts.name,
    version,
    digest: manifest.digest,
    manifest,
    envelope,
    classification,
    owner,
    sourcePath: resolve(opts.path),
    transform: opts.transform ?? null,
    parents: parents.map((p) => p.id),
    registeredBy: ctx.actor,
    registeredAt,
    ledgerIndex: appended.index,
    status: "active",
    statusDetail: null,
  };
}

/** Outcome of `verifyDataset`. */
export interface DatasetVerification {
  id: string;
  path: string;
  ok: boolean;
  signature: { ok: boolean; keyIds: string[]; error?: string };
  diff: ManifestDiff;
}

/** Checks the signature over the stored manifest, then re-hashes `path` (default: where it was registered). */
export async function verifyDataset(ctx: DataContext, ref: string, path?: string): Promise<DatasetVerification> {
  const ds = await getDataset(ctx, ref);
  const signature = checkSignature(ctx, ds);
  const target = path ?? ds.sourcePath;
  const stored = await db(ctx)
    .selectFrom("data_record_digests")
    .select(["path", "digests"])
    .where("dataset_id", "=", ds.id)
    .execute();
  const storedRecords = new Map(stored.map((r) => [r.path, Buffer.from(r.digests, "base64")]));
  const current = await buildManifest(target);
  const diff = diffManifests(ds.manifest, storedRecords, current.manifest, current.records);
  const ok = signature.ok && diff.same;
  await ctx.ledger.append({
    type: "data.verified",
    subject: ds.id,
    actor: ctx.actor,
    data: {
      ok,
      path: resolve(target),
      signature: signature.ok,
      added: diff.added.length,
      removed: diff.removed.length,
      changed: diff.changed.length,
    },
  });
  return { id: ds.id, path: resolve(target), ok, signature, diff };
}

function checkSignature(ctx: DataContext, ds: DatasetVersion): DatasetVerification["signature"] {
  try {
    const { statement, verifiedKeyIds } = verifyStatement(ds.envelope, [ctx.keys.publicKey(ctx.signingKey)]);
    const subject = statement.subject[0];
    const predicate = statement.predicate as { files?: ManifestFile[] } | undefined;
    if (subject?.name !== ds.id || subject.digest.sha256 !== ds.digest) {
      return { ok: false, keyIds: verifiedKeyIds, error: "the signed subject does not match the stored dataset" };
    }
    if (
      !predicate?.files ||
      manifestDigest(predicate.files) !== ds.digest ||
      manifestDigest(ds.manifest.files) !== ds.digest
    ) {
      return { ok: false, keyIds: verifiedKeyIds, error: "the stored manifest does not match its signed digest" };
    }
    return { ok: true, keyIds: verifiedKeyIds };
  } catch (e) {
    if (isWardenError(e)) return { ok: false, keyIds: [], error: e.message };
    throw e;
  }
}
