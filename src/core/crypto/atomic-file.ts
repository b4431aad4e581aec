/**
 * Atomic file writes: write a sibling temp file (exclusive create, chosen mode), fsync it, then rename it over the
 * target, so readers see the old content or the new one and a crash never leaves a half-written file.
 */
import { randomBytes } from "node:crypto";
import { link, open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { WardenError } from "../errors.ts";

/** A fresh, unguessable temp path next to `target` (same directory, so the final rename is atomic). */
export function tempPathFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.${randomBytes(6).toString("hex")}.tmp`);
}

/**
 * Writes `data` to `path` atomically with file `mode` (0600 by default). With `exclusive`, the final step is a hard
 * link instead of a rename, so it fails with EEXIST (returning false) rather than replace an existing file.
 * Throws E_IO naming the file on any other failure.
 */
export async function writeFileAtomic(
  path: string,
  data: Uint8Array | string,
  options: { mode?: number; exclusive?: boolean } = {},
): Promise<boolean> {
  const tmp = tempPathFor(path);
  const mode = options.mode ?? 0o600;
  try {
    const fh = await open(tmp, "wx", mode);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    if (!options.exclusive) {
      await rename(tmp, path);
      return true;
    }
    try {
      await link(tmp, path);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
      throw e;
    } finally {
      await rm(tmp, { force: true });
    }
  } catch (e) {
    await rm(tmp, { force: true });
    throw new WardenError("E_IO", `cannot write ${path}: ${(e as Error).message}`, { cause: e });
  }
}
