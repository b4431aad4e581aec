/**
 * Atomic file output: write to a temporary file beside the target, fsync, then rename over it, so a failure never
 * leaves a half-written file behind (the temporary file is removed on error).
 */
import { randomBytes } from "node:crypto";
import { open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { WardenError } from "../../core/errors.ts";

const FLUSH_BYTES = 1 << 20;

/** Sink handed to the writer callback; `write` resolves once the text is written. */
export interface AtomicSink {
  write(text: string | Uint8Array): Promise<void>;
}

/**
 * Runs `fn` with a sink writing to a temporary file in the target's directory, then renames it to `path`. If `fn`
 * throws, the temporary file is deleted and the target left untouched. Returns `fn`'s result.
 */
export async function writeFileAtomic<T>(path: string, fn: (sink: AtomicSink) => Promise<T>): Promise<T> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(tmp, "wx", 0o600);
  } catch (e) {
    throw new WardenError("E_IO", `cannot write beside ${path}: ${(e as Error).message}`, { cause: e });
  }
  try {
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    const flush = async (): Promise<void> => {
      if (pendingBytes === 0) return;
      const buf = Buffer.concat(pending, pendingBytes);
      pending = [];
      pendingBytes = 0;
      await handle.write(buf);
    };
    const result = await fn({
      write: async (text) => {
        const buf = typeof text === "string" ? Buffer.from(text, "utf8") : Buffer.from(text);
        pending.push(buf);
        pendingBytes += buf.length;
        if (pendingBytes >= FLUSH_BYTES) await flush();
      },
    });
    await flush();
    await handle.sync();
    await handle.close();
    await rename(tmp, path);
    return result;
  } catch (e) {
    await handle.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw e;
  }
}
