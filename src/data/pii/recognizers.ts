/**
 * Pattern recognisers: one RE2 pattern per identifier family, compiled once at module load, each with a validator
 * (checksums, ranges, boundaries) that accepts, rescores or rejects a match, and the context words that raise its
 * score (Presidio-style). Scores: checksum-validated identifiers 0.85-0.95; distinctive shapes 0.5-0.6; weak shapes
 * (bare digit runs, passport and licence numbers) 0.05-0.3, which only reach the default threshold with context.
 * Validators run only on candidates RE2 has already matched (at most a few hundred characters) and use plain string
 * code or small fixed regexes without backtracking hazards.
 */
import { parsePhoneNumberFromString } from "libphonenumber-js/max";
import RE2 from "re2";
import {
  bech32Valid,
  bitcoinBase58Valid,
  eip55Valid,
  IBAN_LENGTHS,
  ibanValid,
  knownCardIssuer,
  luhnValid,
  ssnValid,
} from "./checksums.ts";
import { ContextWords } from "./context.ts";
import type { WindowKind } from "./windows.ts";

/** A candidate span with its pattern score (before context). */
export interface Candidate {
  start: number;
  end: number;
  score: number;
}

/** One located pattern match: the matched text, its UTF-16 start, and capture groups 1 and 2 when the pattern has them. */
export interface Match {
  0: string;
  1?: string | undefined;
  2?: string | undefined;
  index: number;
}

