/**
 * Scanner "secrets": cloud keys, tokens and private keys by their documented formats (AWS, GitHub, GitLab, Slack,
 * Google, Stripe, OpenAI, Anthropic, npm, SendGrid, Twilio, JWT, PEM private keys, credentials in URLs), plus
 * high-entropy strings (Shannon entropy) next to a secret keyword. Patterns are fixed and linear-time, compiled once.
 * Each format regex is tried only near a literal all its matches contain (found with indexOf), which gives the same
 * matches as scanning the whole text with it.
 */
import type { Finding, Scanner } from "../types.ts";
import { makeResult } from "./result.ts";

interface SecretRule {
  type: string;
  /** Sticky: tried only where the anchor allows a match to start. */
  re: RegExp;
  /** Capture group holding the secret (0 = whole match). */
  group: number;
  /** Necessary literal (or global regex of literals): every match holds it `at[0]`..`at[1]` chars after its start. */
  anchor: string | RegExp;
  at: readonly [number, number];
  /** The chars a match can start with (ASCII). */
  first: string;
}

const LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

const RULES: readonly SecretRule[] = [
  {
    type: "aws-access-key",
    re: /\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[0-9A-Z]{16}\b/y,
    group: 0,
    anchor: /AKIA|ASIA|AGPA|AIDA|AROA|ANPA/g,
    at: [0, 0],
    first: "A",
  },
  {
    type: "aws-secret-key",
    re: /\baws_?(?:secret)?_?(?:access)?_?key\b["']?\s*[:=]\s*["']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])/iy,
    group: 1,
    anchor: /aws/gi,
    at: [0, 0],
    first: "aA",
  },
  {
    type: "github-token",
    re: /\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b/y,
    group: 0,
    anchor: "_",
    at: [3, 6],
    first: "g",
  },
  { type: "gitlab-token", re: /\bglpat-[A-Za-z0-9_-]{20,}\b/y, group: 0, anchor: "glpat-", at: [0, 0], first: "g" },
  { type: "slack-token", re: /\bxox[abposr]-[A-Za-z0-9-]{10,}\b/y, group: 0, anchor: "xox", at: [0, 0], first: "x" },
  {
    type: "slack-webhook",
    re: /https:\/\/hooks\.slack\.com\/services\/[A-Za-z0-9/]{20,}/y,
    group: 0,
    anchor: "://",
    at: [5, 5],
    first: "h",
  },
  {
    type: "google-api-key",
    re: /\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/y,
    group: 0,
    anchor: "AIza",
    at: [0, 0],
    first: "A",
  },
  {
    type: "stripe-key",
    re: /\b(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{16,}\b/y,
    group: 0,
    anchor: "_",
    at: [2, 2],
    first: "sr",
  },
  { type: "anthropic-key", re: /\bsk-ant-[A-Za-z0-9_-]{20,}/y, group: 0, anchor: "-ant-", at: [2, 2], first: "s" },
  {
    type: "openai-key",
    re: /\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}(?![A-Za-z0-9_-])/y,
    group: 0,
    anchor: "k-",
    at: [1, 1],
    first: "s",
  },
  { type: "npm-token", re: /\bnpm_[A-Za-z0-9]{36}\b/y, group: 0, anchor: "_", at: [3, 3], first: "n" },
  {
    type: "sendgrid-key",
    re: /\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}\b/y,
    group: 0,
    anchor: "SG.",
    at: [0, 0],
    first: "S",
  },
  { type: "twilio-key", re: /\bSK[0-9a-f]{32}\b/y, group: 0, anchor: "SK", at: [0, 0], first: "S" },
  {
    type: "jwt",
    re: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/y,
    group: 0,
    anchor: "yJ",
    at: [1, 1],
    first: "e",
  },
  {
    type: "private-key",
    re: /-----BEGIN (?:[A-Z0-9]+ )?PRIVATE KEY(?: BLOCK)?-----[\s\S]{0,8192}?(?:-----END (?:[A-Z0-9]+ )?PRIVATE KEY(?: BLOCK)?-----|$)/y,
    group: 0,
    anchor: "BEGIN ",
    at: [5, 5],
    first: "-",
  },
  {
    type: "url-credentials",
    re: /\b[a-z][a-z0-9+.-]{1,20}:\/\/[^\s:/@]{1,64}:([^\s@/]{3,128})@[^\s/]+/iy,
    group: 1,
    anchor: "://",
    at: [2, 21],
    first: LETTERS,
  },
  {
    type: "azure-storage-key",
    re: /\bAccountKey=([A-Za-z0-9+/=]{60,100})/y,
    group: 1,
    anchor: "Key=",
    at: [7, 7],
    first: "A",
  },
];

/** The rules' regexes as global ones, for texts dense with anchors. */
const GLOBAL = RULES.map((rule) => new RegExp(rule.re.source, rule.re.flags.replace("y", "g")));

/** `FIRST[r][c]` is 1 when rule `r` can start a match with ASCII char `c`. */
const FIRST = RULES.map((rule) => {
  const mask = new Uint8Array(128);
  for (const ch of rule.first) mask[ch.charCodeAt(0)] = 1;
  return mask;
});

/** Index of the first `anchor` at or after `from`, or -1. */
function findAnchor(text: string, anchor: string | RegExp, from: number): number {
  if (typeof anchor === "string") return text.indexOf(anchor, from);
  anchor.lastIndex = from;
  return anchor.exec(text)?.index ?? -1;
}

/**
 * Calls `onMatch` for each match of rule `r` in order, exactly as a global scan with its regex would find them, but
 * tries the regex only at starts that leave room for the anchor (every start before `tried` is either tried or
 * impossible). Falls back to the global scan when anchors are dense. Stops when `onMatch` returns false.
 */
function scanRule(text: string, r: number, onMatch: (m: RegExpExecArray) => boolean): void {
  const rule = RULES[r] as SecretRule;
  const first = FIRST[r] as Uint8Array;
  const [near, far] = rule.at;
  let from = 0;
  let tried = -1;
  for (let budget = 16 + (text.length >> 8); ; budget--) {
    if (budget === 0) {
      const re = GLOBAL[r] as RegExp;
      re.lastIndex = Math.max(from, tried + 1);
      for (let m = re.exec(text); m !== null; m = re.exec(text)) if (!onMatch(m)) return;
      return;
    }
    const q = findAnchor(text, rule.anchor, Math.max(from, tried + 1) + near);
    if (q < 0) return;
    let m: RegExpExecArray | null = null;
    for (let s = Math.max(from, tried + 1, q - far); s <= q - near && m === null; s++) {
      tried = s;
      if (first[text.charCodeAt(s)] !== 1) continue;
      rule.re.lastIndex = s;
      m = rule.re.exec(text);
    }
    if (m !== null) {
      if (!onMatch(m)) return;
      from = rule.re.lastIndex;
    }
  }
}

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
  for (let r = 0; r < RULES.length && out.length < max; r++) {
    const rule = RULES[r] as SecretRule;
    scanRule(text, r, (m) => {
      const value = m[rule.group] ?? m[0];
      const start = m.index + (rule.group === 0 ? 0 : m[0].lastIndexOf(value));
      add(rule.type, start, start + value.length);
      return out.length < max;
    });
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
