/**
 * Keys for reversible and keyed anonymisation: a 32-byte master key (a file of 32 random bytes), from which HKDF-SHA256
 * (RFC 5869) derives separate sub-keys for HMAC pseudonyms and AES-256-GCM encryption. Keys are never printed.
 */
import { hkdfSync, randomBytes } from "node:crypto";
import { open, readFile } from "node:fs/promises";
import { WardenError } from "../../core/errors.ts";

/** Master key length in bytes. */
export const KEY_BYTES = 32;

/** Sub-keys derived from one master key. */
export interface AnonymizationKeys {
  pseudonym: Buffer;
  encrypt: Buffer;
  /** Salt for the salted SHA-256 operator when no explicit salt is given. */
  hashSalt: Buffer;
}

/** Derives the pseudonym, encryption and hash-salt sub-keys from a 32-byte master key (HKDF-SHA256, distinct info labels). */
export function deriveKeys(master: Uint8Array): AnonymizationKeys {
  if (master.length !== KEY_BYTES) {
    throw new WardenError("E_KEY_TYPE", `anonymisation key must be ${KEY_BYTES} bytes, got ${master.length}`);
  }
  const sub = (info: string): Buffer => Buffer.from(hkdfSync("sha256", master, Buffer.alloc(0), info, 32));
  return {
    pseudonym: sub("warden/pii/pseudonym/v1"),
    encrypt: sub("warden/pii/encrypt/v1"),
    hashSalt: sub("warden/pii/hash-salt/v1"),
  };
}

/** Reads a key file holding exactly 32 raw bytes. */
export async function readKeyFile(path: string): Promise<Uint8Array> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (e) {
    throw new WardenError("E_KEY_NOT_FOUND", `cannot read key file ${path}; create one with --new-key`, { cause: e });
  }
  if (buf.length !== KEY_BYTES) {
    throw new WardenError(
      "E_KEY_TYPE",
      `key file ${path} must hold exactly ${KEY_BYTES} bytes (it holds ${buf.length})`,
    );
  }
  return buf;
}

/** Creates a new key file of 32 random bytes, mode 0600; refuses to overwrite an existing file. */
export async function createKeyFile(path: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, "wx", 0o600);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EEXIST") {
      throw new WardenError("E_KEY_EXISTS", `key file ${path} already exists; refusing to overwrite it`, { cause: e });
    }
    throw new WardenError("E_IO", `cannot create key file ${path}: ${(e as Error).message}`, { cause: e });
  }
  try {
    await handle.writeFile(randomBytes(KEY_BYTES));
    await handle.sync();
  } finally {
    await handle.close();
  }
}
