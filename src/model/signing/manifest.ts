/**
 * OMS v1.0 model manifests: the (resource name → SHA-256) map of a model under the `files` serialization (one resource
 * per file) or the `shards` serialization (one resource `path:start:end` per fixed-size shard), its root digest
 * (SHA-256 over the concatenated raw resource digests, in sorted order), and the comparison of two manifests that
 * names every changed, added or removed file.
 */
import { createHash } from "node:crypto";
import { basename, isAbsolute, relative, resolve, sep } from "node:path";
import { type HashTask, hashTasks } from "../../core/crypto/index.ts";
import { WardenError } from "../../core/errors.ts";
import { comparePaths, DEFAULT_IGNORE_PATHS, listModelFiles, normaliseIgnorePath } from "./walk.ts";

/** OMS default shard size (1 GB, as model_signing's `use_shard_serialization`). */
export const OMS_DEFAULT_SHARD_SIZE = 1_000_000_000;

/** The OMS `serialization` block of the predicate. */
export type Serialization =
  | { method: "files"; hash_type: "sha256"; allow_symlinks: boolean; ignore_paths?: string[] }
  | { method: "shards"; hash_type: "sha256"; shard_size: number; allow_symlinks: boolean; ignore_paths?: string[] };

/** One OMS resource descriptor. */
export interface Resource {
  name: string;
  algorithm: string;
  digest: string;
}

/** A hashed model: subject name, serialization, sorted resources and root digest. */
export interface ModelManifest {
  modelName: string;
  serialization: Serialization;
  resources: Resource[];
  /** Hex SHA-256 over the concatenated raw resource digests. */
  root: string;
  /** Bytes hashed. */
  bytes: number;
}

export interface HashOptions {
  method?: "files" | "shards";
  shardSize?: number;
  /** Extra paths to ignore, relative to the model root (absolute paths inside the model are made relative). */
  ignorePaths?: readonly string[];
  /** Also ignore OMS's defaults (model.sig and git metadata). Default true. */
  ignoreDefaults?: boolean;
  allowSymlinks?: boolean;
  workers?: number;
  maxFiles?: number;
}

/** Hex root digest of OMS: SHA-256 over the raw bytes of every resource digest, in the order given. */
export function rootDigest(resources: readonly Resource[]): string {
  const h = createHash("sha256");
  for (const r of resources) h.update(Buffer.from(r.digest, "hex"));
  return h.digest("hex");
}

/** Parses an OMS shard resource name `path:start:end` (the path itself may contain ":"). */
export function parseShardName(name: string): { path: string; start: number; end: number } | undefined {
  const m = /^(.*):(\d{1,16}):(\d{1,16})$/s.exec(name);
  if (!m?.[1] || m[2] === undefined || m[3] === undefined) return undefined;
  const start = Number(m[2]);
  const end = Number(m[3]);
  if (end < start) return undefined;
  return { path: m[1], start, end };
}

/** Sorts resources the way OMS does: by path components, then shard start and end. */
export function sortResources(resources: Resource[], method: Serialization["method"]): Resource[] {
  if (method === "files") return resources.sort((a, b) => comparePaths(a.name, b.name));
  return resources.sort((a, b) => {
    const x = parseShardName(a.name);
    const y = parseShardName(b.name);
    if (!x || !y) return comparePaths(a.name, b.name);
    return comparePaths(x.path, y.path) || x.start - y.start || x.end - y.end;
  });
}

/** The effective ignore list: defaults (unless disabled) plus the caller's, normalised, deduplicated and sorted. */
export function effectiveIgnores(extra: readonly string[] = [], withDefaults = true): string[] {
  const all = new Set<string>([...(withDefaults ? DEFAULT_IGNORE_PATHS : []), ...extra].map(normaliseIgnorePath));
  all.delete("");
  return [...all].sort();
}

/**
 * Hashes a model (directory or single file) into an OMS manifest. Files are hashed in parallel on worker threads,
 * streaming; with `method: "shards"` large files are split into `shardSize` pieces hashed independently.
 */
