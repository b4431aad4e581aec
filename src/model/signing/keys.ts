/**
 * Public keys for OMS verification: reading PEM (also from certtool dumps that put text before the block), the OMS
 * key hint (lowercase hex SHA-256 of the re-encoded PEM SubjectPublicKeyInfo), and signature checks over the DSSE PAE
 * with the hash OMS uses for each key type (ECDSA P-256/SHA-256, P-384/SHA-384, P-521/SHA-512, DER signatures;
 * Ed25519 pure).
 */
import { createHash, createPublicKey, type KeyObject, verify as nodeVerify } from "node:crypto";
import { WardenError } from "../../core/errors.ts";

/** A key able to check one signature over DSSE PAE bytes. */
export interface DsseVerifier {
  /** Warden key type: ecdsa-p256, ecdsa-p384, ecdsa-p521, ed25519, ml-dsa-65. */
  type: string;
  /** OMS hint: hex SHA-256 of the PEM SPKI. */
  hint: string;
  verify(data: Uint8Array, signature: Uint8Array): boolean;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n[A-Za-z0-9+/=\r\n]+-----END \1-----\r?\n?/g;

/** Returns the PEM blocks with the given label found in `text` (ignores any text around them). */
export function pemBlocks(text: string, label: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(PEM_BLOCK)) if (m[1] === label) out.push(m[0]);
  return out;
}

/** OMS key hint: lowercase hex SHA-256 of the key's PEM SubjectPublicKeyInfo (64-column base64, final newline). */
export function keyHint(spkiPem: string): string {
  return createHash("sha256").update(spkiPem, "utf8").digest("hex");
}

/** The Warden type name of a node KeyObject, or undefined when OMS verification does not support it. */
export function keyTypeOf(key: KeyObject): string | undefined {
  if (key.asymmetricKeyType === "ed25519") return "ed25519";
  if (key.asymmetricKeyType !== "ec") return undefined;
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (curve === "prime256v1") return "ecdsa-p256";
  if (curve === "secp384r1") return "ecdsa-p384";
  if (curve === "secp521r1") return "ecdsa-p521";
  return undefined;
}

const HASH_OF: Record<string, string | null> = {
  "ecdsa-p256": "sha256",
  "ecdsa-p384": "sha384",
  "ecdsa-p521": "sha512",
  ed25519: null,
};

/** A verifier for an EC or Ed25519 node key. `hashOverride` serves the legacy v0.2 bundles (SHA-256 always). */
export function nodeKeyVerifier(key: KeyObject, hashOverride?: string): DsseVerifier {
  const type = keyTypeOf(key);
  if (type === undefined) {
    throw new WardenError(
      "E_KEY_TYPE",
      `unsupported public key (${key.asymmetricKeyType ?? "?"} ${key.asymmetricKeyDetails?.namedCurve ?? ""}): use ECDSA P-256/P-384/P-521 or Ed25519`,
    );
  }
  const pem = key.export({ type: "spki", format: "pem" }).toString();
  const hash = hashOverride ?? HASH_OF[type] ?? null;
  return {
    type,
    hint: keyHint(pem),
    verify: (data, sig) => {
      try {
        return nodeVerify(type === "ed25519" ? null : hash, data, key, sig);
      } catch {
        return false;
      }
    },
  };
}

/** Reads the first PUBLIC KEY block of a PEM text (e.g. OMS's signing-key-pub.pem) as a verifier. */
export function verifierFromPem(text: string, where: string): DsseVerifier {
  const block = pemBlocks(text, "PUBLIC KEY")[0];
  if (!block) throw new WardenError("E_INPUT_INVALID", `${where}: no "-----BEGIN PUBLIC KEY-----" block found`);
  let key: KeyObject;
  try {
    key = createPublicKey(block);
  } catch (e) {
    throw new WardenError("E_INPUT_INVALID", `${where}: the PUBLIC KEY block is not a valid SubjectPublicKeyInfo`, {
      cause: e,
    });
  }
  return nodeKeyVerifier(key);
}
