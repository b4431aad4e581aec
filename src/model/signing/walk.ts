/**
 * Lists the files of a model the way OpenSSF Model Signing (OMS v1.0) does: every regular file under the model
 * directory, named by its POSIX path relative to the model root, minus ignored paths (an ignored directory hides all
 * its children). A model that is a single file has one entry named ".". Symbolic links are refused unless allowed,
 * and even then only links to regular files are followed (never directories: no loops).
 */
import { lstatSync, type Stats, statSync } from "node:fs";
import { basename, resolve } from "node:path";
import { WardenError } from "../../core/errors.ts";
import { comparePaths, type WalkedFile, walkFiles } from "../../core/walk.ts";

export { comparePaths };

/** One file of a model: OMS name (relative POSIX path, or "." for a single-file model), absolute path and size. */
export type ModelFile = WalkedFile;

export interface WalkOptions {
  /** Paths relative to the model root (directories hide their children). */
  ignorePaths: readonly string[];
  allowSymlinks: boolean;
  /** Refuse models with more files than this. */
  maxFiles?: number;
}

/** Paths OMS ignores by default at the model root: the signature and git metadata. */
export const DEFAULT_IGNORE_PATHS: readonly string[] = ["model.sig", ".git", ".gitattributes", ".github", ".gitignore"];

const DEFAULT_MAX_FILES = 200_000;

/** Normalises an ignore path to a root-relative POSIX path without "./" or trailing "/". */
export function normaliseIgnorePath(p: string): string {
  let s = p.replaceAll("\\", "/");
  while (s.startsWith("./")) s = s.slice(2);
  while (s.endsWith("/") && s.length > 1) s = s.slice(0, -1);
  return s;
}

function isIgnored(name: string, ignores: ReadonlySet<string>): boolean {
  if (ignores.has(name)) return true;
  let i = name.indexOf("/");
  while (i !== -1) {
    if (ignores.has(name.slice(0, i))) return true;
    i = name.indexOf("/", i + 1);
  }
  return false;
}

function notFound(path: string): WardenError {
  return new WardenError("E_MODEL_NOT_FOUND", `model path ${path} does not exist: give a model directory or file`);
}

/** Lists the model's files, sorted in OMS order. Throws a clear WardenError on symlinks, special files or limits. */
export function listModelFiles(modelPath: string, opts: WalkOptions): ModelFile[] {
  const root = resolve(modelPath);
  let st: Stats;
  try {
    st = lstatSync(root);
  } catch (e) {
    throw Object.assign(notFound(root), { cause: e });
  }
  if (st.isSymbolicLink()) st = checkLink(root, basename(root), opts);
  if (st.isFile()) return [{ name: ".", path: root, size: st.size }];
  if (!st.isDirectory()) {
    throw new WardenError("E_INPUT_INVALID", `${root} is not a regular file or directory (socket, FIFO or device)`);
  }

  const ignores = new Set(opts.ignorePaths.map(normaliseIgnorePath));
  const files = walkFiles(root, {
    what: "model",
    ignore: (name) => isIgnored(name, ignores),
    symlink: (path, name) => checkLink(path, name, opts),
    special: "refuse",
    maxFiles: opts.maxFiles ?? DEFAULT_MAX_FILES,
  });
  return files.sort((a, b) => comparePaths(a.name, b.name));
}

function checkLink(full: string, name: string, opts: WalkOptions): Stats {
  if (!opts.allowSymlinks) {
    throw new WardenError(
      "E_INPUT_INVALID",
      `${name} is a symbolic link: symlinks are refused by default (OMS allow_symlinks=false); pass --allow-symlinks to follow links to files`,
      { details: { path: full } },
    );
  }
  let target: Stats;
  try {
    target = statSync(full);
  } catch (e) {
    throw new WardenError("E_INPUT_INVALID", `${name} is a dangling symbolic link`, { cause: e });
  }
  if (!target.isFile()) {
    throw new WardenError("E_INPUT_INVALID", `${name} is a symbolic link to something other than a regular file`);
  }
  return target;
}
