/**
 * Signed checkpoints in the C2SP formats: tlog-checkpoint (https://c2sp.org/tlog-checkpoint) body
 * `<origin>\n<tree size>\n<base64 root hash>\n`, signed as a C2SP signed note (https://c2sp.org/signed-note):
 * the body, a blank line, then lines `— <key name> <base64(4-byte key ID ‖ signature)>`.
 *
 * Ed25519 uses signature type 0x01: key ID = SHA-256(name ‖ 0x0A ‖ 0x01 ‖ 32-byte public key)[:4].
 * ML-DSA-65 (FIPS 204) has no identifier assigned by C2SP; following the spec's advice for unassigned types, Warden
 * uses 0xFF followed by the ASCII string "warden/ml-dsa-65": key ID = SHA-256(name ‖ 0x0A ‖ 0xFF ‖
 * "warden/ml-dsa-65" ‖ 1952-byte public key)[:4]; the signature is ML-DSA-65 over the note text (empty context).
 * A hybrid key is given as two signers with the same name, one per algorithm, so the note carries both lines.
 */
import { createHash, createPublicKey, verify as edVerify } from "node:crypto";
import { ml_dsa65 } from "@noble/post-quantum/ml-dsa.js";
import { WardenError } from "../core/errors.ts";

export type NoteAlgorithm = "ed25519" | "ml-dsa-65";

/** A public key that may have signed a note. */
export interface NoteKey {
  name: string;
  alg: NoteAlgorithm;
  publicKey: Uint8Array;
}

/** Signs note text; the workspace adapts the crypto keyring's signers to this. */
export interface NoteSigner extends NoteKey {
  sign(msg: Uint8Array): Uint8Array;
}

/** A parsed and verified checkpoint. */
export interface VerifiedCheckpoint {
  origin: string;
  treeSize: number;
  /** Lower-case hex. */
  rootHash: string;
  /** Names (with algorithm) of the known keys whose signatures verified, e.g. `example.com/log (ed25519)`. */
  verifiedBy: string[];
}

/** Identifier string appended to 0xFF for the ML-DSA-65 signature type (not assigned by C2SP). */
export const ML_DSA_65_NOTE_TYPE = "warden/ml-dsa-65";
const MAX_NOTE_BYTES = 64 * 1024;
const MAX_SIGNATURES = 64;
const EM_DASH = "\u2014";

const KEY_SIZES: Record<NoteAlgorithm, number> = { ed25519: 32, "ml-dsa-65": 1952 };

/** Throws E_INPUT_INVALID unless `name` is a valid note key name (non-empty, no spaces or '+'). */
export function checkKeyName(name: string): void {
  if (typeof name !== "string" || name.length === 0 || name.length > 256 || /[\s+\u0000-\u001f]/u.test(name)) {
    throw new WardenError(
      "E_INPUT_INVALID",
      `invalid note key name "${String(name).slice(0, 64)}": non-empty, no spaces or '+'`,
    );
  }
}

/** The 4-byte key ID of a key (C2SP signed-note). */
export function noteKeyId(key: NoteKey): Buffer {
  if (key.publicKey.length !== KEY_SIZES[key.alg]) {
    throw new WardenError("E_KEY_TYPE", `${key.alg} public key of "${key.name}" must be ${KEY_SIZES[key.alg]} bytes`);
  }
  const type =
    key.alg === "ed25519"
      ? Buffer.from([0x01])
      : Buffer.concat([Buffer.from([0xff]), Buffer.from(ML_DSA_65_NOTE_TYPE)]);
  return createHash("sha256").update(key.name).update("\n").update(type).update(key.publicKey).digest().subarray(0, 4);
}

/** The checkpoint body (note text) for a tree. */
export function checkpointBody(origin: string, treeSize: number, rootHex: string): string {
  return `${origin}\n${treeSize}\n${Buffer.from(rootHex, "hex").toString("base64")}\n`;
}

/** Throws E_INPUT_INVALID unless `origin` is a usable checkpoint origin line. */
export function checkOrigin(origin: string): void {
  if (typeof origin !== "string" || origin.length === 0 || origin.length > 256 || /[\u0000-\u001f]/.test(origin)) {
    throw new WardenError(
      "E_INPUT_INVALID",
      "ledger origin must be a non-empty line of at most 256 characters (e.g. example.com/warden)",
    );
  }
}

/** Signs `text` (ending in a newline) with every signer: returns the complete signed note. */
export function signNote(text: string, signers: readonly NoteSigner[]): string {
  if (signers.length === 0) throw new WardenError("E_KEY_NOT_FOUND", "no signer configured to sign the checkpoint");
  const msg = Buffer.from(text, "utf8");
  const lines = signers.map((s) => {
    checkKeyName(s.name);
    const sig = Buffer.concat([noteKeyId(s), Buffer.from(s.sign(msg))]);
    return `${EM_DASH} ${s.name} ${sig.toString("base64")}\n`;
  });
  return `${text}\n${lines.join("")}`;
}

