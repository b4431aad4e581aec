/**
 * `warden data ...`: dataset provenance (register, verify, lineage), protection (encrypt, decrypt, export under
 * classification-based access rules, retention), plus the PII and analytics command groups.
 */
import { copyFile, mkdir, stat } from "node:fs/promises";
import { basename, dirname, join, relative } from "node:path";
import type { Command } from "commander";
import { CLASSIFICATIONS, type Classification } from "../core/config/sections/data.ts";
import { decryptFile, encryptFile } from "../core/crypto/index.ts";
import { WardenError } from "../core/errors.ts";
import { walkFiles } from "../core/walk.ts";
import {
  applyRetention,
  type DataContext,
  datasetLineage,
  enforceAccess,
  getDataset,
  lineageToDot,
  lineageToMermaid,
  listDatasets,
  planRetention,
  registerDataset,
  verifyDataset,
} from "../data/index.ts";
import type { Workspace } from "../workspace/index.ts";
import { registerDataAnalyticsCommands } from "./data-analytics.ts";
import { registerDataPiiCommands } from "./data-pii.ts";
import { addJsonOption, interactive, output, usageError, withWorkspace } from "./shared.ts";

/** The data controls' view of a workspace. */
export function dataContext(ws: Workspace): DataContext {
  return {
    store: ws.store,
    ledger: ws.ledger,
    keys: ws.keys,
    signingKey: ws.config.keys.workspaceKey.name,
    actor: ws.actor,
    config: ws.config.data,
    archiveDir: join(ws.home, "archive"),
  };
}

function classification(value: string | undefined, fallback: Classification): Classification {
  if (value === undefined) return fallback;
  if (!(CLASSIFICATIONS as readonly string[]).includes(value)) {
    throw usageError(`--classification must be one of ${CLASSIFICATIONS.join(", ")}, got "${value}"`);
  }
  return value as Classification;
}

function progress(): ((done: number, total: number) => void) | undefined {
  if (!interactive()) return undefined;
  return (done, total) => process.stderr.write(`\rhashing ${(done / 1e6).toFixed(0)}/${(total / 1e6).toFixed(0)} MB`);
}

async function filesUnder(path: string): Promise<string[]> {
  const st = await stat(path);
  if (!st.isDirectory()) return [path];
  const files = walkFiles(path, { what: "folder", symlink: () => undefined, special: "skip" });
  return files.map((f) => join(path, f.name)).sort();
}

/** Encrypts or decrypts a file or every file of a directory, mirroring the tree under `out`. */
async function transformTree(
  path: string,
  out: string,
  fn: (from: string, to: string) => Promise<void>,
  rename: (name: string) => string,
): Promise<string[]> {
  const isDir = (await stat(path)).isDirectory();
  const written: string[] = [];
  for (const file of await filesUnder(path)) {
    const target = isDir ? join(out, rename(relative(path, file))) : out;
    await mkdir(dirname(target), { recursive: true });
    await fn(file, target);
    written.push(target);
  }
  return written;
}

