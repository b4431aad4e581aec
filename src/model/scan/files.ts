/**
 * Entry points over bytes, files and folders: `scanBytes`, `scanFile`, `scanPath`. Files are read through handles so
 * header formats never load tensor data; folders are walked recursively and every regular file is scanned whatever
 * its extension.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { WardenError } from "../../core/errors.ts";
import { comparePaths, followFileLinks, walkFiles } from "../../core/walk.ts";
import { newContext, scanSource } from "./engine.ts";
import { bytesSource, FileSource, type Source } from "./source.ts";
import {
  DEFAULT_LIMITS,
  type FileResult,
  type ProgressCallback,
  type ScanLimits,
  type ScanOptions,
  type ScanResult,
} from "./types.ts";
import { sortFindings, verdictOf } from "./verdict.ts";

function limitsOf(opts: ScanOptions): ScanLimits {
  return { ...DEFAULT_LIMITS, ...opts.limits };
}

function scanSourceToResult(src: Source, path: string, limits: ScanLimits): FileResult {
  const ctx = newContext(limits);
  let format: string;
  try {
    format = scanSource(src, "", 0, ctx);
  } catch (e) {
    format = "unknown";
    const msg = e instanceof RangeError ? "resources exhausted" : (e as Error).message;
    ctx.findings.push({
      rule: "invalid-scan-error",
      severity: "medium",
      message: `scan failed: ${msg}`,
      location: "file",
    });
  }
  const findings = sortFindings(ctx.findings);
  return { path, format, verdict: verdictOf(findings), findings, size: src.size };
}

/** Scans bytes already in memory; `name` is reported as the path. */
export function scanBytes(bytes: Uint8Array, name: string, opts: ScanOptions = {}): FileResult {
  return scanSourceToResult(bytesSource(bytes), name, limitsOf(opts));
}

async function sha256File(path: string): Promise<string> {
  const h = createHash("sha256");
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest("hex");
}

/** Scans one file. Throws WardenError E_IO when it cannot be opened. */
export async function scanFile(path: string, opts: ScanOptions = {}): Promise<FileResult> {
  let src: FileSource;
  try {
    src = new FileSource(path);
  } catch (e) {
    throw new WardenError("E_IO", `cannot open ${path}: ${(e as Error).message}; check the path and permissions`, {
      cause: e,
    });
  }
  try {
    const result = scanSourceToResult(src, path, limitsOf(opts));
    if (opts.hash) result.sha256 = await sha256File(path);
    return result;
  } finally {
    src.close();
  }
}

/**
 * Lists the regular files under `paths`: files as given (also through a link), folders recursively in path order,
 * following links to files but never into folders, except a linked folder given as a path itself.
 */
export async function listFiles(paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    let st: Awaited<ReturnType<typeof stat>>;
    try {
      st = await stat(p);
    } catch (e) {
      throw new WardenError("E_INPUT_INVALID", `cannot read ${p}: ${(e as Error).message}; check the path`, {
        cause: e,
      });
    }
    if (!st.isDirectory()) {
      if (st.isFile()) out.push(p);
      continue;
    }
    const files = walkFiles(p, { what: "folder", symlink: followFileLinks, special: "skip" });
    out.push(...files.sort((a, b) => comparePaths(a.name, b.name)).map((f) => join(p, f.name)));
  }
  return out;
}

/** Scans files and folders. `onProgress` is called after each file. */
export async function scanPath(
  paths: readonly string[],
  opts: ScanOptions = {},
  onProgress?: ProgressCallback,
): Promise<ScanResult> {
  const started = performance.now();
  const files = await listFiles(paths);
  const results: FileResult[] = [];
  for (const [i, f] of files.entries()) {
    results.push(await scanFile(f, opts));
    onProgress?.(i + 1, files.length, f);
  }
  return { files: results, summary: summarize(results, performance.now() - started) };
}

/** Counts verdicts and bytes. */
export function summarize(files: readonly FileResult[], durationMs: number): ScanResult["summary"] {
  const s = {
    files: files.length,
    safe: 0,
    suspicious: 0,
    unsafe: 0,
    invalid: 0,
    bytes: 0,
    durationMs: Math.round(durationMs),
  };
  for (const f of files) {
    s[f.verdict]++;
    s.bytes += f.size;
  }
  return s;
}
