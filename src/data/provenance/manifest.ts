/**
 * Dataset manifests: every regular file under a path with its size and SHA-256 (hashed in parallel on the core hash
 * pool), plus per-record digests for CSV/JSONL files. The manifest digest is SHA-256 over the RFC 8785 canonical JSON
 * of the sorted file list, so the same bytes always give the same digest whatever the machine.
 */
import { lstatSync, type statSync } from "node:fs";
import { resolve } from "node:path";
import { canonicalJson } from "../../core/canonical-json.ts";
import { hashTasks, sha256Hex } from "../../core/crypto/index.ts";
import { WardenError } from "../../core/errors.ts";
import { walkFiles } from "../../core/walk.ts";
import { digestFile, recordFormat } from "./records.ts";

/** One file of a dataset. `path` is relative to the dataset root, POSIX separators ("." for a single file). */
export interface ManifestFile {
  path: string;
  size: number;
  sha256: string;
  /** Number of records, for CSV/JSONL files. */
  records?: number;
}

export interface Manifest {
  files: ManifestFile[];
  /** SHA-256 of the canonical JSON of `files`. */
  digest: string;
  totalBytes: number;
}

/** A manifest with the per-record digests of its CSV/JSONL files (by file path). */
export interface ManifestWithRecords {
  manifest: Manifest;
  records: Map<string, Buffer>;
}

const MAX_FILES = 1_000_000;

interface Listed {
  path: string;
  abs: string;
  size: number;
}

/** Lists regular files under `root` (a file or a directory), sorted by path; symbolic links are refused. */
export function listFiles(root: string): Listed[] {
  const abs = resolve(root);
  let st: ReturnType<typeof statSync>;
  try {
    st = lstatSync(abs);
  } catch (e) {
    throw new WardenError("E_DATA_NOT_FOUND", `cannot read ${root}: ${(e as Error).message}`, { cause: e });
  }
  if (st.isFile()) return [{ path: ".", abs, size: st.size }];
  if (!st.isDirectory()) throw new WardenError("E_INPUT_INVALID", `${root} is neither a file nor a directory`);
  const files = walkFiles(abs, {
    what: "dataset",
    symlink: (p) => {
      throw new WardenError("E_INPUT_INVALID", `${p} is a symbolic link; datasets may hold only regular files`);
    },
    special: "skip",
    maxFiles: MAX_FILES,
  });
  return files
    .map((f) => ({ path: f.name, abs: f.path, size: f.size }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Digest of a file list, as stored in manifests and signed statements. */
export function manifestDigest(files: readonly ManifestFile[]): string {
  return sha256Hex(Buffer.from(canonicalJson(files), "utf8"));
}

/**
 * Builds the manifest of `root`. Plain files are hashed in parallel; CSV/JSONL files are read once, streaming, for
 * both their SHA-256 and their record digests. `onProgress` receives bytes done and bytes in total.
 */
export async function buildManifest(
  root: string,
  onProgress?: (doneBytes: number, totalBytes: number) => void,
): Promise<ManifestWithRecords> {
  const listed = listFiles(root);
  const totalBytes = listed.reduce((n, f) => n + f.size, 0);
  const plain = listed.filter((f) => recordFormat(f.path === "." ? f.abs : f.path) === undefined);
  const tabular = listed.filter((f) => recordFormat(f.path === "." ? f.abs : f.path) !== undefined);
  let done = 0;
  const plainDigests = await hashTasks(
    plain.map((f) => ({ path: f.abs, start: 0, end: -1 })),
    plain.reduce((n, f) => n + f.size, 0),
  );
  const byPath = new Map<string, ManifestFile>();
  plain.forEach((f, i) => {
    byPath.set(f.path, { path: f.path, size: plainDigests[i]!.bytes, sha256: plainDigests[i]!.digest });
    done += f.size;
  });
  onProgress?.(done, totalBytes);
  const records = new Map<string, Buffer>();
  for (const f of tabular) {
    const d = await digestFile(f.abs, recordFormat(f.path === "." ? f.abs : f.path)!);
    const count = (d.records?.length ?? 0) / 16;
    byPath.set(f.path, { path: f.path, size: d.size, sha256: d.sha256, records: count });
    if (d.records) records.set(f.path, d.records);
    done += f.size;
    onProgress?.(done, totalBytes);
  }
  const files = listed.map((f) => byPath.get(f.path)!);
  return { manifest: { files, digest: manifestDigest(files), totalBytes }, records };
}
