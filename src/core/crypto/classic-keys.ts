/**
 * Ed25519 (RFC 8032) and ECDSA P-256/SHA-256, P-384/SHA-384 (FIPS 186-5) keys on node:crypto. ECDSA signatures are
 * DER-encoded `Ecdsa-Sig-Value` (RFC 3279 §2.2.3), as Sigstore and OpenSSF Model Signing use. Public keys are SPKI DER;
 * private keys are held as PKCS#8 DER (RFC 5208) for storage.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign, verify } from "node:crypto";
import { WardenError } from "../errors.ts";
import { sha256Hex } from "./digest.ts";
import { toPem } from "./pem.ts";
import type { PublicKey, Signer } from "./types.ts";

/** The key types node:crypto implements for us. */
export type ClassicKeyType = "ed25519" | "ecdsa-p256" | "ecdsa-p384";

const HASH: Record<ClassicKeyType, string | null> = { ed25519: null, "ecdsa-p256": "sha256", "ecdsa-p384": "sha384" };
const CURVE: Record<string, ClassicKeyType> = { prime256v1: "ecdsa-p256", secp384r1: "ecdsa-p384" };

/** Which Warden key type a node:crypto key is; throws E_KEY_TYPE for anything else (RSA, other curves...). */
function classicTypeOf(key: KeyObject): ClassicKeyType {
  if (key.asymmetricKeyType === "ed25519") return "ed25519";
  const curve = key.asymmetricKeyType === "ec" ? key.asymmetricKeyDetails?.namedCurve : undefined;
  const type = curve === undefined ? undefined : CURVE[curve];
  if (!type) {
    throw new WardenError(
      "E_KEY_TYPE",
      `unsupported key (${key.asymmetricKeyType ?? "unknown"}${curve ? ` ${curve}` : ""}): use ed25519, ecdsa-p256 or ecdsa-p384`,
    );
  }
  return type;
}

/** Wraps a node:crypto public key object. */
export function classicPublicKey(key: KeyObject): PublicKey {
  const type = classicTypeOf(key);
  const bytes = new Uint8Array(key.export({ type: "spki", format: "der" }));
  const keyId = sha256Hex(bytes);
  return {
    type,
    keyId,
    bytes,
    verify(data, sig) {
      try {
        return verify(HASH[type], data, { key, dsaEncoding: "der" }, sig);
      } catch {
        return false;
      }
    },
    toPem: () => toPem("PUBLIC KEY", bytes),
    toJwk: () => ({ ...key.export({ format: "jwk" }), kid: keyId }),
  };
}

/** Parses SPKI DER into a public key of one of the classic types. */
export function classicPublicKeyFromSpki(der: Uint8Array): PublicKey {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(der), format: "der", type: "spki" });
  } catch (e) {
    throw new WardenError("E_INPUT_INVALID", `invalid SPKI public key: ${(e as Error).message}`, { cause: e });
  }
  return classicPublicKey(key);
}

function classicSigner(privateKey: KeyObject): Signer {
  const pub = classicPublicKey(createPublicKey(privateKey));
  return {
    type: pub.type,
    keyId: pub.keyId,
    sign: (data) =>
      new Uint8Array(sign(HASH[pub.type as ClassicKeyType], data, { key: privateKey, dsaEncoding: "der" })),
    publicKey: () => pub,
  };
}

/** Generates a fresh key pair; `secret` is the PKCS#8 DER private key to be stored encrypted. */
export function generateClassic(type: ClassicKeyType): { signer: Signer; secret: Uint8Array } {
  const { privateKey } =
    type === "ed25519"
      ? generateKeyPairSync("ed25519")
      : generateKeyPairSync("ec", { namedCurve: type === "ecdsa-p256" ? "prime256v1" : "secp384r1" });
  return {
    signer: classicSigner(privateKey),
    secret: new Uint8Array(privateKey.export({ type: "pkcs8", format: "der" })),
  };
}

/** Rebuilds a signer from PKCS#8 DER; throws E_KEY_TYPE when the key is not of `type`. */
export function classicSignerFromSecret(type: ClassicKeyType, secret: Uint8Array): Signer {
  const key = createPrivateKey({ key: Buffer.from(secret), format: "der", type: "pkcs8" });
  const signer = classicSigner(key);
  if (signer.type !== type) throw new WardenError("E_KEY_TYPE", `stored key is ${signer.type}, expected ${type}`);
  return signer;
}