/** A compiled pattern recogniser. */
export interface PatternRecognizer {
  name: string;
  type: string;
  /** RE2 source (the prefilter set compiles the same source). */
  source: string;
  /** Global matcher (one native call per text: `match` returns every matched string). */
  re: RE2;
  /** Matcher anchored to a whole matched string, to recover capture groups. */
  groups: RE2 | undefined;
  /** The pattern ends with a word boundary in every branch. */
  endBoundary: boolean;
  context: ContextWords;
  /** Where matches can be, when a cheap exact prefilter exists (see windows.ts); else the whole text is scanned. */
  windows: WindowKind | undefined;
  /** Validates and scores a match; undefined rejects it. */
  check(text: string, m: Match): Candidate | undefined;
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isAlnum = (c: number): boolean => isDigit(c) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const digitsOf = (s: string): string => s.replace(/\D/g, "");

/** True when the match is not glued to a longer token (letters/digits, or `1.2` / `1-2` continuations). */
function standalone(text: string, start: number, end: number): boolean {
  const before = text.charCodeAt(start - 1);
  const after = text.charCodeAt(end);
  if (isAlnum(before) || isAlnum(after)) return false;
  if ((before === 46 || before === 45 || before === 47) && isDigit(text.charCodeAt(start - 2))) return false;
  if ((after === 46 || after === 45 || after === 47) && isDigit(text.charCodeAt(end + 1))) return false;
  return true;
}

function span(m: Match, score: number): Candidate {
  return { start: m.index, end: m.index + m[0].length, score };
}

function recognizer(
  name: string,
  type: string,
  source: string,
  context: readonly string[],
  check: (text: string, m: Match) => Candidate | undefined,
  windows?: WindowKind,
): PatternRecognizer {
  const flags = source.startsWith("(?i)") ? "(?i)" : "";
  return {
    name,
    type,
    source,
    re: new RE2(source, "g"),
    groups: /(?<!\\)\((?!\?)/.test(source) ? new RE2(`${flags}^(?:${source.slice(flags.length)})$`) : undefined,
    endBoundary: source.endsWith("\\b"),
    context: new ContextWords(context),
    windows,
    check,
  };
}

const MONTHS =
  "(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)";

function validDay(y: number, mo: number, d: number): boolean {
  if (mo < 1 || mo > 12 || d < 1) return false;
  const days = [31, y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  return d <= days[mo - 1]!;
}

/** Lengths of the digit runs in `s` ("(212) 555-0100" gives [3, 3, 4]). */
function digitGroups(s: string): number[] {
  const groups: number[] = [];
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    if (isDigit(s.charCodeAt(i))) n++;
    else if (n > 0) {
      groups.push(n);
      n = 0;
    }
  }
  if (n > 0) groups.push(n);
  return groups;
}

/** YYYY-MM-DD or DD.MM.YYYY shapes (possibly with a time after): dates, not phone numbers. */
function dateShaped(main: string, g: number[]): boolean {
  const sep = main[g[0]!];
  if (sep === undefined || !"-./".includes(sep) || main[g[0]! + 1 + g[1]!] !== sep) return false;
  if (g.length >= 3 && g[0] === 4 && g[1]! <= 2 && g[2]! <= 2) return true;
  return g.length === 3 && g[0]! <= 2 && g[1]! <= 2 && g[2] === 4;
}

/** NANP shape: [1 or 001] area (3), exchange (3), line (4). */
function nanpShaped(main: string, g: number[]): boolean {
  const core = g.length === 4 && (main.startsWith("1") || main.startsWith("001")) ? g.slice(1) : g;
  return core.length === 3 && core[0] === 3 && core[1] === 3 && core[2] === 4;
}

/** NANP numbering-plan rules: area code and exchange start 2-9 and are not N11 service codes. */
function nanpPlausible(ten: string): boolean {
  const ok = (d: string): boolean => d[0]! >= "2" && !(d[1] === "1" && d[2] === "1");
  return ten.length === 10 && ok(ten.slice(0, 3)) && ok(ten.slice(3, 6));
}

function checkPhone(text: string, m: Match): Candidate | undefined {
  const raw = m[0];
  const start = m.index;
  const end = start + raw.length;
  if (!standalone(text, start, end) && !(text[start - 1] === "+" || raw.startsWith("+"))) return undefined;
  const ext = raw.search(/\s?(?:x|ext\.?)\s?\d+$/);
  const main = ext > 0 ? raw.slice(0, ext) : raw;
  const g = digitGroups(main);
  let n = 0;
  for (const k of g) n += k;
  if (n < 7 || n > 15 || dateShaped(main, g)) return undefined;
  if (raw.startsWith("+")) {
    const p = parsePhoneNumberFromString(main);
    return { start, end, score: p?.isValid() ? 0.85 : p?.isPossible() ? 0.5 : 0.3 };
  }
  if (nanpShaped(main, g)) return { start, end, score: nanpPlausible(digitsOf(main).slice(-10)) ? 0.75 : 0.5 };
  return { start, end, score: g.length > 1 ? 0.3 : 0.2 };
}

function checkCard(text: string, m: Match): Candidate | undefined {
  const c = span(m, 0);
  if (!standalone(text, c.start, c.end)) return undefined;
  const seps = new Set(m[0].replace(/\d/g, ""));
  if (seps.size > 1) return undefined;
  const d = digitsOf(m[0]);
  if (d.length < 13 || d.length > 19 || /^(\d)\1+$/.test(d) || !luhnValid(d)) return undefined;
  c.score = knownCardIssuer(d) ? 0.9 : 0.4;
  return c;
}

function checkIban(text: string, m: Match): Candidate | undefined {
  const start = m.index;
  if (isAlnum(text.charCodeAt(start - 1))) return undefined;
  const want = IBAN_LENGTHS[m[0].slice(0, 2).toUpperCase()];
  if (want === undefined) return undefined;
  let end = start;
  let count = 0;
  while (count < want && end < start + m[0].length) {
    if (text[end] !== " ") count++;
    end++;
  }
  if (count !== want || isAlnum(text.charCodeAt(end))) return undefined;
  return ibanValid(text.slice(start, end).replaceAll(" ", "")) ? { start, end, score: 0.95 } : undefined;
}

function checkSsn(text: string, m: Match): Candidate | undefined {
  const c = span(m, 0);
  if (!standalone(text, c.start, c.end)) return undefined;
  const seps = m[0].replace(/\d/g, "");
  if (seps.length === 1 || (seps.length === 2 && seps[0] !== seps[1])) return undefined;
  if (!ssnValid(digitsOf(m[0]))) return undefined;
  c.score = seps.startsWith("-") ? 0.5 : seps.length > 0 ? 0.4 : 0.3;
  return c;
}

function checkIpv4(text: string, m: Match): Candidate | undefined {
  const c = span(m, 0.6);
  if (!standalone(text, c.start, c.end)) return undefined;
  for (const o of m[0].split(".")) if (Number(o) > 255 || (o.length > 1 && o.startsWith("0"))) return undefined;
  return c;
}

function ipv6Valid(s: string): boolean {
  const [addr] = s.split("%");
  if (addr === undefined) return false;
  const halves = addr.split("::");
  if (halves.length > 2) return false;
  const groups = (h: string): string[] | undefined => (h === "" ? [] : h.split(":"));
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (!head || !tail) return false;
  const all = [...head, ...tail];
  if (all.some((g) => !/^[0-9A-Fa-f]{1,4}$/.test(g))) return false;
  return halves.length === 2 ? all.length <= 7 : all.length === 8;
}

function checkIpv6(text: string, m: Match): Candidate | undefined {
  const c = span(m, 0.6);
  const before = text.charCodeAt(c.start - 1);
  const after = text.charCodeAt(c.end);
  if (isAlnum(before) || before === 58 || isAlnum(after) || after === 58) return undefined;
  if (!ipv6Valid(m[0]) || m[0].replace(/[^:]/g, "").length < 2) return undefined;
  // "::" alone, or short all-digit forms such as clock times, are not addresses.
  if (!/[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{0,4}:/.test(m[0]) || /^[\d:]{1,8}$/.test(m[0])) return undefined;
  return c;
}

function checkMac(text: string, m: Match): Candidate | undefined {
  const c = span(m, 0.6);
  if (isAlnum(text.charCodeAt(c.start - 1)) || isAlnum(text.charCodeAt(c.end))) return undefined;
  if (text[c.end] === ":" || text[c.start - 1] === ":") return undefined;
  const seps = new Set(m[0].replace(/[0-9A-Fa-f]/g, ""));
  return seps.size === 1 ? c : undefined;
}

function checkEmail(text: string, m: Match): Candidate | undefined {
  const c = span(m, 0.95);
  const at = m[0].indexOf("@");
  const local = m[0].slice(0, at);
  if (local.length > 64 || local.startsWith(".") || local.endsWith(".") || local.includes("..")) return undefined;
  if (m[0].length - at - 1 > 253 || /\.-|-\./.test(m[0].slice(at))) return undefined;
  if (isAlnum(text.charCodeAt(c.end)) || text[c.end] === "@") return undefined;
  return c;
}

function checkUrl(_text: string, m: Match): Candidate | undefined {
  let raw = m[0];
  for (;;) {
    const last = raw.at(-1);
    if (last === undefined) return undefined;
    if (".,;:!?'\"".includes(last)) raw = raw.slice(0, -1);
    else if (last === ")" && raw.split("(").length <= raw.split(")").length - 1) raw = raw.slice(0, -1);
    else if (last === "]" && !raw.includes("[")) raw = raw.slice(0, -1);
    else break;
  }
  const host = raw.replace(/^[a-z]+:\/\//i, "").split(/[/?#]/)[0] ?? "";
  if (!/[A-Za-z0-9-]+\.[A-Za-z0-9-]{2,}/.test(host)) return undefined;
  return { start: m.index, end: m.index + raw.length, score: 0.6 };
}

function checkCrypto(text: string, m: Match): Candidate | undefined {
  const c = span(m, 0);
  if (isAlnum(text.charCodeAt(c.start - 1)) || isAlnum(text.charCodeAt(c.end))) return undefined;
  const s = m[0];
  if (s.startsWith("0x") || s.startsWith("0X")) {
    const hex = s.slice(2);
    const mixed = /[a-f]/.test(hex) && /[A-F]/.test(hex);
    c.score = mixed ? (eip55Valid(s) ? 0.95 : 0.2) : 0.4;
  } else if (/^(?:bc|tb)1/i.test(s)) {
    c.score = bech32Valid(s) ? 0.95 : 0;
  } else {
    c.score = bitcoinBase58Valid(s) ? 0.95 : 0;
  }
  return c.score > 0 ? c : undefined;
}

function checkDate(text: string, m: Match): Candidate | undefined {
  const c = span(m, 0.5);
  if (!standalone(text, c.start, c.end)) return undefined;
  const nums = m[0].match(/\d+/g)?.map(Number) ?? [];
  if (/^\d{4}-/.test(m[0])) {
    const [y, mo, d] = nums;
    return validDay(y!, mo!, d!) ? c : undefined;
  }
  if (/^\d{1,2}[/.-]\d{1,2}[/.-]\d{4}$/.test(m[0])) {
    const [a, b, y] = nums;
    return validDay(y!, a!, b!) || validDay(y!, b!, a!) ? c : undefined;
  }
  return nums.length > 0 ? c : undefined;
}

function weak(score: number) {
  return (text: string, m: Match): Candidate | undefined => {
    const c = span(m, score);
    return standalone(text, c.start, c.end) && /\d/.test(m[0]) ? c : undefined;
  };
}

function checkLicence(text: string, m: Match): Candidate | undefined {
  const c = weak(0.1)(text, m);
  // UK DVLA driving licence numbers (16 characters: surname, birth date, initials, check digit) stand on their own.
  if (c && /^[A-Z9]{5}\d{6}[A-Z9]{2}\d[A-Z]{2}$/.test(m[0])) c.score = 0.5;
  return c;
}

function secret(score: number) {
  return (text: string, m: Match): Candidate | undefined => {
    const c = span(m, score);
    return isAlnum(text.charCodeAt(c.start - 1)) || isAlnum(text.charCodeAt(c.end)) ? undefined : c;
  };
}

function entropy(s: string): number {
  const freq = new Map<string, number>();
  for (const ch of s) freq.set(ch, (freq.get(ch) ?? 0) + 1);
  let h = 0;
  for (const n of freq.values()) h -= (n / s.length) * Math.log2(n / s.length);
  return h;
}

function checkAssignedSecret(_text: string, m: Match): Candidate | undefined {
  const value = m[2] ?? "";
  const key = (m[1] ?? "").toLowerCase();
  const end = m.index + m[0].length;
  const start = end - value.length;
  if (/^(?:x+|\*+|\.+|null|none|true|false|undefined|changeme|password|secret|redacted)$/i.test(value))
    return undefined;
  if (/pass|pwd/.test(key)) return { start, end, score: 0.7 };
  if (entropy(value) < 3 || !/\d/.test(value)) return undefined;
  return { start, end, score: 0.75 };
}

const PHONE_CONTEXT = [
  "phone",
  "telephone",
  "tel",
  "cell",
  "cellphone",
  "mobile",
  "mob",
  "call",
  "calling",
  "fax",
  "office",
  "contact",
  "reach",
  "dial",
  "ring",
  "answering",
  "whatsapp",
  "sms",
  "text",
  "landline",
  "hotline",
  "ph",
];

/** All pattern recognisers, in priority order for equal scores. */
export const PATTERN_RECOGNIZERS: readonly PatternRecognizer[] = [
  recognizer(
    "email",
    "EMAIL_ADDRESS",
    "[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,24}",
    ["email", "mail", "e-mail", "contact"],
    checkEmail,
    "email",
  ),
  recognizer(
    "url",
    "URL",
    "(?i)\\b(?:https?://|ftp://|www\\.)[^\\s<>\"'`{}|\\\\^]+",
    ["url", "website", "site", "link"],
    checkUrl,
  ),
  recognizer(
    "credit-card",
    "CREDIT_CARD",
    "\\b\\d(?:[ -]?\\d){12,18}\\b",
    ["credit", "card", "visa", "mastercard", "amex", "cc", "debit", "payment", "pan", "discover"],
    checkCard,
    "digits",
  ),
  recognizer(
    "iban",
    "IBAN_CODE",
    "\\b[A-Za-z]{2}\\d{2} ?[A-Za-z0-9]{4}(?: ?[A-Za-z0-9]{1,4}){1,8}",
    ["iban", "bank", "account", "transfer", "wire", "payee", "sepa"],
    checkIban,
    "iban",
  ),
  recognizer(
    "us-ssn",
    "US_SSN",
    "\\b\\d{3}[- .]?\\d{2}[- .]?\\d{4}\\b",
    ["ssn", "ssns", "social", "security", "ss", "ssid", "taxpayer"],
    checkSsn,
    "digits",
  ),
  recognizer(
    "ipv4",
    "IP_ADDRESS",
    "\\b(?:\\d{1,3}\\.){3}\\d{1,3}\\b",
    ["ip", "ipv4", "address", "host", "server"],
    checkIpv4,
    "digits",
  ),
  recognizer(
    "ipv6",
    "IP_ADDRESS",
    "(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?:%[0-9A-Za-z]{1,16})?",
    ["ip", "ipv6", "address", "host", "server"],
    checkIpv6,
  ),
  recognizer(
    "mac",
    "MAC_ADDRESS",
    "\\b(?:[0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}\\b|\\b[0-9A-Fa-f]{4}\\.[0-9A-Fa-f]{4}\\.[0-9A-Fa-f]{4}\\b",
    ["mac", "ethernet", "hardware", "wifi", "nic", "bssid"],
    checkMac,
  ),
  recognizer(
    "crypto",
    "CRYPTO",
    "\\b(?:0[xX][0-9A-Fa-f]{40}|(?:bc|tb|BC|TB)1[0-9A-Za-z]{11,71}|[13mn2][1-9A-HJ-NP-Za-km-z]{25,34})\\b",
    ["wallet", "bitcoin", "btc", "ethereum", "eth", "crypto", "address", "send"],
    checkCrypto,
  ),
  recognizer(
    "phone",
    "PHONE_NUMBER",
    "(?:\\+\\d{1,3}[ .-]?)?(?:\\(\\d{1,5}\\)[ .-]?\\d{1,8}(?:[ .-]\\d{1,8}){0,4}|\\d{1,5}(?:[ .-]\\d{1,8}){2,5}|\\d{2,5}[ .-]\\d{4,8}|\\d[ .-]\\d{6,8})(?:\\s?(?:x|ext\\.?)\\s?\\d{1,6})?|\\+?\\b\\d{8,15}\\b",
    PHONE_CONTEXT,
    checkPhone,
    "digits",
  ),
  recognizer(
    "date",
    "DATE_TIME",
    `(?i)\\b(?:\\d{1,2}[/.-]\\d{1,2}[/.-](?:19|20)\\d{2}|(?:19|20)\\d{2}-\\d{2}-\\d{2}(?:[T ]\\d{2}:\\d{2}(?::\\d{2}(?:\\.\\d{1,9})?)?(?:Z|[+-]\\d{2}:?\\d{2})?)?|\\d{1,2}(?:st|nd|rd|th)?\\s+(?:of\\s+)?${MONTHS}\\.?,?\\s+(?:19|20)\\d{2}|${MONTHS}\\.?\\s+\\d{1,2}(?:st|nd|rd|th)?,?\\s+(?:19|20)\\d{2})\\b`,
    ["born", "birth", "dob", "birthday", "birthdate", "geboren", "né", "née"],
    checkDate,
  ),
  recognizer(
    "passport",
    "PASSPORT",
    "\\b(?:[A-Za-z]{1,3}\\d{6,9}|\\d{2}[A-Za-z]{2}\\d{5}|\\d{9}|[CFGHJKLMNPRTVWXYZ][CFGHJKLMNPRTVWXYZ0-9]{8})\\b",
    ["passport", "passports", "passeport", "reisepass", "pasaporte", "passaporto", "paspoort"],
    weak(0.05),
  ),
  recognizer(
    "driver-licence",
    "DRIVER_LICENSE",
    "\\b(?:[A-Za-z]{1,2}\\d{4,14}|[A-Za-z]{2}\\d{6}[A-Za-z]|\\d{7,14}|\\d{3}[A-Za-z]{2}\\d{4}|[A-Z9]{5}\\d{6}[A-Z9]{2}\\d[A-Z]{2})\\b",
    ["driver", "drivers", "driving", "license", "licence", "licenses", "licences", "dl", "dln", "permit"],
    checkLicence,
  ),
  recognizer(
    "pem-private-key",
    "SECRET",
    "-----BEGIN[A-Z ]{0,40}PRIVATE KEY-----[^-]*-----END[A-Z ]{0,40}PRIVATE KEY-----",
    [],
    secret(1),
  ),
  recognizer(
    "vendor-token",
    "SECRET",
    "\\b(?:(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255}|glpat-[A-Za-z0-9_-]{20,}|xox[abposr]-[A-Za-z0-9-]{10,}|[rs]k_(?:live|test)_[A-Za-z0-9]{16,}|AIza[0-9A-Za-z_-]{35}|sk-ant-[A-Za-z0-9_-]{20,}|sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,})",
    [],
    secret(0.9),
  ),
  recognizer("jwt", "SECRET", "\\beyJ[A-Za-z0-9_-]{8,}\\.eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{8,}", [], secret(0.85)),
  recognizer(
    "assigned-secret",
    "SECRET",
    "(?i)\\b(api[_-]?key|apikey|access[_-]?key|secret[_-]?key|client[_-]?secret|secret|access[_-]?token|auth[_-]?token|token|password|passwd|pwd|bearer)[\"']?\\s{0,3}(?:[:=]|:=|=>|\\s)\\s{0,3}[\"']?([A-Za-z0-9_\\-+/=.~!@#%^&*]{6,200})",
    [],
    checkAssignedSecret,
  ),
];
