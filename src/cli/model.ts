/**
 * `warden model sign|verify|register|list|show|promote|rollback|bom`: OpenSSF Model Signing with workspace keys, the
 * model registry with promotion gates, and AI-BOMs. Thin over `src/model`; trust and policy come from warden.yaml
 * (`model:` section) unless given on the command line.
 */
import { readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import type { Command } from "commander";
import { WardenError } from "../core/errors.ts";
import {
  certificatesFromPem,
  cyclonedxBom,
  getVersion,
  history,
  listVersions,
  type ModelVersion,
  parseRef,
  promoteVersion,
  type RegistryContext,
  readLockfiles,
  recordScan,
  registerVersion,
  rollback,
  STAGES,
  type Stage,
  scanPath,
  scanRecordOf,
  signModel,
  spdxBom,
  type TrustedKey,
  trustedKeyFromPem,
  trustedKeyFromPublicKey,
  verifyModel,
} from "../model/index.ts";
import type { Workspace } from "../workspace/index.ts";
import { registerModelScanCommand } from "./model-scan.ts";
import { addJsonOption, output, usageError, withWorkspace } from "./shared.ts";

const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    throw new WardenError("E_INPUT_INVALID", `cannot read ${what} ${path}: ${(e as Error).message}`, { cause: e });
  }
}

interface TrustOptions {
  key?: string[];
  keyName?: string[];
  root?: string[];
}

/** Trusted keys and roots: the command line's when given, else warden.yaml's (every keyring key when none listed). */
function trustFor(ws: Workspace, opts: TrustOptions): RegistryContext["trust"] {
  const explicit = Boolean(opts.key?.length || opts.keyName?.length || opts.root?.length);
  const cfg = ws.config.model;
  const inHome = (p: string) => (isAbsolute(p) ? p : join(ws.home, p));
  const names = explicit
    ? (opts.keyName ?? [])
    : cfg.trustedKeys.length > 0
      ? cfg.trustedKeys
      : ws.keys.list().map((k) => k.name);
  const files = explicit ? (opts.key ?? []) : cfg.trustedKeyFiles.map(inHome);
  const roots = explicit ? (opts.root ?? []) : cfg.trustedRoots.map(inHome);
  const keys: TrustedKey[] = [
    ...names.map((n) => trustedKeyFromPublicKey(ws.keys.publicKey(n), n)),
    ...files.map((f) => trustedKeyFromPem(readText(f, "public key"), f, f)),
  ];
  return { keys, roots: roots.flatMap((r) => certificatesFromPem(readText(r, "root certificate"), r)) };
}

function registry(ws: Workspace, trust?: TrustOptions): RegistryContext {
  const cfg = ws.config.model;
  return {
    store: ws.store,
    ledger: ws.ledger,
    actor: ws.actor,
    trust: trustFor(ws, trust ?? {}),
    policy: cfg.promotion,
  };
}

function parseStage(s: string): Stage {
  if (!(STAGES as readonly string[]).includes(s)) throw usageError(`unknown stage "${s}": use ${STAGES.join(", ")}`);
  return s as Stage;
}

function parseMetrics(list: string[] = []): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of list) {
    const eq = m.indexOf("=");
    const value = Number(m.slice(eq + 1));
    if (eq <= 0 || !Number.isFinite(value)) throw usageError(`--metric expects name=number, got "${m}"`);
    out[m.slice(0, eq)] = value;
  }
  return out;
}

function describeVersion(v: ModelVersion): string {
  const sig = v.signature
    ? `${v.signature.method} ${v.signature.keyHint?.slice(0, 16) ?? v.signature.subject ?? ""}`
    : "unsigned";
  const scan = v.scan ? (v.scan.safe ? "safe" : "UNSAFE") : "not scanned";
  return [
    `${v.name}@${v.version}  [${v.stage}]`,
    `  digest      ${v.digest}`,
    `  path        ${v.path}`,
    `  signature   ${sig}`,
    `  scan        ${scan}`,
    `  owner       ${v.owner} (registered by ${v.registeredBy} at ${v.registeredAt})`,
    `  datasets    ${v.lineage.datasets.join(", ") || "-"}`,
    `  parents     ${v.lineage.parents.join(", ") || "-"}`,
    `  metrics     ${
      Object.entries(v.metrics)
        .map(([k, x]) => `${k}=${x}`)
        .join(", ") || "-"
    }`,
  ].join("\n");
}

