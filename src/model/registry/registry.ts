/**
 * The model registry: register versions (digest = OMS root of the files, signature summary, lineage, metrics, scan),
 * list and show them, and move them through development → staging → production → retired under the promotion gates
 * of warden.yaml. `rollback` returns production to the last known-good signed version. Every transition, refusal and
 * rollback is appended to the ledger.
 */
import { randomUUID, type X509Certificate } from "node:crypto";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { Kysely } from "kysely";
import { canonicalJson } from "../../core/canonical-json.ts";
import { WardenError } from "../../core/errors.ts";
import type { Store } from "../../store/index.ts";
import {
  checkIntegrity,
  checkSignature,
  defaultSignaturePath,
  hashModel,
  inspectSignature,
  type LedgerSink,
  type SignatureCheck,
  type TrustedKey,
} from "../signing/index.ts";
import {
  type GateName,
  type GateResult,
  integrityGate,
  scanGate,
  separationOfDutiesGate,
  signatureGate,
} from "./gates.ts";
import { fromRow, scanFromRow, transitionFromRow } from "./rows.ts";
import {
  type Lineage,
  type ModelVersion,
  type RegistryTables,
  type ScanRecord,
  STAGES,
  type Stage,
  type Transition,
} from "./types.ts";

/** Everything the registry needs: the store, the ledger, who acts, whom to trust, and the gate policy. */
export interface RegistryContext {
  store: Store;
  ledger: LedgerSink;
  actor: string;
  trust: { keys: readonly TrustedKey[]; roots: readonly X509Certificate[] };
  policy: { staging: readonly GateName[]; production: readonly GateName[] };
}