function verifySignature(key: NoteKey, msg: Buffer, sig: Buffer): boolean {
  try {
    if (key.alg === "ed25519") {
      const pub = createPublicKey({
        key: { kty: "OKP", crv: "Ed25519", x: Buffer.from(key.publicKey).toString("base64url") },
        format: "jwk",
      });
      return edVerify(null, msg, pub, sig);
    }
    return ml_dsa65.verify(sig, msg, key.publicKey);
  } catch {
    return false;
  }
}

function rejectNote(message: string): WardenError {
  return new WardenError("E_SIGNATURE_INVALID", `checkpoint note rejected: ${message}`);
}

/**
 * Splits and verifies a signed note against trusted `keys` (C2SP signed-note rules: signatures from unknown keys are
 * ignored; a failing signature from a known key rejects the note; at least one known key must verify).
 * Returns the note text and the keys that verified; throws E_SIGNATURE_INVALID otherwise.
 */
export function openNote(note: string, keys: readonly NoteKey[]): { text: string; verifiedBy: string[] } {
  if (typeof note !== "string" || Buffer.byteLength(note, "utf8") > MAX_NOTE_BYTES) {
    throw rejectNote(`not a string of at most ${MAX_NOTE_BYTES} bytes`);
  }
  if (/[\u0000-\u0009\u000b-\u001f]/.test(note)) throw rejectNote("contains control characters");
  const sep = note.lastIndexOf("\n\n");
  if (sep < 0 || !note.endsWith("\n")) throw rejectNote("no blank line separating text and signatures");
  const text = note.slice(0, sep + 1);
  const sigLines = note.slice(sep + 2, -1).split("\n");
  if (sigLines.length > MAX_SIGNATURES) throw rejectNote(`more than ${MAX_SIGNATURES} signatures`);
  const msg = Buffer.from(text, "utf8");
  const verifiedBy: string[] = [];
  for (const line of sigLines) {
    const m = /^\u2014 (\S+) ([A-Za-z0-9+/]+=*)$/u.exec(line);
    if (!m) throw rejectNote(`malformed signature line "${line.slice(0, 80)}"`);
    const sig = Buffer.from(m[2]!, "base64");
    if (sig.length < 5) throw rejectNote(`signature by ${m[1]} is too short`);
    for (const key of keys) {
      if (key.name !== m[1] || !noteKeyId(key).equals(sig.subarray(0, 4))) continue;
      if (!verifySignature(key, msg, sig.subarray(4)))
        throw rejectNote(`signature by ${key.name} (${key.alg}) does not verify`);
      verifiedBy.push(`${key.name} (${key.alg})`);
    }
  }
  if (verifiedBy.length === 0) throw rejectNote("no signature from a trusted key");
  return { text, verifiedBy };
}

/** Parses a checkpoint body; throws E_SIGNATURE_INVALID when it is not `<origin>\n<size>\n<base64 hash>\n`. */
export function parseCheckpointBody(text: string): { origin: string; treeSize: number; rootHash: string } {
  const lines = text.split("\n");
  if (lines.length < 4 || lines[lines.length - 1] !== "")
    throw rejectNote("checkpoint body must have origin, size and hash lines");
  const [origin, sizeLine, hashLine] = lines as [string, string, string];
  if (!/^(0|[1-9][0-9]{0,15})$/.test(sizeLine) || !Number.isSafeInteger(Number(sizeLine))) {
    throw rejectNote(`tree size "${sizeLine.slice(0, 32)}" is not a decimal integer`);
  }
  const root = Buffer.from(hashLine, "base64");
  if (root.length !== 32 || root.toString("base64") !== hashLine)
    throw rejectNote("root hash is not 32 bytes of base64");
  return { origin, treeSize: Number(sizeLine), rootHash: root.toString("hex") };
}

/**
 * Verifies a signed checkpoint note against trusted keys (and, when given, the expected origin) and returns its
 * contents. Throws E_SIGNATURE_INVALID when it does not verify.
 */
export function verifyNote(note: string, keys: readonly NoteKey[], expectedOrigin?: string): VerifiedCheckpoint {
  const { text, verifiedBy } = openNote(note, keys);
  const body = parseCheckpointBody(text);
  if (expectedOrigin !== undefined && body.origin !== expectedOrigin) {
    throw rejectNote(`origin "${body.origin.slice(0, 80)}" is not the expected "${expectedOrigin}"`);
  }
  return { ...body, verifiedBy };
}