export function registerModelCommands(program: Command): void {
  const model = program.command("model").description("scan, sign, verify, register and promote models; AI-BOMs");
  registerModelScanCommand(model);

  addJsonOption(
    model
      .command("sign <path>")
      .description("sign a model directory or file (OpenSSF Model Signing v1.0 bundle, written to model.sig)")
      .option("-k, --key-name <name>", "workspace key to sign with (default: keys.workspaceKey.name)")
      .option("-s, --signature <file>", "where to write the bundle (default: <model>/model.sig)")
      .option(
        "--shards [bytes]",
        "OMS shards serialization: hash large files in pieces in parallel (default 1000000000)",
      )
      .option("-i, --ignore <path>", "path to leave out, relative to the model (repeatable)", collect)
      .option("--allow-symlinks", "follow symbolic links to files (refused by default, as OMS)")
      .option("--cert-chain <pem>", "sign as OMS's certificate method: PEM chain, leaf (for the signing key) first")
      .addHelpText(
        "after",
        "\nKeys: ECDSA P-256/P-384 and Ed25519 give OMS-compatible bundles (publicKey.hint = SHA-256 of the PEM key);\na hybrid key adds an ML-DSA-65 signature (Warden extension; verification demands both).\nKeyless Sigstore signing (Fulcio/Rekor) needs the network and is not supported: sign with a key.",
      ),
  ).action(
    async (
      path: string,
      opts: {
        keyName?: string;
        signature?: string;
        shards?: string | boolean;
        ignore?: string[];
        allowSymlinks?: boolean;
        certChain?: string;
        json?: boolean;
      },
    ) => {
      const shardSize = typeof opts.shards === "string" ? Number(opts.shards) : undefined;
      const chain = opts.certChain
        ? certificatesFromPem(readText(opts.certChain, "certificate chain"), opts.certChain)
        : undefined;
      if (shardSize !== undefined && !(Number.isSafeInteger(shardSize) && shardSize > 0))
        throw usageError(`--shards must be a positive byte count, got "${opts.shards}"`);
      const result = await withWorkspace(async (ws) => {
        const signer = await ws.keys.signer(opts.keyName ?? ws.config.keys.workspaceKey.name);
        return signModel({
          modelPath: path,
          signer,
          ...(opts.signature ? { signaturePath: opts.signature } : {}),
          ...(opts.shards ? { method: "shards" as const } : {}),
          ...(shardSize ? { shardSize } : {}),
          ignorePaths: opts.ignore ?? [],
          allowSymlinks: Boolean(opts.allowSymlinks),
          ...(chain ? { certificateChain: chain } : {}),
          audit: { ledger: ws.ledger, actor: ws.actor },
        });
      });
      output(opts, result, () =>
        [
          `signed ${result.model} (${result.resources} ${result.method === "shards" ? "shards" : "files"}, ${result.bytes} bytes)`,
          `  digest     ${result.digest}`,
          `  key        ${result.keyType} ${result.keyHint}${result.certificate ? ` (certificate ${result.certificate})` : ""}`,
          `  signature  ${result.signature}`,
        ].join("\n"),
      );
    },
  );

  addJsonOption(
    model
      .command("verify <path>")
      .description("verify a model against its OMS signature bundle; names every changed, added or removed file")
      .option("-s, --signature <file>", "bundle to check (default: <model>/model.sig)")
      .option("--key <pem>", "trusted public key PEM file (repeatable)", collect)
      .option("-k, --key-name <name>", "trusted workspace key (repeatable)", collect)
      .option("--root <pem>", "trusted root CA certificate(s) for certificate-chain bundles (repeatable)", collect)
      .option(
        "--cert-chain <pem>",
        "intermediate CA certificates that may complete the bundle's chain (repeatable)",
        collect,
      )
      .option("-i, --ignore <path>", "extra path to leave out, relative to the model (repeatable)", collect)
      .addHelpText(
        "after",
        "\nWithout --key/--key-name/--root, trusts model.trustedKeys/trustedKeyFiles/trustedRoots from warden.yaml\n(every workspace key when none is listed). Sigstore keyless bundles need Fulcio/Rekor trust roots online\nand are reported as unverifiable. Exit code 1 when verification fails.",
      ),
  ).action(
    async (
      path: string,
      opts: TrustOptions & { signature?: string; ignore?: string[]; certChain?: string[]; json?: boolean },
    ) => {
      const report = await withWorkspace(async (ws) =>
        verifyModel({
          modelPath: path,
          ...(opts.signature ? { signaturePath: opts.signature } : {}),
          ...trustFor(ws, opts),
          intermediates: (opts.certChain ?? []).flatMap((f) =>
            certificatesFromPem(readText(f, "certificate chain"), f),
          ),
          ignorePaths: opts.ignore ?? [],
          audit: { ledger: ws.ledger, actor: ws.actor },
        }),
      );
      output(opts, report, () =>
        report.ok
          ? `OK ${report.model}: signed by ${report.signer?.name ?? report.signer?.subject ?? report.signer?.hint} (${report.signer?.type}), digest ${report.digest}, ${report.resources} resources`
          : `FAILED ${report.model}: ${report.failure}`,
      );
      if (!report.ok) process.exitCode = 1;
    },
  );

  addJsonOption(
    model
      .command("register <ref> <path>")
      .description("register NAME@VERSION of the model at <path> in the registry (stage: development)")
      .option("-s, --signature <file>", "its signature bundle (default: <model>/model.sig when present)")
      .option("--owner <owner>", "owning team or person (default: the actor)")
      .option("--dataset <digest>", "training dataset by manifest digest (repeatable)", collect)
      .option("--parent <ref>", "parent model NAME@VERSION (repeatable)", collect)
      .option("--metric <name=value>", "evaluation metric (repeatable)", collect)
      .option("--no-scan", "do not scan the model files now (the scan gate then fails until a scan is recorded)"),
  ).action(
    async (
      ref: string,
      path: string,
      opts: {
        signature?: string;
        owner?: string;
        dataset?: string[];
        parent?: string[];
        metric?: string[];
        scan?: boolean;
        json?: boolean;
      },
    ) => {
      const { name, version } = parseRef(ref);
      const scan = opts.scan === false ? undefined : scanRecordOf(await scanPath([path]));
      const v = await withWorkspace(async (ws) =>
        registerVersion(registry(ws), {
          ...(scan ? { scan } : {}),
          name,
          version,
          path,
          ...(opts.signature ? { signaturePath: opts.signature } : {}),
          ...(opts.owner ? { owner: opts.owner } : {}),
          datasets: opts.dataset ?? [],
          parents: opts.parent ?? [],
          metrics: parseMetrics(opts.metric),
        }),
      );
      output(opts, v, () => `registered\n${describeVersion(v)}`);
    },
  );

  addJsonOption(
    model
      .command("list")
      .description("list registered model versions")
      .option("-n, --name <name>", "only this model")
      .option("--stage <stage>", `only this stage (${STAGES.join(", ")})`),
  ).action(async (opts: { name?: string; stage?: string; json?: boolean }) => {
    const list = await withWorkspace(async (ws) =>
      listVersions(ws.store, {
        ...(opts.name ? { name: opts.name } : {}),
        ...(opts.stage ? { stage: parseStage(opts.stage) } : {}),
      }),
    );
    output(opts, list, () =>
      list.length === 0
        ? "no models registered"
        : list
            .map(
              (v) =>
                `${`${v.name}@${v.version}`.padEnd(32)} ${v.stage.padEnd(11)} ${v.digest.slice(0, 16)} ${v.signature ? "signed" : "unsigned"} ${v.owner}`,
            )
            .join("\n"),
    );
  });

  addJsonOption(model.command("show <ref>").description("show a model version and the model's stage history")).action(
    async (ref: string, opts: { json?: boolean }) => {
      const { name, version } = parseRef(ref);
      const shown = await withWorkspace(async (ws) => ({
        version: await getVersion(ws.store, name, version),
        history: await history(ws.store, name),
      }));
      output(opts, shown, () =>
        [
          describeVersion(shown.version),
          "history:",
          ...shown.history.map(
            (t) => `  ${t.at} ${t.name}@${t.version} ${t.from ?? "-"} -> ${t.to} by ${t.actor}: ${t.reason}`,
          ),
        ].join("\n"),
      );
    },
  );

  addJsonOption(
    model
      .command("promote <ref>")
      .description("move NAME@VERSION to a later stage after its promotion gates pass (warden.yaml model.promotion)")
      .requiredOption("--to <stage>", "staging, production or retired")
      .option("--reason <text>", "why")
      .option(
        "--rescan",
        "scan the model files again first and record the result (the scan gate checks the latest scan)",
      )
      .addHelpText(
        "after",
        "\nProduction gates by default: signature (verifies against a trusted key, covers the registered digest), scan\n(latest scan safe), integrity (files still match), separation-of-duties (the promoter, WARDEN_ACTOR, differs\nfrom who registered it). A refusal names the failed gates and exits 1 (E_PROMOTION_REFUSED).",
      ),
  ).action(async (ref: string, opts: { to: string; reason?: string; rescan?: boolean; json?: boolean }) => {
    const { name, version } = parseRef(ref);
    const to = parseStage(opts.to);
    const r = await withWorkspace(async (ws) => {
      const ctx = registry(ws);
      if (opts.rescan) {
        const v = await getVersion(ws.store, name, version);
        await recordScan(ctx, name, version, scanRecordOf(await scanPath([v.path])));
      }
      return promoteVersion(ctx, name, version, to, opts.reason ?? "");
    });
    output(opts, r, () =>
      [
        `${r.name}@${r.version}: ${r.from} -> ${r.to}`,
        ...r.gates.map((g) => `  [ok] ${g.gate}: ${g.detail}`),
        ...(r.superseded ? [`  retired ${r.name}@${r.superseded}`] : []),
      ].join("\n"),
    );
  });

  addJsonOption(
    model
      .command("rollback <name>")
      .description("return production to the last known-good signed version and retire the current one")
      .requiredOption("--reason <text>", "why (recorded in the ledger)"),
  ).action(async (name: string, opts: { reason: string; json?: boolean }) => {
    const r = await withWorkspace(async (ws) => rollback(registry(ws), name, opts.reason));
    output(opts, r, () => `${r.name}: production rolled back from ${r.from} to ${r.to} (${r.reason})`);
  });

  model
    .command("bom <ref>")
    .description("print the AI-BOM of NAME@VERSION: CycloneDX 1.6 JSON (default) or SPDX 3.0.1 JSON-LD")
    .option("-f, --format <format>", "cyclonedx or spdx", "cyclonedx")
    .addHelpText(
      "after",
      "\nIncludes the model card (datasets, metrics), hashes, the signature key id, parent models, and npm/pip\ndependencies from lockfiles beside the model (package-lock.json, requirements.txt, Pipfile.lock, poetry.lock, uv.lock).",
    )
    .action(async (ref: string, opts: { format: string }) => {
      if (opts.format !== "cyclonedx" && opts.format !== "spdx")
        throw usageError(`--format must be cyclonedx or spdx, got "${opts.format}"`);
      const { name, version } = parseRef(ref);
      const bom = await withWorkspace(async (ws) => {
        const v = await getVersion(ws.store, name, version);
        const parents: ModelVersion[] = [];
        for (const p of v.lineage.parents) {
          const r = parseRef(p);
          parents.push(await getVersion(ws.store, r.name, r.version));
        }
        const input = {
          model: v,
          parents,
          dependencies: readLockfiles(v.path),
          tool: { name: "warden", version: pkg.version },
        };
        return opts.format === "spdx" ? spdxBom(input) : cyclonedxBom(input);
      });
      process.stdout.write(`${JSON.stringify(bom, null, 2)}\n`);
    });
}
