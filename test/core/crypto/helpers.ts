/** Shared fixtures for the crypto tests: temp directories and fast-to-open keyrings. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";
import { KeyRing } from "../../../src/core/crypto/index.ts";

/** A fresh temp directory removed when the test file finishes. */
export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "warden-crypto-"));
  after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** scrypt cost low enough for tests (the default, 2^15, is exercised once in keyring.test.ts). */
export const FAST_SCRYPT = { N: 1 << 10, r: 8, p: 1 };

/** Opens a passphrase keyring in a fresh temp directory. */
export async function tempKeyRing(
  passphrase = "correct horse battery staple",
): Promise<{ ring: KeyRing; dir: string }> {
  const dir = join(await tempDir(), "keyring");
  return { ring: await KeyRing.open(dir, { passphrase }, { scrypt: FAST_SCRYPT }), dir };
}

export const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
