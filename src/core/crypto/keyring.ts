/**
 * KeyRing: the named signing keys and the workspace encryption keys of a Warden workspace, stored in one directory and
 * encrypted at rest under a key-encryption key (see kek.ts; file formats in keyring-files.ts). Private keys are only
 * ever decrypted in memory, when a signer is asked for.
 */
import { randomBytes } from "node:crypto";
import { chmod, mkdir, readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { WardenError } from "../errors.ts";
import { writeFileAtomic } from "./atomic-file.ts";
import { toHex } from "./encoding.ts";
import { DEFAULT_SCRYPT, deriveKek, type Kek, type KekSource, type ScryptParams, verifierMatches } from "./kek.ts";
import { generateKey, signerFromSecret } from "./key-material.ts";
import {
  decodeKeyFile,
  decodeMeta,
  decodeWekFile,
  encodeKeyFile,
  encodeMeta,
  encodeWekFile,
  type KeyringMeta,
  openKeySecret,
  openWek,
  type StoredKey,
  type StoredWek,
} from "./keyring-files.ts";
import { isKeyType, KEY_TYPES, type KeyInfo, type KeyType, type PublicKey, type Signer } from "./types.ts";
import { makeWrappingKey, type WrappingKey, type WrappingKeys } from "./wrapping-key.ts";

/** Allowed key names: lowercase letters, digits, `.`, `_`, `-`; 1 to 64 characters; starting alphanumeric. */
export const KEY_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** Metadata of a workspace encryption key version (no secret). */
export interface EncryptionKeyInfo {
  id: string;
  version: number;
  createdAt: string;
  current: boolean;
}

/** Options for {@link KeyRing.open}. */
export interface KeyRingOptions {
  /** scrypt cost for a NEW keyring created with a passphrase (default N = 2^15, r = 8, p = 1); ignored afterwards. */
  scrypt?: ScryptParams;
}

function checkName(name: string): void {
  if (!KEY_NAME.test(name)) {
    throw new WardenError(
      "E_INPUT_INVALID",
      `invalid key name ${JSON.stringify(name)}: use 1-64 of a-z 0-9 . _ - starting with a letter or digit`,
    );
  }
}

/** Largest keyring file read (a hybrid key file is ~5 KB). */
const MAX_FILE = 1024 * 1024;

async function readText(path: string): Promise<string | undefined> {
  let text: string;
  try {
    if ((await stat(path)).size > MAX_FILE) {
      throw new WardenError("E_KEYRING_CORRUPT", `${path} is larger than ${MAX_FILE} bytes; it is not a keyring file`, {
        details: { file: path },
      });
    }
    text = await readFile(path, "utf8");
  } catch (e) {
    if (e instanceof WardenError) throw e;
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new WardenError("E_IO", `cannot read ${path}: ${(e as Error).message}`, { cause: e });
  }
  return text;
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw new WardenError("E_IO", `cannot list ${dir}: ${(e as Error).message}`, { cause: e });
  }
}

/** Named key pairs and workspace encryption keys, encrypted at rest. Implements {@link WrappingKeys}. */
export class KeyRing implements WrappingKeys {
  readonly dir: string;
  readonly #kek: Kek;
  readonly #keys = new Map<string, StoredKey>();
  readonly #signers = new Map<string, Signer>();
  readonly #weks = new Map<string, StoredWek>();
  readonly #wrappingKeys = new Map<string, WrappingKey>();

  private constructor(dir: string, kek: Kek) {
    this.dir = dir;
    this.#kek = kek;
  }

