/**
 * Check digits and structural rules that turn pattern matches into validated identifiers: Luhn (ISO/IEC 7812),
 * IBAN mod-97 (ISO 13616 / ISO 7064), US SSN ranges (SSA), Base58Check and Bech32/Bech32m (BIP-173, BIP-350),
 * EIP-55 mixed-case Ethereum checksums.
 */
import { createHash } from "node:crypto";
import { keccak256 } from "./keccak.ts";

/** Luhn mod-10 check over a string of ASCII digits (ISO/IEC 7812-1 Annex B). */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return digits.length > 0 && sum % 10 === 0;
}

/** True when a card number's prefix belongs to a known issuer range (Visa, Mastercard, Amex, Discover, JCB, ...). */
export function knownCardIssuer(digits: string): boolean {
  const n = digits.length;
  const p2 = Number(digits.slice(0, 2));
  const p4 = Number(digits.slice(0, 4));
  if (digits[0] === "4") return n === 13 || n === 16 || n === 19;
  if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) return n === 16;
  if (p2 === 34 || p2 === 37) return n === 15;
  if (p4 === 6011 || p2 === 65 || (p4 >= 6440 && p4 <= 6499)) return n >= 16;
  if (p4 >= 3528 && p4 <= 3589) return n >= 16;
  if (p2 === 36 || p2 === 38 || p2 === 39 || (p4 >= 3000 && p4 <= 3059)) return n >= 14;
  if (p2 === 62) return n >= 16;
  if (p2 === 50 || (p2 >= 56 && p2 <= 69)) return n >= 12;
  return false;
}

/** IBAN lengths per country (SWIFT IBAN registry). */
export const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24,
  AE: 23,
  AL: 28,
  AT: 20,
  AZ: 28,
  BA: 20,
  BE: 16,
  BG: 22,
  BH: 22,
  BI: 27,
  BR: 29,
  BY: 28,
  CH: 21,
  CR: 22,
  CY: 28,
  CZ: 24,
  DE: 22,
  DJ: 27,
  DK: 18,
  DO: 28,
  EE: 20,
  EG: 29,
  ES: 24,
  FI: 18,
  FK: 18,
  FO: 18,
  FR: 27,
  GB: 22,
  GE: 22,
  GI: 23,
  GL: 18,
  GR: 27,
  GT: 28,
  HR: 21,
  HU: 28,
  IE: 22,
  IL: 23,
  IQ: 23,
  IS: 26,
  IT: 27,
  JO: 30,
  KW: 30,
  KZ: 20,
  LB: 28,
  LC: 32,
  LI: 21,
  LT: 20,
  LU: 20,
  LV: 21,
  LY: 25,
  MC: 27,
  MD: 24,
  ME: 22,
  MK: 19,
  MN: 20,
  MR: 27,
  MT: 31,
  MU: 30,
  NI: 28,
  NL: 18,
  NO: 15,
  OM: 23,
  PK: 24,
  PL: 28,
  PS: 29,
  PT: 25,
  QA: 29,
  RO: 24,
  RS: 22,
  RU: 33,
  SA: 24,
  SC: 31,
  SD: 18,
  SE: 24,
  SI: 19,
  SK: 24,
  SM: 27,
  SO: 23,
  ST: 25,
  SV: 28,
  TL: 23,
  TN: 24,
  TR: 26,
  UA: 29,
  VA: 22,
  VG: 24,
  XK: 20,
  YE: 30,
};

/** IBAN check (ISO 13616): known country, registry length, and mod-97 of the rearranged number equal to 1. */
export function ibanValid(iban: string): boolean {
  const s = iban.toUpperCase();
  if (IBAN_LENGTHS[s.slice(0, 2)] !== s.length || !/^[A-Z]{2}\d{2}[A-Z0-9]+$/.test(s)) return false;
  const rearranged = s.slice(4) + s.slice(0, 4);
  let rem = 0;
  for (const ch of rearranged) {
    const c = ch.charCodeAt(0);
    const v = c <= 57 ? c - 48 : c - 55;
    rem = v >= 10 ? (rem * 100 + v) % 97 : (rem * 10 + v) % 97;
  }
  return rem === 1;
}

