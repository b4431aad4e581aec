/**
 * On-disk formats of a keyring directory (all JSON, mode 0600, written atomically):
 * - `keyring.json`: `{format:"warden.keyring/v1", kek:{kind:"scrypt",N,r,p}|{kind:"key-file"}, salt, verifier, createdAt}`
 *   (salt and verifier base64; the verifier is an HMAC under a KEK subkey, see kek.ts).
 * - `keys/<name>.json`: `{format:"warden.key/v1", name, type, keyId, createdAt, publicKey, privateKey}` where
 *   `publicKey` is base64 of `PublicKey.bytes` and `privateKey` base64 of AES-256-GCM(nonce || ct || tag) of the
 *   private-key encoding, with the RFC 8785 canonical JSON of all other fields as associated data, so a key file cannot
 *   be renamed, retyped or given another public key without decryption failing.
 * - `encryption/v<NNNNNN>.json`: one workspace encryption key version,
 *   `{format:"warden.wek/v1", id, version, createdAt, key}`, `key` sealed the same way.
 */
import { canonicalBytes } from "../canonical-json.ts";
import { WardenError } from "../errors.ts";
import { open, seal } from "./aead.ts";
import { toBase64, tryFromBase64 } from "./encoding.ts";
import { checkScryptParams, type Kek, type ScryptParams } from "./kek.ts";
import { publicKeyFromBytes } from "./public-key.ts";
import { isKeyType, type KeyInfo, type PublicKey } from "./types.ts";

const META_FORMAT = "warden.keyring/v1";
const KEY_FORMAT = "warden.key/v1";
const WEK_FORMAT = "warden.wek/v1";

/** Keyring metadata. */
export interface KeyringMeta {
  kek: ({ kind: "scrypt" } & ScryptParams) | { kind: "key-file" };
  salt: Uint8Array;
  verifier: Uint8Array;
  createdAt: string;
}

function corrupt(path: string, what: string): WardenError {
  return new WardenError(
    "E_KEYRING_CORRUPT",
    `${path} is corrupt (${what}); restore it from a backup or remove it if the key is no longer needed`,
    { details: { file: path } },
  );
}

function parseJson(path: string, text: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v === "object" && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw corrupt(path, "not a JSON object");
}

function b64(path: string, obj: Record<string, unknown>, field: string): Uint8Array {
  const v = obj[field];
  const bytes = typeof v === "string" ? tryFromBase64(v) : undefined;
  if (!bytes) throw corrupt(path, `field "${field}" is not base64`);
  return bytes;
}

function str(path: string, obj: Record<string, unknown>, field: string): string {
  const v = obj[field];
  if (typeof v !== "string" || v === "") throw corrupt(path, `field "${field}" missing`);
  return v;
}

export function encodeMeta(meta: KeyringMeta): string {
  return `${JSON.stringify(
    {
      format: META_FORMAT,
      kek: meta.kek,
      salt: toBase64(meta.salt),
      verifier: toBase64(meta.verifier),
      createdAt: meta.createdAt,
    },
    null,
    2,
  )}\n`;
}

export function decodeMeta(path: string, text: string): KeyringMeta {
  const obj = parseJson(path, text);
  if (obj.format !== META_FORMAT) throw corrupt(path, `format is not ${META_FORMAT}`);
  const kek = obj.kek as Record<string, unknown> | undefined;
  let parsed: KeyringMeta["kek"];
  if (kek?.kind === "key-file") parsed = { kind: "key-file" };
  else if (kek?.kind === "scrypt") {
    const params = { N: Number(kek.N), r: Number(kek.r), p: Number(kek.p) };
    if (!checkScryptParams(params)) throw corrupt(path, "scrypt parameters out of range");
    parsed = { kind: "scrypt", ...params };
  } else throw corrupt(path, "unknown kek kind");
  return {
    kek: parsed,
    salt: b64(path, obj, "salt"),
    verifier: b64(path, obj, "verifier"),
    createdAt: str(path, obj, "createdAt"),
  };
}

