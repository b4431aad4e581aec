/**
 * Anonymisation operators applied to detected entities (modelled on Microsoft Presidio's anonymizer): redact, replace
 * with a type tag, mask keeping the last N characters, salted SHA-256, keyed HMAC-SHA256 pseudonyms (stable across
 * runs under one key), reversible AES-256-GCM encryption (NIST SP 800-38D) into self-describing tokens
 * `<TYPE:enc:base64url>`, and generalisation (dates to year, ages to ranges, zip codes truncated).
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from "node:crypto";
import RE2 from "re2";
import { WardenError } from "../../core/errors.ts";
import type { AnonymizationKeys } from "./keys.ts";

/** How a value is generalised. */
export type GeneralizeKind = "date" | "age" | "zip";

/** One operator. */
export type Operator =
  | { type: "keep" }
  | { type: "redact" }
  | { type: "replace"; value?: string }
  | { type: "mask"; keepLast?: number; char?: string }
  | { type: "hash"; salt: string | Uint8Array }
  | { type: "pseudonym"; keys: AnonymizationKeys }
  | { type: "encrypt"; keys: AnonymizationKeys }
  | { type: "generalize"; kind: GeneralizeKind; ageBucket?: number; zipDigits?: number };

/** Operators by entity type; `DEFAULT` applies to types not listed (default: replace with the type tag). */
export type Operators = Readonly<Record<string, Operator>>;

const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Applies one operator to one entity value of the given type. */
export function applyOperator(op: Operator, type: string, value: string): string {
  switch (op.type) {
    case "keep":
      return value;
    case "redact":
      return "";
    case "replace":
      return op.value ?? `<${type}>`;
    case "mask":
      return mask(value, op.keepLast ?? 4, op.char ?? "*");
    case "hash":
      return createHash("sha256")
        .update(typeof op.salt === "string" ? Buffer.from(op.salt, "utf8") : op.salt)
        .update(value, "utf8")
        .digest("hex");
    case "pseudonym":
      return `<${type}_${createHmac("sha256", op.keys.pseudonym).update(`${type}\u0000${value}`, "utf8").digest("hex").slice(0, 16)}>`;
    case "encrypt":
      return encryptToken(op.keys, type, value);
    case "generalize":
      return generalize(value, op.kind, op);
  }
}

/** Masks letters and digits except the last `keepLast` of them; separators stay so the format remains visible. */
export function mask(value: string, keepLast: number, char: string): string {
  const chars = [...value];
  let alnum = 0;
  for (const ch of chars) if (/[\p{L}\p{N}]/u.test(ch)) alnum++;
  let seen = 0;
  return chars
    .map((ch) => {
      if (!/[\p{L}\p{N}]/u.test(ch)) return ch;
      seen++;
      return seen > alnum - keepLast ? ch : char;
    })
    .join("");
}

/** Encrypts `value` with AES-256-GCM (random 96-bit IV, the type as associated data) into `<TYPE:enc:base64url>`. */
export function encryptToken(keys: AnonymizationKeys, type: string, value: string): string {
  if (!/^[A-Z][A-Z0-9_]*$/.test(type)) throw new WardenError("E_INPUT_INVALID", `entity type ${type} cannot be tagged`);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", keys.encrypt, iv);
  cipher.setAAD(Buffer.from(type, "utf8"));
  const ct = Buffer.concat([cipher.update(value, "utf8"), cipher.final()]);
  return `<${type}:enc:${Buffer.concat([iv, ct, cipher.getAuthTag()]).toString("base64url")}>`;
}

const TOKEN = new RE2("<([A-Z][A-Z0-9_]{0,63}):enc:([A-Za-z0-9_-]{38,})>", "g");

/**
 * Replaces every `<TYPE:enc:...>` token in `text` with its decrypted value. A token that fails authentication (wrong
 * key or tampering) is `E_DECRYPT_FAILED`; returns the text and how many tokens were restored.
 */
export function deanonymize(text: string, keys: AnonymizationKeys): { text: string; restored: number } {
  let restored = 0;
  const out = text.replace(TOKEN as unknown as RegExp, (_m: string, type: string, b64: string) => {
    const raw = Buffer.from(b64, "base64url");
    try {
      if (raw.length < IV_BYTES + TAG_BYTES) throw new Error("token too short");
      const decipher = createDecipheriv("aes-256-gcm", keys.encrypt, raw.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(type, "utf8"));
      decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
      const plain = Buffer.concat([decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)), decipher.final()]);
      restored++;
      return plain.toString("utf8");
    } catch (e) {
      throw new WardenError("E_DECRYPT_FAILED", `cannot decrypt a ${type} token: wrong key or tampered text`, {
        cause: e,
      });
    }
  });
  return { text: out, restored };
}

/**
 * Generalises a value: `date` keeps the year (ISO, `M/D/YYYY`, `D.M.YYYY` or any text with a 4-digit 19xx/20xx year),
 * `age` becomes a range of `ageBucket` years (default 10: "30-39"), `zip` keeps the first `zipDigits` characters
 * (default 3) and stars the rest. Values that do not parse become `*`.
 */
export function generalize(
  value: string,
  kind: GeneralizeKind,
  opts: { ageBucket?: number; zipDigits?: number } = {},
): string {
  const v = value.trim();
  if (kind === "date") {
    const m = /(?:^|\D)((?:1[89]|20)\d{2})(?:\D|$)/.exec(v);
    return m?.[1] ?? "*";
  }
  if (kind === "age") {
    const bucket = Math.max(1, Math.floor(opts.ageBucket ?? 10));
    const n = Number(v);
    if (v === "" || !Number.isFinite(n) || n < 0 || n > 150) return "*";
    const lo = Math.floor(n / bucket) * bucket;
    return bucket === 1 ? `${lo}` : `${lo}-${lo + bucket - 1}`;
  }
  const keep = Math.max(0, Math.floor(opts.zipDigits ?? 3));
  if (v === "") return "*";
  const chars = [...v];
  return chars.map((ch, i) => (i < keep || ch === " " || ch === "-" ? ch : "*")).join("");
}
