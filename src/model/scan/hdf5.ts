/**
 * Legacy Keras HDF5 files: the HDF5 signature is recognised (at 0, 512, 1024, ... as the format allows) and the file is
 * searched, in bounded chunks, for the JSON text of the `model_config` / `training_config` attributes, which is parsed
 * with bounded bracket matching and checked like a `.keras` config. Full HDF5 decoding is not needed for that.
 */
import { checkKerasConfig } from "./keras.ts";
import { type FormatScan, invalid, type RawFinding } from "./raw-finding.ts";
import type { Source } from "./source.ts";

const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
const NEEDLE = new TextEncoder().encode('{"class_name"');
const MAX_JSON = 64 << 20;

/** True when the HDF5 signature is at one of its allowed superblock offsets. */
export function looksLikeHdf5(src: Source): boolean {
  for (let at = 0; at < Math.min(src.size, 1 << 20); at = at === 0 ? 512 : at * 2) {
    const h = src.read(at, 8);
    if (SIGNATURE.every((b, i) => h[i] === b)) return true;
  }
  return false;
}

/** Scans an HDF5 file for Keras model configurations. */
export function scanHdf5(src: Source, maxScanBytes: number): FormatScan | undefined {
  if (!looksLikeHdf5(src)) return undefined;
  const findings: RawFinding[] = [];
  const CHUNK = 4 << 20;
  const limit = Math.min(src.size, maxScanBytes);
  let configs = 0;
  let skipUntil = 0;
  for (let p = 0; p < limit; p += CHUNK - NEEDLE.length) {
    const b = src.read(p, Math.min(CHUNK, limit - p));
    let i = indexOf(b, NEEDLE, 0);
    while (i >= 0) {
      const at = p + i;
      i = indexOf(b, NEEDLE, i + 1);
      if (at < skipUntil) continue;
      const text = balancedJson(src, at);
      skipUntil = at + (text?.length ?? 1);
      if (text === undefined)
        findings.push(invalid("a Keras configuration attribute is not terminated or is too large", at));
      else {
        try {
          findings.push(...checkKerasConfig(JSON.parse(text), "model_config", at));
          configs++;
        } catch {
          findings.push(invalid("a Keras configuration attribute is not valid JSON", at));
        }
      }
    }
    if (p + CHUNK >= limit) break;
  }
  if (src.size > maxScanBytes)
    findings.push({
      rule: "invalid-limit",
      severity: "medium",
      message: `only the first ${maxScanBytes} bytes were searched for Keras configurations`,
    });
  return { format: configs > 0 ? "keras-h5" : "hdf5", findings };
}

function indexOf(hay: Uint8Array, needle: Uint8Array, from: number): number {
  const first = needle[0]!;
  for (let i = hay.indexOf(first, from); i >= 0 && i + needle.length <= hay.length; i = hay.indexOf(first, i + 1)) {
    let ok = true;
    for (let j = 1; j < needle.length; j++)
      if (hay[i + j] !== needle[j]) {
        ok = false;
        break;
      }
    if (ok) return i;
  }
  return -1;
}

/** The JSON object text starting at `start`, found by bracket matching outside strings; undefined if unterminated. */
function balancedJson(src: Source, start: number): string | undefined {
  let depth = 0;
  let inString = false;
  let escaped = false;
  const STEP = 1 << 16;
  const parts: Uint8Array[] = [];
  for (let p = start; p < src.size && p - start < MAX_JSON; p += STEP) {
    const b = src.read(p, STEP);
    for (let i = 0; i < b.length; i++) {
      const c = b[i]!;
      if (inString) {
        if (escaped) escaped = false;
        else if (c === 0x5c) escaped = true;
        else if (c === 0x22) inString = false;
      } else if (c === 0x22) inString = true;
      else if (c === 0x7b || c === 0x5b) depth++;
      else if (c === 0x7d || c === 0x5d) {
        depth--;
        if (depth === 0) {
          parts.push(b.subarray(0, i + 1));
          return new TextDecoder().decode(Buffer.concat(parts));
        }
      }
    }
    parts.push(b.slice());
  }
  return undefined;
}
