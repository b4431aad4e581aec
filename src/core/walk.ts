/**
 * The one directory walker behind dataset manifests, model signing (OMS file lists), model scanning and the data
 * encryption of directories: regular files below a root, named by POSIX path relative to it, with limits on depth and
 * count. What a symbolic link or a special file (socket, FIFO, device) means is the caller's policy.
 */
import { readdirSync, type Stats, statSync } from "node:fs";
import { join } from "node:path";
import { WardenError } from "./errors.ts";

/** One regular file: name relative to the root (POSIX separators), absolute path, size in bytes. */
export interface WalkedFile {
  name: string;
  path: string;
  size: number;
}

export interface WalkOptions {
  /** What the root is, for error messages ("model", "dataset", ...). */
  what: string;
  /** Skips a file or a whole directory by its relative name. */
  ignore?: (name: string) => boolean;
  /**
   * Decides on a symbolic link: the stats of a regular file it points to, to list it under the link's name, or
   * undefined to skip it; or throw to refuse. Directories behind links are never entered (no loops).
   */
  symlink: (path: string, name: string) => Stats | undefined;
  /** Refuse (throw E_INPUT_INVALID) or skip sockets, FIFOs and devices. */
  special: "refuse" | "skip";
  maxFiles?: number;
  maxDepth?: number;
}

/** Walks the directory `root` depth first in readdir order (callers sort as their format requires). */
export function walkFiles(root: string, opts: WalkOptions): WalkedFile[] {
  const maxFiles = opts.maxFiles ?? 1_000_000;
  const maxDepth = opts.maxDepth ?? 64;
  const files: WalkedFile[] = [];
  const walk = (dir: string, prefix: string, depth: number): void => {
    if (depth > maxDepth) {
      throw new WardenError(
        "E_INPUT_TOO_LARGE",
        `${opts.what} directory ${dir} is nested deeper than ${maxDepth} levels`,
      );
    }
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const name = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
      if (opts.ignore?.(name)) continue;
      const path = join(dir, entry.name);
      let size: number;
      if (entry.isDirectory()) {
        walk(path, name, depth + 1);
        continue;
      } else if (entry.isSymbolicLink()) {
        const target = opts.symlink(path, name);
        if (!target) continue;
        size = target.size;
      } else if (entry.isFile()) {
        size = statSync(path).size;
      } else if (opts.special === "skip") {
        continue;
      } else {
        throw new WardenError(
          "E_INPUT_INVALID",
          `${path} is not a regular file or directory (socket, FIFO or device): remove it from the ${opts.what}`,
        );
      }
      files.push({ name, path, size });
      if (files.length > maxFiles) {
        throw new WardenError("E_INPUT_TOO_LARGE", `${opts.what} ${root} has more than ${maxFiles} files`, {
          details: { maxFiles },
        });
      }
    }
  };
  walk(root, "", 0);
  return files;
}

/** Follows a symbolic link to a regular file (its stats), and skips links to anything else or dangling links. */
export function followFileLinks(path: string): Stats | undefined {
  try {
    const target = statSync(path);
    return target.isFile() ? target : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Compares relative POSIX paths by component, each by Unicode code point (UTF-8 byte order), the order OpenSSF Model
 * Signing sorts resource names in; a folder's files therefore come before a sibling named like "folder-x".
 */
export function comparePaths(a: string, b: string): number {
  const pa = a.split("/");
  const pb = b.split("/");
  const n = Math.min(pa.length, pb.length);
  for (let i = 0; i < n; i++) {
    const c = Buffer.compare(Buffer.from(pa[i] ?? "", "utf8"), Buffer.from(pb[i] ?? "", "utf8"));
    if (c !== 0) return c;
  }
  return pa.length - pb.length;
}
