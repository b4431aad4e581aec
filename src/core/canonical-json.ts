/**
 * Canonical JSON per RFC 8785 (JSON Canonicalization Scheme): sorted keys, ECMAScript number serialisation, minimal
 * string escaping. Used for ledger entries and anything that is hashed or signed.
 */
import canonicalize from "canonicalize";
import { WardenError } from "./errors.ts";

/** Serialises `value` as RFC 8785 canonical JSON. Throws E_INPUT_INVALID for values JSON cannot represent. */
export function canonicalJson(value: unknown): string {
  let out: string | undefined;
  try {
    out = canonicalize(value);
  } catch (e) {
    throw new WardenError("E_INPUT_INVALID", `value cannot be canonicalised as JSON: ${(e as Error).message}`, {
      cause: e,
    });
  }
  if (out === undefined) throw new WardenError("E_INPUT_INVALID", "value cannot be canonicalised as JSON (undefined)");
  return out;
}

/** Canonical JSON as UTF-8 bytes. */
export function canonicalBytes(value: unknown): Buffer {
  return Buffer.from(canonicalJson(value), "utf8");
}