export function registerDataCommands(program: Command): void {
  const data = program
    .command("data")
    .description("secure data management: provenance, integrity, encryption, access, retention, PII, DP, validation");

  addJsonOption(
    data
      .command("register <path>")
      .description("hash every file (and every CSV/JSONL row), sign the manifest with the workspace key, record it")
      .requiredOption("--name <name>", "dataset name")
      .option("--parent <ref...>", "datasets this one was derived from (NAME@VERSION)")
      .option("--transform <text>", "how it was derived from its parents")
      .option("--classification <level>", `one of ${CLASSIFICATIONS.join(", ")}`, "internal")
      .option("--owner <principal>", "accountable owner (default: the acting principal)"),
  ).action(
    async (
      path: string,
      opts: {
        name: string;
        parent?: string[];
        transform?: string;
        classification: string;
        owner?: string;
        json?: boolean;
      },
    ) => {
      const level = classification(opts.classification, "internal");
      const ds = await withWorkspace(async (ws) => {
        const ctx = dataContext(ws);
        await enforceAccess(ctx, "manage", opts.name, level);
        const onProgress = progress();
        return registerDataset(ctx, {
          path,
          name: opts.name,
          classification: level,
          ...(opts.parent ? { parents: opts.parent } : {}),
          ...(opts.transform ? { transform: opts.transform } : {}),
          ...(opts.owner ? { owner: opts.owner } : {}),
          ...(onProgress ? { onProgress } : {}),
        });
      });
      if (interactive()) process.stderr.write("\n");
      const { envelope: _envelope, manifest, ...summary } = ds;
      output(
        opts,
        { ...summary, files: manifest.files.length, bytes: manifest.totalBytes },
        () =>
          `registered ${ds.id}: ${manifest.files.length} files, ${manifest.totalBytes} bytes, manifest ${ds.digest} (ledger #${ds.ledgerIndex})`,
      );
    },
  );

  addJsonOption(data.command("list").description("list registered dataset versions")).action(
    async (opts: { json?: boolean }) => {
      const list = await withWorkspace(async (ws) => listDatasets(dataContext(ws)));
      const rows = list.map((d) => ({
        id: d.id,
        classification: d.classification,
        owner: d.owner,
        files: d.manifest.files.length,
        bytes: d.manifest.totalBytes,
        status: d.status,
        registeredAt: d.registeredAt,
        digest: d.digest,
      }));
      output(opts, rows, () =>
        rows.length === 0
          ? "no datasets registered"
          : rows
              .map(
                (r) =>
                  `${r.id.padEnd(24)} ${r.classification.padEnd(12)} ${r.status.padEnd(8)} ${r.files} files ${r.digest.slice(0, 16)}`,
              )
              .join("\n"),
      );
    },
  );

  addJsonOption(
    data
      .command("verify <ref>")
      .description("re-hash a dataset and name every added, removed or changed file and row; exit 1 on any difference")
      .option("--path <path>", "verify this copy instead of the registered location"),
  ).action(async (ref: string, opts: { path?: string; json?: boolean }) => {
    const r = await withWorkspace(async (ws) => {
      const ctx = dataContext(ws);
      const ds = await getDataset(ctx, ref);
      await enforceAccess(ctx, "read", ds.id, ds.classification);
      return verifyDataset(ctx, ds.id, opts.path);
    });
    output(opts, r, () => {
      const lines = [`${r.ok ? "OK" : "FAILED"}: ${r.id} at ${r.path}`];
      lines.push(
        `  signature: ${r.signature.ok ? `valid (${r.signature.keyIds.join(", ")})` : `INVALID: ${r.signature.error}`}`,
      );
      for (const p of r.diff.added) lines.push(`  added:   ${p}`);
      for (const p of r.diff.removed) lines.push(`  removed: ${p}`);
      for (const c of r.diff.changed) {
        const rows = c.rows;
        const detail = rows
          ? ` (rows changed: ${rows.changed.join(", ") || "-"}; added: ${rows.added.join(", ") || "-"}; removed: ${rows.removed.join(", ") || "-"})`
          : "";
        lines.push(`  changed: ${c.path}${detail}`);
      }
      return lines.join("\n");
    });
    if (!r.ok) process.exitCode = 1;
  });

  addJsonOption(
    data
      .command("lineage <ref>")
      .description("the ancestry graph back to the sources, each edge with its ledger index")
      .option("--format <format>", "json, dot or mermaid", "json")
      .option("--proofs", "attach an RFC 9162 inclusion proof to every edge"),
  ).action(async (ref: string, opts: { format: string; proofs?: boolean; json?: boolean }) => {
    if (!["json", "dot", "mermaid"].includes(opts.format)) throw usageError(`--format must be json, dot or mermaid`);
    const l = await withWorkspace(async (ws) => {
      const ctx = dataContext(ws);
      const ds = await getDataset(ctx, ref);
      await enforceAccess(ctx, "read", ds.id, ds.classification);
      return datasetLineage(ctx, ref, { proofs: Boolean(opts.proofs) });
    });
    if (opts.json || opts.format === "json") output({ json: true }, l, () => "");
    else process.stdout.write(`${opts.format === "dot" ? lineageToDot(l) : lineageToMermaid(l)}\n`);
  });

  addJsonOption(
    data
      .command("export <ref>")
      .description("verify a dataset, then copy its files to --out (needs the export right for its classification)")
      .requiredOption("--out <dir>", "destination folder"),
  ).action(async (ref: string, opts: { out: string; json?: boolean }) => {
    const r = await withWorkspace(async (ws) => {
      const ctx = dataContext(ws);
      const ds = await getDataset(ctx, ref);
      await enforceAccess(ctx, "export", ds.id, ds.classification);
      const v = await verifyDataset(ctx, ds.id);
      if (!v.ok) {
        throw new WardenError(
          "E_DATA_VERIFY_FAILED",
          `${ds.id} does not verify; not exported (run \`warden data verify ${ds.id}\`)`,
        );
      }
      const written: string[] = [];
      for (const f of ds.manifest.files) {
        const from = f.path === "." ? ds.sourcePath : join(ds.sourcePath, f.path);
        const to = join(opts.out, f.path === "." ? basename(ds.sourcePath) : f.path);
        await mkdir(dirname(to), { recursive: true });
        await copyFile(from, to);
        written.push(to);
      }
      await ws.ledger.append({
        type: "data.exported",
        subject: ds.id,
        actor: ws.actor,
        data: { to: opts.out, files: written.length },
      });
      return { id: ds.id, out: opts.out, files: written.length };
    });
    output(opts, r, () => `exported ${r.id}: ${r.files} files to ${r.out}`);
  });

  interface CryptOpts {
    out?: string;
    dataset?: string;
    classification: string;
    json?: boolean;
  }
  /** encrypt and decrypt: the same access check, tree walk and ledger record around a different file operation. */
  const crypt = (mode: "encrypt" | "decrypt", description: string) =>
    addJsonOption(
      data
        .command(`${mode} <path>`)
        .description(description)
        .option("--out <path>", "output file or folder")
        .option("--dataset <ref>", "the registered dataset these files belong to (its classification decides access)")
        .option("--classification <level>", "classification when no --dataset is given", "confidential"),
    ).action(async (path: string, opts: CryptOpts) => {
      const r = await withWorkspace(async (ws) => {
        const ctx = dataContext(ws);
        const level = opts.dataset
          ? (await getDataset(ctx, opts.dataset)).classification
          : classification(opts.classification, "confidential");
        await enforceAccess(ctx, mode === "encrypt" ? "manage" : "decrypt", opts.dataset ?? path, level);
        const out =
          opts.out ?? (mode === "encrypt" ? `${path.replace(/\/+$/, "")}.wenc` : path.replace(/\.wenc\/*$/, ""));
        if (out === path) throw usageError(`give --out: ${path} does not end in .wenc`);
        const written = await transformTree(
          path,
          out,
          (a, b) => (mode === "encrypt" ? encryptFile(a, b, ws.keys) : decryptFile(a, b, ws.keys)),
          (n) => (mode === "encrypt" ? `${n}.wenc` : n.replace(/\.wenc$/, "")),
        );
        await ws.ledger.append({
          type: `data.${mode}ed`,
          subject: opts.dataset ?? path,
          actor: ws.actor,
          data: { out, files: written.length },
        });
        return { out, files: written };
      });
      output(opts, r, () => `${mode}ed ${r.files.length} file(s) to ${r.out}`);
    });
  crypt(
    "encrypt",
    "envelope-encrypt a file or folder (AES-256-GCM, a fresh data key per file, wrapped by the workspace key)",
  );
  crypt("decrypt", "decrypt a file or folder encrypted by `warden data encrypt`");

  const retention = data
    .command("retention")
    .description("retention rules from warden.yaml: what is due, and applying it");
  addJsonOption(
    retention.command("plan").description("list dataset versions governed by a retention rule and when each falls due"),
  ).action(async (opts: { json?: boolean }) => {
    const plan = await withWorkspace(async (ws) =>
      planRetention(await listDatasets(dataContext(ws)), ws.config.data.retention, new Date()),
    );
    output(opts, plan, () =>
      plan.length === 0
        ? "no dataset is governed by a retention rule"
        : plan
            .map((p) => `${p.due ? "DUE " : "    "}${p.id.padEnd(24)} ${p.action.padEnd(8)} ${p.dueAt} (${p.rule})`)
            .join("\n"),
    );
  });
  addJsonOption(
    retention
      .command("apply")
      .description("purge or archive every dataset version that is due; one ledger record each"),
  ).action(async (opts: { json?: boolean }) => {
    const done = await withWorkspace(async (ws) => {
      const ctx = dataContext(ws);
      const datasets = await listDatasets(ctx);
      const plan = planRetention(datasets, ws.config.data.retention, new Date());
      for (const item of plan.filter((p) => p.due))
        await enforceAccess(ctx, "manage", item.id, item.classification as Classification);
      return applyRetention(ctx, datasets, plan);
    });
    output(opts, done, () =>
      done.length === 0 ? "nothing is due" : done.map((d) => `${d.action}d ${d.id} (${d.files} files)`).join("\n"),
    );
  });

  registerDataPiiCommands(data);
  registerDataAnalyticsCommands(data);
}
