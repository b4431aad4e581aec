/**
 * Redaction of findings and the session vault: input-side PII is replaced by placeholders (`<EMAIL_ADDRESS_1>`) whose
 * originals stay in the vault, and output-side text gets them restored, so users still see their own data while the
 * model never does.
 */
import type { Finding, ScanContext } from "./types.ts";

export const PLACEHOLDER = /<([A-Z][A-Z_]{1,40})_(\d{1,6})>/g;

/** A finding to redact, with the scanner it came from. */
export interface Redaction extends Finding {
  scanner: string;
}

function replacement(r: Redaction, original: string, ctx: ScanContext, direction: "input" | "output"): string {
  if (r.scanner === "invisible") return "";
  if (r.scanner === "pii" && direction === "input" && ctx.vault) {
    const type = r.type.toUpperCase().replace(/[^A-Z_]/g, "_");
    for (const [k, v] of ctx.vault) if (v === original && k.startsWith(`<${type}_`)) return k;
    let n = 1;
    while (ctx.vault.has(`<${type}_${n}>`)) n++;
    const key = `<${type}_${n}>`;
    ctx.vault.set(key, original);
    return key;
  }
  if (r.scanner === "exfiltration") return "[link removed]";
  return `[REDACTED:${r.type}]`;
}

/** Replaces the spans of `redactions` in `text` (overlaps merged, first wins). Returns the text and how many. */
export function applyRedactions(
  text: string,
  redactions: readonly Redaction[],
  ctx: ScanContext,
  direction: "input" | "output",
): { text: string; count: number } {
  const sorted = redactions
    .filter((r) => r.start >= 0 && r.end <= text.length && r.start < r.end)
    .sort((a, b) => a.start - b.start || b.end - a.end);
  const parts: string[] = [];
  let pos = 0;
  let count = 0;
  for (const r of sorted) {
    if (r.start < pos) continue;
    parts.push(text.slice(pos, r.start), replacement(r, text.slice(r.start, r.end), ctx, direction));
    pos = r.end;
    count++;
  }
  parts.push(text.slice(pos));
  return { text: parts.join(""), count };
}

/** Puts the vault's originals back in place of their placeholders. */
export function restorePlaceholders(text: string, vault: ReadonlyMap<string, string> | undefined): string {
  if (!vault || vault.size === 0) return text;
  return text.replace(PLACEHOLDER, (m) => vault.get(m) ?? m);
}
