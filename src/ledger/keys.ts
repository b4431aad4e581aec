/**
 * Adapts the crypto keyring's signers and public keys (src/core/crypto) to checkpoint note signers and keys: Ed25519
 * keys become one signed-note line, ML-DSA-65 keys one line, hybrid keys one line per half (C2SP signed-note allows
 * several signatures by the same key name with different signature types).
 */
import type { PublicKey, Signer } from "../core/crypto/index.ts";
import { WardenError } from "../core/errors.ts";
import type { NoteKey, NoteSigner } from "./note.ts";

/** DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410): the raw 32-byte key follows. */
const ED25519_SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

function noteKeyOf(name: string, key: PublicKey): NoteKey {
  if (key.type === "ed25519") {
    const der = Buffer.from(key.bytes);
    if (
      der.length !== ED25519_SPKI_PREFIX.length + 32 ||
      !der.subarray(0, ED25519_SPKI_PREFIX.length).equals(ED25519_SPKI_PREFIX)
    ) {
      throw new WardenError("E_KEY_TYPE", `Ed25519 key "${name}" is not a 44-byte SPKI`);
    }
    return { name, alg: "ed25519", publicKey: der.subarray(ED25519_SPKI_PREFIX.length) };
  }
  if (key.type === "ml-dsa-65") return { name, alg: "ml-dsa-65", publicKey: key.bytes };
  throw new WardenError(
    "E_KEY_TYPE",
    `checkpoints are signed with ed25519, ml-dsa-65 or hybrid keys, not ${key.type} ("${name}")`,
  );
}

/** Note signers for a keyring signer under the note key name `name` (two for a hybrid key). */
export function noteSignersFor(name: string, signer: Signer): NoteSigner[] {
  const halves = signer.parts ? [signer.parts.ed25519, signer.parts.mlDsa] : [signer];
  return halves.map((s) => ({ ...noteKeyOf(name, s.publicKey()), sign: (msg: Uint8Array) => s.sign(msg) }));
}

/** Note verification keys for a keyring public key under the note key name `name` (two for a hybrid key). */
export function noteKeysFor(name: string, key: PublicKey): NoteKey[] {
  const halves = key.parts ? [key.parts.ed25519, key.parts.mlDsa] : [key];
  return halves.map((k) => noteKeyOf(name, k));
}