  /**
   * Opens (creating if absent) the keyring in `dir`. The KEK is derived and checked against the stored verifier
   * before anything else: a wrong passphrase or key file throws E_PASSPHRASE_WRONG. Every key file is then read, and
   * a corrupt one throws E_KEYRING_CORRUPT naming it.
   */
  static async open(dir: string, source: KekSource, options: KeyRingOptions = {}): Promise<KeyRing> {
    await mkdir(join(dir, "keys"), { recursive: true, mode: 0o700 });
    await mkdir(join(dir, "encryption"), { recursive: true, mode: 0o700 });
    const metaPath = join(dir, "keyring.json");
    let text = await readText(metaPath);
    if (text === undefined) {
      const existing = [...(await listDir(join(dir, "keys"))), ...(await listDir(join(dir, "encryption")))];
      if (existing.some((f) => f.endsWith(".json"))) {
        throw new WardenError(
          "E_KEYRING_CORRUPT",
          `${metaPath} is missing but ${dir} holds keys: restore keyring.json from a backup (a new one cannot decrypt them)`,
          { details: { file: metaPath } },
        );
      }
      const created = await KeyRing.#create(metaPath, source, options.scrypt ?? DEFAULT_SCRYPT);
      if (created) {
        const ring = new KeyRing(dir, created);
        await ring.#load();
        return ring;
      }
      text = (await readText(metaPath)) ?? "";
    }
    const meta = decodeMeta(metaPath, text);
    if (meta.kek.kind === "key-file" && "passphrase" in source) {
      throw new WardenError("E_PASSPHRASE_WRONG", `keyring ${dir} is protected by a key file: set WARDEN_KEY_FILE`);
    }
    if (meta.kek.kind === "scrypt" && "keyFile" in source) {
      throw new WardenError("E_PASSPHRASE_WRONG", `keyring ${dir} is protected by a passphrase: set WARDEN_PASSPHRASE`);
    }
    const kek = await deriveKek(source, meta.salt, meta.kek.kind === "scrypt" ? meta.kek : DEFAULT_SCRYPT);
    if (!verifierMatches(kek, meta.verifier)) {
      throw new WardenError(
        "E_PASSPHRASE_WRONG",
        `wrong ${"passphrase" in source ? "passphrase (WARDEN_PASSPHRASE)" : `key file (${source.keyFile})`} for keyring ${dir}`,
      );
    }
    const ring = new KeyRing(dir, kek);
    await ring.#load();
    return ring;
  }

