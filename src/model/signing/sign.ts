/**
 * `warden model sign`: hashes a model (OMS v1.0 `files` or `shards` serialization, in parallel), builds the in-toto
 * statement, signs its DSSE PAE with a keyring signer and writes a Sigstore bundle (v0.3) beside the model. ECDSA and
 * Ed25519 bundles have exactly OMS's shape (one signature, `publicKey.hint` = hex SHA-256 of the PEM SPKI). A hybrid
 * key (Warden extension) adds a second DSSE signature: one Ed25519 and one ML-DSA-65 signature over the same PAE, each
 * with keyid `<type>:<hint of that half>`, and verification demands both.
 */
import type { X509Certificate } from "node:crypto";
import { renameSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { WardenError } from "../../core/errors.ts";
import { pae, type Signer } from "../../core/index.ts";
import type { Audit } from "./audit.ts";
import { signedBundle } from "./bundle.ts";
import { type HashOptions, hashModel } from "./manifest.ts";
import { encodeStatement, IN_TOTO_PAYLOAD_TYPE, statementFor } from "./statement.ts";
import { publicKeyHint } from "./trust.ts";
import { defaultSignaturePath } from "./verify.ts";

export interface SignOptions extends Omit<HashOptions, "ignoreDefaults"> {
  modelPath: string;
  signer: Signer;
  /** Where to write the bundle; default `model.sig` in the model directory (or beside a single-file model). */
  signaturePath?: string;
  /**
   * Sign as OMS's certificate method: the bundle carries this chain (leaf first) instead of a key hint. The leaf's
   * public key must be the signer's (ECDSA or Ed25519).
   */
  certificateChain?: readonly X509Certificate[];
  /** Appends `model.signed` to the ledger when given. */
  audit?: Audit;
}

/** What was signed. */
export interface SignResult {
  model: string;
  signature: string;
  modelName: string;
  /** OMS root digest (statement subject). */
  digest: string;
  method: "files" | "shards";
  resources: number;
  bytes: number;
  keyType: string;
  keyId: string;
  keyHint: string;
  /** Subject of the leaf certificate, when signed with a certificate chain. */
  certificate?: string;
  hashSeconds: number;
}

function signaturesFor(signer: Signer, data: Uint8Array): { keyid: string; sig: Uint8Array }[] {
  if (signer.type === "hybrid") {
    if (!signer.parts) throw new WardenError("E_KEY_TYPE", "hybrid signer without its Ed25519 and ML-DSA-65 halves");
    return [signer.parts.ed25519, signer.parts.mlDsa].map((s) => ({
      keyid: `${s.type}:${publicKeyHint(s.publicKey())}`,
      sig: s.sign(data),
    }));
  }
  return [{ keyid: "", sig: signer.sign(data) }];
}

function chainIdentity(signer: Signer, chain: readonly X509Certificate[]): { chain: Uint8Array[] } {
  const leaf = chain[0];
  if (!leaf) throw new WardenError("E_USAGE", "the certificate chain is empty");
  const leafKey = leaf.publicKey.export({ type: "spki", format: "der" });
  if (!Buffer.from(signer.publicKey().bytes).equals(leafKey)) {
    throw new WardenError(
      "E_KEY_TYPE",
      `the leaf certificate "${leaf.subject}" is not for the signing key (${signer.type} ${signer.keyId.slice(0, 16)}): give the certificate issued for this key`,
    );
  }
  return { chain: chain.map((c) => new Uint8Array(c.raw)) };
}

/** Signs a model directory (or single file) and writes the OMS bundle. */
export async function signModel(opts: SignOptions): Promise<SignResult> {
  const model = resolve(opts.modelPath);
  const signature = resolve(opts.signaturePath ?? defaultSignaturePath(model));
  const ignorePaths = [...(opts.ignorePaths ?? [])];
  const rel = relative(model, signature);
  if (rel && !rel.startsWith("..") && !rel.startsWith(sep)) ignorePaths.push(rel.split(sep).join("/"));
  const identity = opts.certificateChain ? chainIdentity(opts.signer, opts.certificateChain) : undefined;
  const started = performance.now();
  const manifest = await hashModel(model, { ...opts, ignorePaths });
  const hashSeconds = (performance.now() - started) / 1000;

  const payload = encodeStatement(statementFor(manifest));
  const pk = opts.signer.publicKey();
  const hint = publicKeyHint(pk);
  const bundle = signedBundle(
    {
      payload,
      payloadType: IN_TOTO_PAYLOAD_TYPE,
      signatures: signaturesFor(opts.signer, pae(IN_TOTO_PAYLOAD_TYPE, payload)),
    },
    identity ?? { hint },
  );
  const tmp = join(dirname(signature), `.${process.pid}.${Date.now()}.model.sig.tmp`);
  try {
    writeFileSync(tmp, JSON.stringify(bundle), { mode: 0o644 });
    renameSync(tmp, signature);
  } catch (e) {
    throw new WardenError("E_IO", `could not write signature ${signature}: ${(e as Error).message}`, { cause: e });
  }
  const result: SignResult = {
    model,
    signature,
    modelName: manifest.modelName,
    digest: manifest.root,
    method: manifest.serialization.method,
    resources: manifest.resources.length,
    bytes: manifest.bytes,
    keyType: pk.type,
    keyId: pk.keyId,
    keyHint: hint,
    hashSeconds,
  };
  const leaf = opts.certificateChain?.[0];
  if (leaf) result.certificate = leaf.subject;
  if (opts.audit) {
    await opts.audit.ledger.append({
      type: "model.signed",
      subject: `model:${manifest.root}`,
      actor: opts.audit.actor,
      data: { ...result },
    });
  }
  return result;
}
