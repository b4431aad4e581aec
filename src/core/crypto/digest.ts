/**
 * SHA-256 digests (FIPS 180-4) of byte strings and of files, the latter streamed so memory stays flat whatever the
 * file size.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { WardenError } from "../errors.ts";
import { toHex } from "./encoding.ts";

/** SHA-256 (FIPS 180-4) of `data`, 32 bytes. */
export function sha256(data: Uint8Array | string): Uint8Array {
  return new Uint8Array(createHash("sha256").update(data).digest());
}

/** SHA-256 of `data` as lowercase hex (64 characters). */
export function sha256Hex(data: Uint8Array | string): string {
  return toHex(sha256(data));
}

/**
 * Streams the file at `path` through SHA-256 (FIPS 180-4) in 1 MiB reads and returns the lowercase hex digest.
 * Throws E_IO naming the file when it cannot be read.
 */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  } catch (e) {
    throw new WardenError("E_IO", `cannot read ${path} to hash it: ${(e as Error).message}`, { cause: e });
  }
  return hash.digest("hex");
}
