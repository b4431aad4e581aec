/** PEM armour (RFC 7468): one labelled base64 block, written with 64-character lines and read strictly. */
import { WardenError } from "../errors.ts";
import { toBase64, tryFromBase64 } from "./encoding.ts";

/** Largest PEM text accepted (hybrid public keys are ~2.5 KB). */
const MAX_PEM = 64 * 1024;

/** Encodes `der` as a PEM block with `label` (RFC 7468 §2). */
export function toPem(label: string, der: Uint8Array): string {
  const lines = toBase64(der).match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

/** Decodes a single PEM block; throws E_INPUT_INVALID on anything else (including trailing blocks). */
export function parsePem(text: string): { label: string; der: Uint8Array } {
  if (text.length > MAX_PEM) throw new WardenError("E_INPUT_INVALID", `PEM text too large (> ${MAX_PEM} bytes)`);
  const m =
    /^\s*-----BEGIN ([A-Z0-9 ]{1,64})-----\r?\n([A-Za-z0-9+/=\r\n]+?)\r?\n?-----END ([A-Z0-9 ]{1,64})-----\s*$/.exec(
      text,
    );
  if (!m || m[1] !== m[3]) {
    throw new WardenError(
      "E_INPUT_INVALID",
      "not a PEM block: expected -----BEGIN <LABEL>----- ... -----END <LABEL>-----",
    );
  }
  const der = tryFromBase64((m[2] ?? "").replace(/\r?\n/g, ""));
  if (!der || der.byteLength === 0) throw new WardenError("E_INPUT_INVALID", `PEM block ${m[1]} has invalid base64`);
  return { label: m[1] ?? "", der };
}