export async function hashModel(modelPath: string, opts: HashOptions = {}): Promise<ModelManifest> {
  const method = opts.method ?? "files";
  const shardSize = opts.shardSize ?? OMS_DEFAULT_SHARD_SIZE;
  if (method === "shards" && !(Number.isSafeInteger(shardSize) && shardSize > 0)) {
    throw new WardenError("E_USAGE", `shard size must be a positive integer, got ${shardSize}`);
  }
  const allowSymlinks = opts.allowSymlinks ?? false;
  const root = resolve(modelPath);
  const relativeIgnores = (opts.ignorePaths ?? []).map((p) =>
    isAbsolute(p) ? relative(root, p).split(sep).join("/") : p,
  );
  const ignorePaths = effectiveIgnores(relativeIgnores, opts.ignoreDefaults ?? true);
  const walkOpts =
    opts.maxFiles === undefined
      ? { ignorePaths, allowSymlinks }
      : { ignorePaths, allowSymlinks, maxFiles: opts.maxFiles };
  const files = listModelFiles(modelPath, walkOpts);

  const names: string[] = [];
  const tasks: HashTask[] = [];
  let total = 0;
  for (const f of files) {
    total += f.size;
    if (method === "files") {
      names.push(f.name);
      tasks.push({ path: f.path, start: 0, end: -1 });
      continue;
    }
    for (let start = 0; start < f.size; start += shardSize) {
      const end = Math.min(start + shardSize, f.size);
      names.push(`${f.name}:${start}:${end}`);
      tasks.push({ path: f.path, start, end });
    }
  }
  const results = await hashTasks(tasks, total, opts.workers === undefined ? {} : { workers: opts.workers });
  const algorithm = method === "files" ? "sha256" : `sha256-sharded-${shardSize}`;
  const resources = sortResources(
    results.map((r, i) => ({ name: names[i] ?? "", algorithm, digest: r.digest })),
    method,
  );
  const serialization: Serialization =
    method === "files"
      ? { method, hash_type: "sha256", allow_symlinks: allowSymlinks, ignore_paths: ignorePaths }
      : {
          method,
          hash_type: "sha256",
          shard_size: shardSize,
          allow_symlinks: allowSymlinks,
          ignore_paths: ignorePaths,
        };
  return {
    modelName: basename(resolve(modelPath)),
    serialization,
    resources,
    root: rootDigest(resources),
    bytes: results.reduce((s, r) => s + r.bytes, 0),
  };
}

/** Files that differ between a signed manifest and the model on disk. */
export interface ManifestDiff {
  changed: string[];
  added: string[];
  removed: string[];
}

function byFile(resources: readonly Resource[], method: Serialization["method"]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const r of resources) {
    const file = method === "shards" ? (parseShardName(r.name)?.path ?? r.name) : r.name;
    const list = out.get(file) ?? [];
    list.push(`${r.name}=${r.digest}`);
    out.set(file, list);
  }
  return out;
}

/**
 * Compares the signed resources with those recomputed from disk and names each file that changed (different digest
 * or shard layout), was added (on disk, not signed) or was removed (signed, missing). Empty lists mean equal.
 */
export function diffManifests(
  signed: readonly Resource[],
  actual: readonly Resource[],
  method: Serialization["method"],
): ManifestDiff {
  const a = byFile(signed, method);
  const b = byFile(actual, method);
  const diff: ManifestDiff = { changed: [], added: [], removed: [] };
  for (const [file, entries] of a) {
    const other = b.get(file);
    if (!other) diff.removed.push(file);
    else if (entries.slice().sort().join("\n") !== other.slice().sort().join("\n")) diff.changed.push(file);
  }
  for (const file of b.keys()) if (!a.has(file)) diff.added.push(file);
  for (const list of [diff.changed, diff.added, diff.removed]) list.sort(comparePaths);
  return diff;
}