/**
 * US Social Security Number rules (SSA): area not 000, 666 or 900-999; group not 00; serial not 0000; and not one of
 * the numbers known to be published samples (078-05-1120, 219-09-9999, 123-45-6789).
 */
export function ssnValid(digits: string): boolean {
  if (!/^\d{9}$/.test(digits)) return false;
  const area = Number(digits.slice(0, 3));
  if (area === 0 || area === 666 || area >= 900) return false;
  if (digits.slice(3, 5) === "00" || digits.slice(5) === "0000") return false;
  return digits !== "078051120" && digits !== "219099999" && digits !== "123456789";
}

const B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/** Decodes Base58Check and verifies the double-SHA-256 checksum; returns the payload (version + data) or undefined. */
export function base58CheckDecode(s: string): Uint8Array | undefined {
  let n = 0n;
  for (const ch of s) {
    const v = B58.indexOf(ch);
    if (v < 0) return undefined;
    n = n * 58n + BigInt(v);
  }
  const bytes: number[] = [];
  while (n > 0n) {
    bytes.unshift(Number(n & 0xffn));
    n >>= 8n;
  }
  for (const ch of s) {
    if (ch !== "1") break;
    bytes.unshift(0);
  }
  if (bytes.length < 5) return undefined;
  const buf = Uint8Array.from(bytes);
  const payload = buf.subarray(0, buf.length - 4);
  const first = createHash("sha256").update(payload).digest();
  const check = createHash("sha256").update(first).digest();
  for (let i = 0; i < 4; i++) if (check[i] !== buf[buf.length - 4 + i]) return undefined;
  return payload;
}

/** A Bitcoin P2PKH/P2SH address (mainnet version 0x00/0x05 or testnet 0x6f/0xc4, 20-byte hash) with a valid checksum. */
export function bitcoinBase58Valid(s: string): boolean {
  const p = base58CheckDecode(s);
  return p !== undefined && p.length === 21 && [0x00, 0x05, 0x6f, 0xc4].includes(p[0]!);
}

const BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
const GEN = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];

/** Bech32 (BIP-173) or Bech32m (BIP-350) checksum check of a segwit address (`bc1...`/`tb1...`), case-insensitive. */
export function bech32Valid(addr: string): boolean {
  if (addr !== addr.toLowerCase() && addr !== addr.toUpperCase()) return false;
  const s = addr.toLowerCase();
  const sep = s.lastIndexOf("1");
  if (sep < 1 || sep + 7 > s.length || s.length > 90) return false;
  const hrp = s.slice(0, sep);
  let chk = 1;
  const step = (v: number): void => {
    const top = chk >>> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk ^= GEN[i]!;
  };
  for (const ch of hrp) step(ch.charCodeAt(0) >>> 5);
  step(0);
  for (const ch of hrp) step(ch.charCodeAt(0) & 31);
  for (const ch of s.slice(sep + 1)) {
    const v = BECH32.indexOf(ch);
    if (v < 0) return false;
    step(v);
  }
  return chk === 1 || chk === 0x2bc830a3;
}

/** EIP-55: a mixed-case `0x` address whose letter cases match the Keccak-256 of the lowercase hex. */
export function eip55Valid(addr: string): boolean {
  const hex = addr.slice(2);
  const hash = keccak256(Buffer.from(hex.toLowerCase(), "ascii"));
  for (let i = 0; i < 40; i++) {
    const ch = hex[i]!;
    if (ch >= "0" && ch <= "9") continue;
    const nibble = (hash[i >> 1]! >> (i % 2 === 0 ? 4 : 0)) & 0xf;
    if (nibble >= 8 !== (ch >= "A" && ch <= "F")) return false;
  }
  return true;
}
