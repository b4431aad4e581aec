/**
 * Output scanners over URLs: "exfiltration" (markdown/HTML images and links to hosts outside the allow-list, or
 * carrying data in their query string — the EchoLeak / markdown-image exfiltration pattern) and "urls" (malicious or
 * unknown URLs: IP-literal hosts, credentials before the host, punycode, abused TLDs, shorteners, script and data
 * schemes, hosts not on the allow-list).
 */
import type { Finding, Scanner } from "../types.ts";
import { makeResult } from "./result.ts";

const MD_IMAGE = /!\[[^\]\n]{0,500}\]\(\s*<?([^)\s>]{1,4096})>?(?:\s+"[^"\n]{0,200}")?\s*\)/g;
const MD_LINK = /(?<!!)\[[^\]\n]{0,500}\]\(\s*<?([^)\s>]{1,4096})>?(?:\s+"[^"\n]{0,200}")?\s*\)/g;
const HTML_SRC =
  /<(img|image|iframe|script|a|link|video|audio|source|embed|object)\b[^>]{0,500}?\b(src|href|data|srcset)\s*=\s*["']?([^"'\s>]{1,4096})/gi;
const BARE_URL = /\b(?:https?|ftp|javascript|data|file|vbscript):[^\s<>"'`)\]]{1,4096}/gi;

const ABUSED_TLDS = new Set([
  "zip",
  "mov",
  "tk",
  "ml",
  "ga",
  "cf",
  "gq",
  "xyz",
  "top",
  "click",
  "country",
  "kim",
  "work",
  "loan",
]);
const SHORTENERS = new Set([
  "bit.ly",
  "tinyurl.com",
  "t.co",
  "goo.gl",
  "is.gd",
  "ow.ly",
  "buff.ly",
  "rebrand.ly",
  "cutt.ly",
  "shorturl.at",
]);

/** True when `host` is an allowed domain or a subdomain of one. */
export function hostAllowed(host: string, allow: readonly string[]): boolean {
  const h = host.toLowerCase().replace(/\.$/, "");
  return allow.some((d) => {
    const a = d.toLowerCase().replace(/^\*?\./, "");
    return h === a || h.endsWith(`.${a}`);
  });
}

function parse(raw: string): URL | null {
  try {
    return new URL(raw);
  } catch {
    return null;
  }
}

/** Length of data carried in the query string and fragment (long values, base64- or hex-like blobs). */
function queryData(u: URL): number {
  let n = 0;
  for (const [, v] of u.searchParams) if (v.length >= 16) n += v.length;
  if (u.hash.length > 24) n += u.hash.length;
  const lastSegment = u.pathname.split("/").pop() ?? "";
  if (lastSegment.length >= 40 && /^[A-Za-z0-9+_=-]+$/.test(lastSegment)) n += lastSegment.length;
  return n;
}

/** Why a URL looks malicious, or null. */
export function suspiciousUrl(raw: string): string | null {
  const u = parse(raw);
  if (!u) return null;
  if (u.protocol === "javascript:" || u.protocol === "vbscript:") return "script URL";
  if (u.protocol === "data:")
    return /^data:(?:text\/html|application|image\/svg)/i.test(raw) ? "active data URL" : null;
  if (u.protocol === "file:") return "file URL";
  if (u.username || u.password) return "credentials before the host";
  const host = u.hostname.toLowerCase();
  if (/^\d{1,3}(?:\.\d{1,3}){3}$/.test(host) || host.startsWith("[")) return "IP-literal host";
  if (host.split(".").some((l) => l.startsWith("xn--"))) return "punycode host";
  if (ABUSED_TLDS.has(host.split(".").pop() ?? "")) return "frequently abused TLD";
  if (SHORTENERS.has(host)) return "URL shortener";
  if (raw.length > 2000) return "very long URL";
  return null;
}

/** Exfiltration scanner: images to non-allowed hosts, or links/images carrying data (≥ `minData` chars). */
export function exfiltrationScanner(opts: { allowedDomains: string[]; minData?: number }): Scanner {
  const minData = opts.minData ?? 32;
  return {
    name: "exfiltration",
    direction: "output",
    scan(text) {
      const findings: Finding[] = [];
      let score = 0;
      const check = (raw: string, start: number, end: number, image: boolean) => {
        const u = parse(raw);
        if (!u || !/^https?:$/.test(u.protocol) || findings.length >= 100) return;
        const allowed = hostAllowed(u.hostname, opts.allowedDomains);
        const data = queryData(u);
        if (!allowed && (image || data >= minData)) {
          score = Math.max(score, image ? 1 : 0.9);
          findings.push({
            type: image ? "image-exfiltration" : "link-exfiltration",
            start,
            end,
            detail: `${u.hostname} (${data} chars of data)`,
          });
        } else if (allowed && data >= minData * 4) {
          score = Math.max(score, 0.6);
          findings.push({ type: "data-in-url", start, end, detail: `${data} chars of data to ${u.hostname}` });
        }
      };
      for (const m of text.matchAll(MD_IMAGE)) check(m[1] as string, m.index, m.index + m[0].length, true);
      for (const m of text.matchAll(MD_LINK)) check(m[1] as string, m.index, m.index + m[0].length, false);
      for (const m of text.matchAll(HTML_SRC)) {
        const tag = (m[1] as string).toLowerCase();
        check(m[3] as string, m.index, m.index + m[0].length, tag !== "a" && tag !== "link");
      }
      return makeResult("exfiltration", score, 0.5, findings);
    },
  };
}

/** URL scanner: malicious-looking URLs flag (0.8); URLs to hosts outside a non-empty allow-list score 0.4. */
export function urlScanner(opts: { allowedDomains: string[]; direction?: "input" | "output" }): Scanner {
  return {
    name: "urls",
    direction: opts.direction ?? "output",
    scan(text) {
      const findings: Finding[] = [];
      let score = 0;
      for (const m of text.matchAll(BARE_URL)) {
        if (findings.length >= 100) break;
        const raw = m[0].replace(/[.,;:!?]+$/, "");
        const why = suspiciousUrl(raw);
        if (why) {
          score = Math.max(score, 0.8);
          findings.push({ type: "suspicious-url", start: m.index, end: m.index + raw.length, detail: why });
          continue;
        }
        const u = parse(raw);
        if (u && opts.allowedDomains.length > 0 && !hostAllowed(u.hostname, opts.allowedDomains)) {
          score = Math.max(score, 0.4);
          findings.push({ type: "unknown-url", start: m.index, end: m.index + raw.length, detail: u.hostname });
        }
      }
      return makeResult("urls", score, 0.5, findings);
    },
  };
}
