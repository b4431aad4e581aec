/**
 * The key-encryption key (KEK) protecting a keyring at rest. It comes either from a passphrase stretched with scrypt
 * (RFC 7914; salt and cost parameters kept in the keyring's metadata) or from a 32-byte key file. Two independent
 * subkeys are derived from it with HKDF-SHA256 (RFC 5869): one encrypts key material (AES-256-GCM), the other computes
 * a verifier (HMAC-SHA256) stored in the metadata, so a wrong passphrase is reported before anything is decrypted.
 */
import { createHmac, hkdfSync, scrypt, timingSafeEqual } from "node:crypto";
import { readFile } from "node:fs/promises";
import { WardenError } from "../errors.ts";
import { fromHex } from "./encoding.ts";

/** Where the KEK comes from: a passphrase (scrypt) or a file holding 32 random bytes (raw, or 64 hex characters). */
export type KekSource = { passphrase: string } | { keyFile: string };

/** scrypt cost parameters (RFC 7914 §2). */
export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/** Default scrypt cost for new keyrings: N = 2^15, r = 8, p = 1 (32 MiB, ~0.1 s). */
export const DEFAULT_SCRYPT: ScryptParams = { N: 1 << 15, r: 8, p: 1 };

/** Bounds accepted when reading parameters from disk, so a tampered metadata file cannot exhaust memory. */
export function checkScryptParams(params: ScryptParams): boolean {
  const { N, r, p } = params;
  return (
    Number.isInteger(N) &&
    N >= 1 << 10 &&
    N <= 1 << 20 &&
    (N & (N - 1)) === 0 &&
    Number.isInteger(r) &&
    r >= 1 &&
    r <= 32 &&
    Number.isInteger(p) &&
    p >= 1 &&
    p <= 16 &&
    128 * N * r <= 512 * 1024 * 1024
  );
}

/** The KEK's derived subkeys; the raw KEK itself is not kept. */
export interface Kek {
  /** AES-256-GCM key for key material at rest. */
  readonly encryptionKey: Uint8Array;
  /** HMAC-SHA256 verifier over a fixed label, stored in the keyring metadata. */
  readonly verifier: Uint8Array;
}

/**
 * Picks the KEK source from the environment: `WARDEN_PASSPHRASE` first, then `WARDEN_KEY_FILE`, then `keyFilePath`
 * (e.g. from configuration). Throws E_PASSPHRASE_MISSING saying how to provide one.
 */
export function kekSourceFromEnv(env: NodeJS.ProcessEnv = process.env, keyFilePath?: string): KekSource {
  const passphrase = env.WARDEN_PASSPHRASE;
  if (passphrase !== undefined && passphrase !== "") return { passphrase };
  const keyFile = env.WARDEN_KEY_FILE || keyFilePath;
  if (keyFile) return { keyFile };
  throw new WardenError(
    "E_PASSPHRASE_MISSING",
    "the keyring is encrypted and no key-encryption secret was given: set WARDEN_PASSPHRASE, or set WARDEN_KEY_FILE to " +
      "a file holding 32 random bytes (e.g. `head -c 32 /dev/urandom > key && chmod 600 key`)",
  );
}

async function readKeyFile(path: string): Promise<Uint8Array> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new WardenError("E_PASSPHRASE_MISSING", `cannot read key file ${path}: ${(e as Error).message}`, {
      cause: e,
    });
  }
  if (bytes.byteLength === 32) return new Uint8Array(bytes);
  const text = bytes.toString("latin1").trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return fromHex(text);
  throw new WardenError(
    "E_CONFIG_INVALID",
    `key file ${path} must hold exactly 32 bytes (raw or as 64 hex characters)`,
  );
}

function scryptAsync(passphrase: string, salt: Uint8Array, params: ScryptParams): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const maxmem = 128 * params.N * params.r * 2;
    scrypt(passphrase.normalize("NFC"), salt, 32, { ...params, maxmem }, (err, key) =>
      err ? reject(err) : resolve(new Uint8Array(key)),
    );
  });
}

const VERIFIER_LABEL = "warden/keyring/verifier/v1";

/** Derives the KEK's subkeys from `source` (scrypt with `salt`/`params` for passphrases). */
export async function deriveKek(source: KekSource, salt: Uint8Array, params: ScryptParams): Promise<Kek> {
  if ("passphrase" in source && source.passphrase === "") {
    throw new WardenError(
      "E_PASSPHRASE_MISSING",
      "the passphrase is empty: set WARDEN_PASSPHRASE to a non-empty value",
    );
  }
  const master =
    "passphrase" in source ? await scryptAsync(source.passphrase, salt, params) : await readKeyFile(source.keyFile);
  const sub = (info: string) => new Uint8Array(hkdfSync("sha256", master, salt, info, 32));
  const encryptionKey = sub("warden/kek/encrypt/v1");
  const verifyKey = sub("warden/kek/verify/v1");
  master.fill(0);
  return {
    encryptionKey,
    verifier: new Uint8Array(createHmac("sha256", verifyKey).update(VERIFIER_LABEL).digest()),
  };
}

/** Constant-time comparison of a derived verifier with the stored one. */
export function verifierMatches(kek: Kek, stored: Uint8Array): boolean {
  return stored.byteLength === kek.verifier.byteLength && timingSafeEqual(stored, kek.verifier);
}
