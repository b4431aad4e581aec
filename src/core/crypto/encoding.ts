/**
 * Byte encodings used by the crypto module: lowercase hex, strict base64 (RFC 4648 §4 standard and §5 URL-safe
 * alphabets) and a length-prefixed concatenation of byte strings (used for hybrid keys and signatures).
 */
import { WardenError } from "../errors.ts";

/** Lowercase hex of `bytes`. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

const HEX = /^(?:[0-9a-fA-F]{2})*$/;

/** Decodes hex (either case); throws E_INPUT_INVALID on odd length or non-hex characters. */
export function fromHex(hex: string): Uint8Array {
  if (!HEX.test(hex)) throw new WardenError("E_INPUT_INVALID", "invalid hex string: expected an even number of 0-9a-f");
  return new Uint8Array(Buffer.from(hex, "hex"));
}

/** Standard base64 with padding (RFC 4648 §4). */
export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

/** URL-safe base64 without padding (RFC 4648 §5), as JWK uses (RFC 7515 §2). */
export function toBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64url");
}

const B64_STD = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2,3})?$/;
const B64_URL = /^(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-]{2}==|[A-Za-z0-9_-]{3}=|[A-Za-z0-9_-]{2,3})?$/;

/**
 * Strictly decodes base64 in either the standard or the URL-safe alphabet (RFC 4648 §4/§5, padding optional), as
 * DSSE allows. Returns undefined when `text` is not base64 (Node's own decoder silently skips bad characters).
 */
export function tryFromBase64(text: string): Uint8Array | undefined {
  if (!B64_STD.test(text) && !B64_URL.test(text)) return undefined;
  return new Uint8Array(Buffer.from(text, text.includes("-") || text.includes("_") ? "base64url" : "base64"));
}

/**
 * Concatenates byte strings, each preceded by its length as a 4-byte big-endian unsigned integer:
 * `u32be(len(p1)) || p1 || u32be(len(p2)) || p2 ...`.
 */
export function encodeParts(parts: readonly Uint8Array[]): Uint8Array {
  const total = parts.reduce((n, p) => n + 4 + p.byteLength, 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  let at = 0;
  for (const p of parts) {
    view.setUint32(at, p.byteLength);
    out.set(p, at + 4);
    at += 4 + p.byteLength;
  }
  return out;
}

/**
 * Inverse of {@link encodeParts}: requires exactly `count` parts that consume all of `bytes`. Returns undefined on
 * any framing error (short input, trailing bytes, wrong count).
 */
export function tryDecodeParts(bytes: Uint8Array, count: number): Uint8Array[] | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const parts: Uint8Array[] = [];
  let at = 0;
  while (at < bytes.byteLength) {
    if (parts.length === count || at + 4 > bytes.byteLength) return undefined;
    const len = view.getUint32(at);
    if (at + 4 + len > bytes.byteLength) return undefined;
    parts.push(bytes.subarray(at + 4, at + 4 + len));
    at += 4 + len;
  }
  return parts.length === count ? parts : undefined;
}
