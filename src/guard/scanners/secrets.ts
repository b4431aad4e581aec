/**
 * Scanner "secrets": cloud keys, tokens and private keys by their documented formats (AWS, GitHub, GitLab, Slack,
 * Google, Stripe, OpenAI, Anthropic, npm, SendGrid, Twilio, JWT, PEM private keys, credentials in URLs), plus
 * high-entropy strings (Shannon entropy) next to a secret keyword. Patterns are fixed and linear-time, compiled once.
 */
import type { Finding, Scanner } from "../types.ts";
import { makeResult } from "./result.ts";

interface SecretRule {
  type: string;
  re: RegExp;
  /** Capture group holding the secret (0 = whole match). */
  group: number;
}

const RULES: readonly SecretRule[] = [
  { type: "aws-access-key", re: /\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[0-9A-Z]{16}\b/g, group: 0 },
  {
    type: "aws-secret-key",
    re: /\baws_?(?:secret)?_?(?:access)?_?key\b["']?\s*[:=]\s*["']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])/gi,
    group: 1,
  },
  { type: "github-token", re: /\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b/g, group: 0 },
  { type: "gitlab-token", re: /\bglpat-[A-Za-z0-9_-]{20,}\b/g, group: 0 },
  { type: "slack-token", re: /\bxox[abposr]-[A-Za-z0-9-]{10,}\b/g, group: 0 },
  { type: "slack-webhook", re: /https:\/\/hooks\.slack\.com\/services\/[A-Za-z0-9/]{20,}/g, group: 0 },
  { type: "google-api-key", re: /\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/g, group: 0 },
  { type: "stripe-key", re: /\b(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{16,}\b/g, group: 0 },
  { type: "anthropic-key", re: /\bsk-ant-[A-Za-z0-9_-]{20,}/g, group: 0 },
  { type: "openai-key", re: /\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}(?![A-Za-z0-9_-])/g, group: 0 },
  { type: "npm-token", re: /\bnpm_[A-Za-z0-9]{36}\b/g, group: 0 },
  { type: "sendgrid-key", re: /\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}\b/g, group: 0 },
  { type: "twilio-key", re: /\bSK[0-9a-f]{32}\b/g, group: 0 },
  { type: "jwt", re: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, group: 0 },
  {
    type: "private-key",
    re: /-----BEGIN (?:[A-Z0-9]+ )?PRIVATE KEY(?: BLOCK)?-----[\s\S]{0,8192}?(?:-----END (?:[A-Z0-9]+ )?PRIVATE KEY(?: BLOCK)?-----|$)/g,
    group: 0,
  },
  { type: "url-credentials", re: /\b[a-z][a-z0-9+.-]{1,20}:\/\/[^\s:/@]{1,64}:([^\s@/]{3,128})@[^\s/]+/gi, group: 1 },
  { type: "azure-storage-key", re: /\bAccountKey=([A-Za-z0-9+/=]{60,100})/g, group: 1 },
];

const KEYWORD_VALUE =
  /\b(?:password|passwd|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|auth[_-]?key|client[_-]?secret|private[_-]?key|credential|bearer)\w{0,20}["']?\s{0,8}(?:[:=]|=>|\bis\b)?\s{0,8}["'`]?([A-Za-z0-9+/_.~!@#$%^&*-]{12,200})/gi;

/** Shannon entropy of `s` in bits per character. */
export function shannonEntropy(s: string): number {
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const c of counts.values()) {
    const p = c / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/** All secret findings in `text` (span = the secret value), at most `max`. */
export function findSecrets(text: string, max = 200): Finding[] {
  const out: Finding[] = [];
  const seen = new Set<string>();
  const add = (type: string, start: number, end: number) => {
    const key = `${start}:${end}`;
    if (out.length >= max || seen.has(key)) return;
    if (out.some((f) => f.start <= start && f.end >= end)) return;
    seen.add(key);
    out.push({ type, start, end, detail: type });
  };
  for (const rule of RULES) {
    rule.re.lastIndex = 0;
    for (let m = rule.re.exec(text); m !== null && out.length < max; m = rule.re.exec(text)) {
      const value = m[rule.group] ?? m[0];
      const start = m.index + (rule.group === 0 ? 0 : m[0].lastIndexOf(value));
      add(rule.type, start, start + value.length);
    }
  }
  KEYWORD_VALUE.lastIndex = 0;
  for (let m = KEYWORD_VALUE.exec(text); m !== null && out.length < max; m = KEYWORD_VALUE.exec(text)) {
    const value = m[1] as string;
    const hasDigit = /[0-9]/.test(value);
    const hasLetter = /[A-Za-z]/.test(value);
    if (!hasDigit || !hasLetter || shannonEntropy(value) < 3.2) continue;
    const start = m.index + m[0].lastIndexOf(value);
    add("high-entropy-secret", start, start + value.length);
  }
  return out.sort((a, b) => a.start - b.start);
}

/** Secrets scanner for either direction (output: leakage). */
export function secretsScanner(direction: "input" | "output" = "input"): Scanner {
  return {
    name: "secrets",
    direction,
    scan(text) {
      const findings = findSecrets(text);
      return makeResult("secrets", findings.length > 0 ? 1 : 0, 0.5, findings);
    },
  };
}