  /** Writes new metadata; returns the KEK, or undefined when another process created the keyring first. */
  static async #create(metaPath: string, source: KekSource, scrypt: ScryptParams): Promise<Kek | undefined> {
    const salt = new Uint8Array(randomBytes(32));
    const kek = await deriveKek(source, salt, scrypt);
    const meta: KeyringMeta = {
      kek: "passphrase" in source ? { kind: "scrypt", ...scrypt } : { kind: "key-file" },
      salt,
      verifier: kek.verifier,
      createdAt: new Date().toISOString(),
    };
    return (await writeFileAtomic(metaPath, encodeMeta(meta), { exclusive: true })) ? kek : undefined;
  }

  async #load(): Promise<void> {
    await chmod(this.dir, 0o700);
    for (const file of await listDir(join(this.dir, "keys"))) {
      const name = file.endsWith(".json") ? file.slice(0, -5) : "";
      if (!KEY_NAME.test(name)) continue;
      const path = join(this.dir, "keys", file);
      this.#keys.set(name, decodeKeyFile(path, (await readText(path)) ?? "", name));
    }
    await this.#loadWeks();
  }

  async #loadWeks(): Promise<void> {
    for (const file of await listDir(join(this.dir, "encryption"))) {
      if (!/^v\d{6,}\.json$/.test(file)) continue;
      const path = join(this.dir, "encryption", file);
      const wek = decodeWekFile(path, (await readText(path)) ?? "");
      this.#weks.set(wek.id, wek);
    }
  }

  #stored(name: string): StoredKey {
    checkName(name);
    const stored = this.#keys.get(name);
    if (!stored) {
      throw new WardenError(
        "E_KEY_NOT_FOUND",
        `no key named "${name}" in ${this.dir}: create it with \`warden keys create ${name}\``,
      );
    }
    return stored;
  }

  /** Generates and stores a new key pair. E_KEY_EXISTS when `name` is taken, E_KEY_TYPE for an unknown type. */
  async create(name: string, type: KeyType): Promise<KeyInfo> {
    checkName(name);
    if (!isKeyType(type)) {
      throw new WardenError(
        "E_KEY_TYPE",
        `unknown key type ${JSON.stringify(type)}: use one of ${KEY_TYPES.join(", ")}`,
      );
    }
    const exists = () => new WardenError("E_KEY_EXISTS", `a key named "${name}" already exists in ${this.dir}`);
    if (this.#keys.has(name)) throw exists();
    const { signer, secret } = generateKey(type);
    const publicKey = signer.publicKey();
    const info: KeyInfo = { name, type, keyId: signer.keyId, createdAt: new Date().toISOString() };
    const path = join(this.dir, "keys", `${name}.json`);
    const written = await writeFileAtomic(path, encodeKeyFile(info, publicKey, secret, this.#kek), { exclusive: true });
    secret.fill(0);
    if (!written) throw exists();
    this.#keys.set(name, decodeKeyFile(path, (await readText(path)) ?? "", name));
    this.#signers.set(name, signer);
    return info;
  }

  /** Returns the key `name`, creating it with `type` if absent; E_KEY_TYPE when it exists with another type. */
  async ensure(name: string, type: KeyType): Promise<KeyInfo> {
    const existing = this.#keys.get(name);
    if (!existing) return this.create(name, type);
    if (existing.info.type !== type) {
      throw new WardenError("E_KEY_TYPE", `key "${name}" is ${existing.info.type}, not ${type}`);
    }
    return { ...existing.info };
  }

  /** All keys, sorted by name. */
  list(): KeyInfo[] {
    return [...this.#keys.values()].map((k) => ({ ...k.info })).sort((a, b) => a.name.localeCompare(b.name));
  }

  has(name: string): boolean {
    return this.#keys.has(name);
  }

  info(name: string): KeyInfo {
    return { ...this.#stored(name).info };
  }

  publicKey(name: string): PublicKey {
    return this.#stored(name).publicKey;
  }

  /** The public key as PEM text or as JWK JSON text. */
  exportPublic(name: string, format: "pem" | "jwk"): string {
    const key = this.publicKey(name);
    return format === "pem" ? key.toPem() : `${JSON.stringify(key.toJwk(), null, 2)}\n`;
  }

  /** Decrypts the private key of `name` (once per KeyRing instance) and returns its signer. */
  async signer(name: string): Promise<Signer> {
    const cached = this.#signers.get(name);
    if (cached) return cached;
    const stored = this.#stored(name);
    const path = join(this.dir, "keys", `${name}.json`);
    const secret = openKeySecret(path, stored, this.#kek);
    let signer: Signer;
    try {
      signer = signerFromSecret(stored.info.type, secret);
    } catch (e) {
      throw new WardenError("E_KEYRING_CORRUPT", `${path}: private key does not load (${(e as Error).message})`, {
        cause: e,
        details: { file: path },
      });
    } finally {
      secret.fill(0);
    }
    if (signer.keyId !== stored.info.keyId) {
      throw new WardenError("E_KEYRING_CORRUPT", `${path}: private key does not match its public key`, {
        details: { file: path },
      });
    }
    this.#signers.set(name, signer);
    return signer;
  }

  /** Workspace encryption key versions, oldest first. */
  encryptionKeys(): EncryptionKeyInfo[] {
    const all = [...this.#weks.values()].sort((a, b) => a.version - b.version);
    const last = all.at(-1);
    return all.map((w) => ({ id: w.id, version: w.version, createdAt: w.createdAt, current: w === last }));
  }

  /**
   * Creates the next workspace encryption key version, which becomes current for new objects; older versions stay
   * available for decryption (re-wrap objects with `rewrapFile`). Safe against concurrent rotations: each version is
   * created exclusively.
   */
  async rotateEncryptionKey(): Promise<EncryptionKeyInfo> {
    for (;;) {
      await this.#loadWeks();
      const version = (this.encryptionKeys().at(-1)?.version ?? 0) + 1;
      const w = { id: toHex(randomBytes(16)), version, createdAt: new Date().toISOString() };
      const key = new Uint8Array(randomBytes(32));
      const path = join(this.dir, "encryption", `v${String(version).padStart(6, "0")}.json`);
      const written = await writeFileAtomic(path, encodeWekFile(w, key, this.#kek), { exclusive: true });
      key.fill(0);
      if (written) {
        await this.#loadWeks();
        return { ...w, current: true };
      }
    }
  }

  /** The current workspace encryption key (version 1 is created on first use). */
  async currentWrappingKey(): Promise<WrappingKey> {
    await this.#loadWeks();
    const current = this.encryptionKeys().at(-1) ?? (await this.rotateEncryptionKey());
    return this.wrappingKey(current.id);
  }

  /** The workspace encryption key version `id`; E_KEY_NOT_FOUND when unknown. */
  async wrappingKey(id: string): Promise<WrappingKey> {
    const cached = this.#wrappingKeys.get(id);
    if (cached) return cached;
    if (!this.#weks.has(id)) await this.#loadWeks();
    const w = this.#weks.get(id);
    if (!w) {
      throw new WardenError(
        "E_KEY_NOT_FOUND",
        `workspace encryption key ${id} is not in ${this.dir}; was the keyring replaced?`,
      );
    }
    const path = join(this.dir, "encryption", `v${String(w.version).padStart(6, "0")}.json`);
    const key = makeWrappingKey(w.id, w.version, openWek(path, w, this.#kek));
    this.#wrappingKeys.set(id, key);
    return key;
  }
}