export interface RegisterInput {
  name: string;
  version: string;
  path: string;
  signaturePath?: string;
  owner?: string;
  datasets?: readonly string[];
  parents?: readonly string[];
  metrics?: Readonly<Record<string, number>>;
  scan?: ScanRecord;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const DATASET_DIGEST = /^(sha256:)?[0-9a-f]{64}$/;

type Db = Kysely<RegistryTables>;
const tables = (store: Store): Db => store.db.withTables<RegistryTables>();

function now(): string {
  return new Date().toISOString();
}

/** Parses `NAME@VERSION`. */
export function parseRef(ref: string): { name: string; version: string } {
  const at = ref.lastIndexOf("@");
  const name = at > 0 ? ref.slice(0, at) : "";
  const version = at > 0 ? ref.slice(at + 1) : "";
  if (!NAME.test(name) || !NAME.test(version)) {
    throw new WardenError("E_USAGE", `"${ref}" is not NAME@VERSION (letters, digits, . _ -; at most 128 each)`);
  }
  return { name, version };
}

function checkName(what: string, value: string): void {
  if (!NAME.test(value))
    throw new WardenError("E_USAGE", `${what} "${value}" is invalid: use letters, digits, . _ - (at most 128)`);
}

/** Reads one version (with its latest scan); throws E_MODEL_NOT_FOUND. */
export async function getVersion(store: Store, name: string, version: string): Promise<ModelVersion> {
  const db = tables(store);
  const row = await db
    .selectFrom("model_versions")
    .selectAll()
    .where("name", "=", name)
    .where("version", "=", version)
    .executeTakeFirst();
  if (!row)
    throw new WardenError("E_MODEL_NOT_FOUND", `model ${name}@${version} is not registered (see warden model list)`);
  return fromRow(row, await latestScan(db, name, version));
}

async function latestScan(db: Db, name: string, version: string): Promise<ScanRecord | null> {
  const row = await db
    .selectFrom("model_scans")
    .selectAll()
    .where("name", "=", name)
    .where("version", "=", version)
    .orderBy("seq", "desc")
    .limit(1)
    .executeTakeFirst();
  return row ? scanFromRow(row) : null;
}

/** Lists versions, optionally of one model and/or in one stage, newest registration first. */
export async function listVersions(
  store: Store,
  filter: { name?: string; stage?: Stage } = {},
): Promise<ModelVersion[]> {
  const db = tables(store);
  let q = db.selectFrom("model_versions").selectAll();
  if (filter.name !== undefined) q = q.where("name", "=", filter.name);
  if (filter.stage !== undefined) q = q.where("stage", "=", filter.stage);
  const rows = await q.orderBy("name").orderBy("registered_at", "desc").limit(10_000).execute();
  return Promise.all(rows.map(async (r) => fromRow(r, await latestScan(db, r.name, r.version))));
}

/** The stage history of a model (all versions), oldest first. */
export async function history(store: Store, name: string): Promise<Transition[]> {
  const rows = await tables(store)
    .selectFrom("model_transitions")
    .selectAll()
    .where("name", "=", name)
    .orderBy("seq")
    .execute();
  return rows.map(transitionFromRow);
}

/**
 * Registers a version in `development`. The digest is the OMS root of the files on disk, computed with the
 * serialization of the signature bundle when there is one (default: `model.sig` in the model directory), so that the
 * signature gate can compare them.
 */
export async function registerVersion(ctx: RegistryContext, input: RegisterInput): Promise<ModelVersion> {
  checkName("model name", input.name);
  checkName("version", input.version);
  const lineage: Lineage = { datasets: [...(input.datasets ?? [])], parents: [...(input.parents ?? [])] };
  for (const d of lineage.datasets) {
    if (!DATASET_DIGEST.test(d))
      throw new WardenError("E_USAGE", `dataset "${d}" is not a manifest digest (64 hex characters)`);
  }
  for (const p of lineage.parents) {
    const ref = parseRef(p);
    await getVersion(ctx.store, ref.name, ref.version);
  }
  for (const [k, v] of Object.entries(input.metrics ?? {})) {
    if (!Number.isFinite(v)) throw new WardenError("E_USAGE", `metric ${k} must be a finite number`);
  }
  const path = resolve(input.path);
  if (!existsSync(path)) throw new WardenError("E_MODEL_NOT_FOUND", `model path ${path} does not exist`);
  const sigPath = resolve(input.signaturePath ?? defaultSignaturePath(path));
  const hasSig = existsSync(sigPath);
  if (!hasSig && input.signaturePath !== undefined)
    throw new WardenError("E_MODEL_NOT_FOUND", `signature ${sigPath} not found`);

  let digest: string;
  let serialization: ModelVersion["serialization"];
  let signature: ModelVersion["signature"] = null;
  if (hasSig) {
    const claim = inspectSignature(sigPath);
    const { actual } = await checkIntegrity(path, sigPath, claim.signed);
    digest = actual.root;
    serialization = claim.signed.serialization;
    signature = { path: sigPath, signedDigest: claim.signed.root, method: claim.method };
    if (claim.keyHint !== undefined) signature.keyHint = claim.keyHint;
    if (claim.subject !== undefined) signature.subject = claim.subject;
  } else {
    const m = await hashModel(path);
    digest = m.root;
    serialization = m.serialization;
  }

  const at = now();
  const owner = input.owner ?? ctx.actor;
  const metrics = { ...(input.metrics ?? {}) };
  await ctx.store.writeTransaction(
    async (trx) => {
      const db = trx.withTables<RegistryTables>();
      const exists = await db
        .selectFrom("model_versions")
        .select("name")
        .where("name", "=", input.name)
        .where("version", "=", input.version)
        .executeTakeFirst();
      if (exists)
        throw new WardenError(
          "E_MODEL_CONFLICT",
          `model ${input.name}@${input.version} is already registered: use a new version`,
        );
      await db
        .insertInto("model_versions")
        .values({
          name: input.name,
          version: input.version,
          digest,
          path,
          signature_path: signature?.path ?? null,
          signature_json: signature ? canonicalJson(signature) : null,
          serialization_json: canonicalJson(serialization),
          lineage_json: canonicalJson(lineage),
          metrics_json: canonicalJson(metrics),
          owner,
          stage: "development",
          registered_by: ctx.actor,
          registered_at: at,
          updated_at: at,
        })
        .execute();
      if (input.scan) await insertScan(db, input.name, input.version, input.scan);
      await insertTransition(db, {
        name: input.name,
        version: input.version,
        from: null,
        to: "development",
        actor: ctx.actor,
        reason: "registered",
        at,
      });
    },
    { lock: "model-registry" },
  );
  const v = await getVersion(ctx.store, input.name, input.version);
  await ctx.ledger.append({
    type: "model.registered",
    subject: `model:${v.name}@${v.version}`,
    actor: ctx.actor,
    data: { digest, owner, lineage, metrics, signature, scanSafe: v.scan?.safe ?? null },
  });
  return v;
}

async function insertScan(db: Db, name: string, version: string, scan: ScanRecord): Promise<void> {
  const last = await db
    .selectFrom("model_scans")
    .select((eb) => eb.fn.max("seq").as("m"))
    .where("name", "=", name)
    .where("version", "=", version)
    .executeTakeFirst();
  await db
    .insertInto("model_scans")
    .values({
      id: randomUUID(),
      name,
      version,
      seq: Number(last?.m ?? 0) + 1,
      safe: scan.safe ? 1 : 0,
      result_json: canonicalJson({ summary: scan.summary, flagged: scan.flagged }),
      scanned_at: scan.scannedAt,
    })
    .execute();
}

async function insertTransition(db: Db, t: Omit<Transition, "seq">): Promise<void> {
  const last = await db
    .selectFrom("model_transitions")
    .select((eb) => eb.fn.max("seq").as("m"))
    .where("name", "=", t.name)
    .executeTakeFirst();
  await db
    .insertInto("model_transitions")
    .values({
      id: randomUUID(),
      name: t.name,
      version: t.version,
      seq: Number(last?.m ?? 0) + 1,
      from_stage: t.from,
      to_stage: t.to,
      actor: t.actor,
      reason: t.reason,
      at: t.at,
    })
    .execute();
  await db
    .updateTable("model_versions")
    .set({ stage: t.to, updated_at: t.at })
    .where("name", "=", t.name)
    .where("version", "=", t.version)
    .execute();
}

/** Records a scan of a version (the latest scan is what the scan gate checks). */
export async function recordScan(ctx: RegistryContext, name: string, version: string, scan: ScanRecord): Promise<void> {
  await getVersion(ctx.store, name, version);
  await ctx.store.writeTransaction((trx) => insertScan(trx.withTables<RegistryTables>(), name, version, scan), {
    lock: "model-registry",
  });
  await ctx.ledger.append({
    type: "model.scan_recorded",
    subject: `model:${name}@${version}`,
    actor: ctx.actor,
    data: { safe: scan.safe, flagged: scan.flagged, summary: scan.summary },
  });
}

/** Evaluates the named gates for a version (hashing the model once for integrity). */
export async function evaluateGates(
  ctx: RegistryContext,
  v: ModelVersion,
  gates: readonly GateName[],
): Promise<GateResult[]> {
  const wanted = new Set(gates);
  let sig: SignatureCheck | undefined;
  if ((wanted.has("signature") || wanted.has("integrity")) && v.signature) {
    try {
      sig = checkSignature(v.signature.path, ctx.trust);
    } catch (e) {
      sig = { ok: false, failure: e instanceof Error ? e.message : String(e) };
    }
  }
  const out: GateResult[] = [];
  for (const gate of gates) {
    if (gate === "signature") out.push(signatureGate(v, sig));
    else if (gate === "scan") out.push(scanGate(v.scan));
    else if (gate === "separation-of-duties") out.push(separationOfDutiesGate(v, ctx.actor));
    else out.push(integrityGate(v, await integrityEvidence(v, sig)));
  }
  return out;
}

async function integrityEvidence(v: ModelVersion, sig: SignatureCheck | undefined) {
  try {
    if (sig?.signed && v.signature) {
      const { diff, actual } = await checkIntegrity(v.path, v.signature.path, sig.signed);
      return { root: actual.root, diff };
    }
    const ser = v.serialization;
    const m = await hashModel(v.path, {
      method: ser.method,
      allowSymlinks: ser.allow_symlinks,
      ignorePaths: ser.ignore_paths ?? [],
      ...(ser.method === "shards" ? { shardSize: ser.shard_size } : {}),
    });
    return { root: m.root };
  } catch (e) {
    return { error: `could not re-hash ${v.path}: ${e instanceof Error ? e.message : String(e)}` };
  }
}

function stageIndex(s: Stage): number {
  return STAGES.indexOf(s);
}

/** The outcome of a promotion. */
export interface PromotionResult {
  name: string;
  version: string;
  from: Stage;
  to: Stage;
  gates: GateResult[];
  /** Version moved out of production by this promotion. */
  superseded?: string;
}

/**
 * Promotes a version to a later stage (or retires it) after the gates configured for that stage pass. A refusal is
 * recorded in the ledger and thrown as E_PROMOTION_REFUSED naming every failed gate (details.gates has all results).
 */
export async function promoteVersion(
  ctx: RegistryContext,
  name: string,
  version: string,
  to: Stage,
  reason = "",
): Promise<PromotionResult> {
  const v = await getVersion(ctx.store, name, version);
  if (v.stage === to) throw new WardenError("E_USAGE", `${name}@${version} is already in ${to}`);
  if (v.stage === "retired")
    throw new WardenError("E_USAGE", `${name}@${version} is retired: register a new version (rollback can restore it)`);
  if (to !== "retired" && stageIndex(to) < stageIndex(v.stage)) {
    throw new WardenError(
      "E_USAGE",
      `cannot move ${name}@${version} back from ${v.stage} to ${to}: use warden model rollback`,
    );
  }
  const gates = to === "staging" ? ctx.policy.staging : to === "production" ? ctx.policy.production : [];
  const results = await evaluateGates(ctx, v, gates);
  const failed = results.filter((r) => !r.ok);
  const subject = `model:${name}@${version}`;
  if (failed.length > 0) {
    await ctx.ledger.append({
      type: "model.promotion_refused",
      subject,
      actor: ctx.actor,
      data: { from: v.stage, to, gates: results },
    });
    throw new WardenError(
      "E_PROMOTION_REFUSED",
      `promotion of ${name}@${version} to ${to} refused — ${failed.map((f) => `${f.gate}: ${f.detail}`).join("; ")}`,
      { details: { gates: results } },
    );
  }
  const at = now();
  let superseded: string | undefined;
  await ctx.store.writeTransaction(
    async (trx) => {
      const db = trx.withTables<RegistryTables>();
      const cur = await db
        .selectFrom("model_versions")
        .select("stage")
        .where("name", "=", name)
        .where("version", "=", version)
        .executeTakeFirst();
      if (cur?.stage !== v.stage)
        throw new WardenError("E_MODEL_CONFLICT", `${name}@${version} changed stage meanwhile: retry`);
      if (to === "production") {
        const prod = await db
          .selectFrom("model_versions")
          .select("version")
          .where("name", "=", name)
          .where("stage", "=", "production")
          .execute();
        for (const p of prod) {
          superseded = p.version;
          await insertTransition(db, {
            name,
            version: p.version,
            from: "production",
            to: "retired",
            actor: ctx.actor,
            reason: `superseded by ${version}`,
            at,
          });
        }
      }
      await insertTransition(db, {
        name,
        version,
        from: v.stage,
        to,
        actor: ctx.actor,
        reason: reason || `promoted to ${to}`,
        at,
      });
    },
    { lock: "model-registry" },
  );
  const result: PromotionResult = { name, version, from: v.stage, to, gates: results };
  if (superseded !== undefined) result.superseded = superseded;
  await ctx.ledger.append({
    type: "model.promoted",
    subject,
    actor: ctx.actor,
    data: { ...result, reason, approvedBy: ctx.actor, registeredBy: v.registeredBy },
  });
  return result;
}

/** The outcome of a rollback. */
export interface RollbackResult {
  name: string;
  from: string;
  to: string;
  reason: string;
  gates: GateResult[];
}

/**
 * Returns production to the last known-good signed version: the most recently production version (other than the
 * current one) whose signature still verifies against a trusted key and whose files still match. The current
 * production version is retired. Refuses (E_PROMOTION_REFUSED) when no earlier version qualifies.
 */
export async function rollback(ctx: RegistryContext, name: string, reason: string): Promise<RollbackResult> {
  if (!reason.trim()) throw new WardenError("E_USAGE", "rollback needs a reason (--reason)");
  const db = tables(ctx.store);
  const current = await db
    .selectFrom("model_versions")
    .select("version")
    .where("name", "=", name)
    .where("stage", "=", "production")
    .executeTakeFirst();
  if (!current) throw new WardenError("E_MODEL_NOT_FOUND", `model ${name} has no version in production to roll back`);
  const past = await db
    .selectFrom("model_transitions")
    .select(["version", "seq"])
    .where("name", "=", name)
    .where("to_stage", "=", "production")
    .where("version", "!=", current.version)
    .orderBy("seq", "desc")
    .execute();
  const tried: Record<string, GateResult[]> = {};
  for (const candidate of [...new Set(past.map((p) => p.version))]) {
    const v = await getVersion(ctx.store, name, candidate);
    const gates = await evaluateGates(ctx, v, ["signature", "integrity"]);
    tried[candidate] = gates;
    if (!gates.every((g) => g.ok)) continue;
    const at = now();
    await ctx.store.writeTransaction(
      async (trx) => {
        const t = trx.withTables<RegistryTables>();
        await insertTransition(t, {
          name,
          version: current.version,
          from: "production",
          to: "retired",
          actor: ctx.actor,
          reason: `rolled back: ${reason}`,
          at,
        });
        await insertTransition(t, {
          name,
          version: candidate,
          from: v.stage,
          to: "production",
          actor: ctx.actor,
          reason: `rollback from ${current.version}: ${reason}`,
          at,
        });
      },
      { lock: "model-registry" },
    );
    const result: RollbackResult = { name, from: current.version, to: candidate, reason, gates };
    await ctx.ledger.append({
      type: "model.rolled_back",
      subject: `model:${name}`,
      actor: ctx.actor,
      data: { ...result },
    });
    return result;
  }
  await ctx.ledger.append({
    type: "model.rollback_refused",
    subject: `model:${name}`,
    actor: ctx.actor,
    data: { from: current.version, reason, tried },
  });
  throw new WardenError(
    "E_PROMOTION_REFUSED",
    `no known-good signed version of ${name} to roll back to (tried: ${Object.keys(tried).join(", ") || "none"})`,
    {
      details: { tried },
    },
  );
}