/** A key file's public part plus its still-sealed private key. */
export interface StoredKey {
  info: KeyInfo;
  publicKey: PublicKey;
  sealed: Uint8Array;
  aad: Uint8Array;
}

function keyAad(info: KeyInfo, publicKey: Uint8Array): Uint8Array {
  return canonicalBytes({ format: KEY_FORMAT, ...info, publicKey: toBase64(publicKey) });
}

export function encodeKeyFile(info: KeyInfo, publicKey: PublicKey, secret: Uint8Array, kek: Kek): string {
  const sealed = seal(kek.encryptionKey, secret, keyAad(info, publicKey.bytes));
  return `${JSON.stringify(
    { format: KEY_FORMAT, ...info, publicKey: toBase64(publicKey.bytes), privateKey: toBase64(sealed) },
    null,
    2,
  )}\n`;
}

export function decodeKeyFile(path: string, text: string, expectedName: string): StoredKey {
  const obj = parseJson(path, text);
  if (obj.format !== KEY_FORMAT) throw corrupt(path, `format is not ${KEY_FORMAT}`);
  const type = obj.type;
  if (!isKeyType(type)) throw corrupt(path, "unknown key type");
  const info: KeyInfo = {
    name: str(path, obj, "name"),
    type,
    keyId: str(path, obj, "keyId"),
    createdAt: str(path, obj, "createdAt"),
  };
  if (info.name !== expectedName) throw corrupt(path, `holds key "${info.name}", not "${expectedName}"`);
  let publicKey: PublicKey;
  const publicBytes = b64(path, obj, "publicKey");
  try {
    publicKey = publicKeyFromBytes(type, publicBytes);
  } catch {
    throw corrupt(path, "public key does not parse");
  }
  if (publicKey.keyId !== info.keyId) throw corrupt(path, "keyId does not match the public key");
  return { info, publicKey, sealed: b64(path, obj, "privateKey"), aad: keyAad(info, publicBytes) };
}

/** Decrypts a stored private key; the KEK was verified at open, so failure means the file was altered. */
export function openKeySecret(path: string, stored: StoredKey, kek: Kek): Uint8Array {
  const secret = open(kek.encryptionKey, stored.sealed, stored.aad);
  if (!secret) throw corrupt(path, "private key fails authentication");
  return secret;
}

/** A workspace encryption key version, still sealed. */
export interface StoredWek {
  id: string;
  version: number;
  createdAt: string;
  sealed: Uint8Array;
}

function wekAad(w: Omit<StoredWek, "sealed">): Uint8Array {
  return canonicalBytes({ format: WEK_FORMAT, id: w.id, version: w.version, createdAt: w.createdAt });
}

export function encodeWekFile(w: Omit<StoredWek, "sealed">, key: Uint8Array, kek: Kek): string {
  const sealed = seal(kek.encryptionKey, key, wekAad(w));
  return `${JSON.stringify({ format: WEK_FORMAT, ...w, key: toBase64(sealed) }, null, 2)}\n`;
}

export function decodeWekFile(path: string, text: string): StoredWek {
  const obj = parseJson(path, text);
  if (obj.format !== WEK_FORMAT) throw corrupt(path, `format is not ${WEK_FORMAT}`);
  const id = str(path, obj, "id");
  if (!/^[0-9a-f]{32}$/.test(id)) throw corrupt(path, "id is not 32 hex characters");
  const version = obj.version;
  if (typeof version !== "number" || !Number.isSafeInteger(version) || version < 1) throw corrupt(path, "bad version");
  return { id, version, createdAt: str(path, obj, "createdAt"), sealed: b64(path, obj, "key") };
}

export function openWek(path: string, w: StoredWek, kek: Kek): Uint8Array {
  const key = open(kek.encryptionKey, w.sealed, wekAad(w));
  if (key?.byteLength !== 32) throw corrupt(path, "encryption key fails authentication");
  return key;
}
