import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { type DecodedView, type DecodeLimits, decodeSegments, LEET, leetView } from "../../src/guard/decode.ts";

// Reference definitions: plain regex scans over the whole text, which decodeSegments and leetView must reproduce.

const utf8 = new TextDecoder("utf-8", { fatal: true });

function asText(bytes: Uint8Array): string | null {
  if (bytes.length < 4) return null;
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return null;
  }
  let printable = 0;
  let letters = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c >= 0x20 && c !== 0x7f) || c === 0x09 || c === 0x0a || c === 0x0d) printable++;
    if ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c > 0xbf) letters++;
  }
  if (printable < text.length * 0.95 || letters < Math.max(3, text.length * 0.1)) return null;
  return text;
}

function decodeBase32(s: string): Uint8Array {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  const clean = s.replace(/=+$/, "");
  const out = new Uint8Array(Math.floor((clean.length * 5) / 8));
  let bits = 0;
  let value = 0;
  let index = 0;
  for (let i = 0; i < clean.length; i++) {
    value = (value << 5) | alphabet.indexOf(clean[i] as string);
    bits += 5;
    if (bits >= 8) {
      out[index++] = (value >>> (bits - 8)) & 0xff;
      bits -= 8;
    }
  }
  return out.subarray(0, index);
}

function scan(
  text: string,
  re: RegExp,
  limits: DecodeLimits,
  out: DecodedView[],
  encoding: string,
  decode: (segment: string) => string | null,
): void {
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (out.length >= limits.maxSegments) return;
    const seg = m[0];
    if (seg.length > limits.maxSegment) continue;
    const decoded = decode(seg);
    if (decoded !== null && decoded !== seg)
      out.push({ encoding, text: decoded, start: m.index, end: m.index + seg.length });
  }
}

function referenceSegments(text: string, limits: DecodeLimits): DecodedView[] {
  const out: DecodedView[] = [];
  scan(text, /[A-Za-z0-9+/_-]{16,}={0,2}/g, limits, out, "base64", (seg) => {
    if (!/[0-9+/]/.test(seg) && !/[a-z]/.test(seg)) return null;
    return asText(Buffer.from(seg.replace(/-/g, "+").replace(/_/g, "/"), "base64"));
  });
  scan(text, /[A-Z2-7]{16,}={0,6}/g, limits, out, "base32", (seg) =>
    /[2-7]/.test(seg) ? asText(decodeBase32(seg)) : null,
  );
  scan(text, /(?:(?:0x|\\x)?[0-9a-fA-F]{2}[\s,:]?){8,}/g, limits, out, "hex", (seg) => {
    const hex = seg.replace(/0x|\\x|[\s,:]/g, "");
    return hex.length % 2 === 0 ? asText(Buffer.from(hex, "hex")) : null;
  });
  scan(text, /(?:%[0-9a-fA-F]{2}[^%\s]{0,3}){3,}/g, limits, out, "url", (seg) => {
    try {
      return decodeURIComponent(seg);
    } catch {
      return null;
    }
  });
  return out;
}

/** Text built from encoded payloads, near-misses and separators, so segments touch, nest and break in odd places. */
const payload = fc.string({
  unit: fc.constantFrom("a", "b", "Z", " ", "é", "€", "\n", "\u0001", "7", "ignore "),
  maxLength: 40,
});
const piece = fc.oneof(
  payload.map((s) => Buffer.from(s).toString("base64")),
  payload.map((s) => Buffer.from(s).toString("base64url")),
  payload.map((s) => Buffer.from(s).toString("base64").replace(/=+$/, "")),
  fc.uint8Array({ maxLength: 30 }).map((b) => Buffer.from(b).toString("base64")),
  payload.map((s) => {
    const bytes = Buffer.from(s);
    const a = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let bits = "";
    for (const b of bytes) bits += b.toString(2).padStart(8, "0");
    let out = "";
    for (let i = 0; i < bits.length; i += 5) out += a[Number.parseInt(bits.slice(i, i + 5).padEnd(5, "0"), 2)];
    return out + "=".repeat((8 - (out.length % 8)) % 8);
  }),
  fc
    .tuple(payload, fc.constantFrom("", " ", ",", ":", "\u00a0", "  ", "\n"), fc.constantFrom("", "0x", "\\x"))
    .map(([s, sep, prefix]) => [...Buffer.from(s)].map((b) => prefix + b.toString(16).padStart(2, "0")).join(sep)),
  payload.map((s) => encodeURIComponent(s).replace(/[a-z]/gi, (c) => `%${c.charCodeAt(0).toString(16)}`)),
  fc.string({ unit: fc.constantFrom(..."AZaz09+/-_=%x\\ ,:\u3000.Q3Ab7f"), maxLength: 30 }),
  fc.constantFrom(
    "internationalization",
    "well-known-long-hyphenated-word",
    "5166111184284168",
    "%2",
    "%zz",
    "0x",
    "==",
  ),
);
const text = fc.array(fc.tuple(piece, fc.constantFrom("", "", " ", "\n", "=", "%", "x", "é")), {
  maxLength: 12,
  size: "max",
});
const limits = fc.record({
  maxSegment: fc.integer({ min: 8, max: 200 }),
  maxSegments: fc.integer({ min: 1, max: 20 }),
});

test("decodeSegments equals the regex scans over the whole text (property)", () => {
  fc.assert(
    fc.property(text, limits, (parts, lim) => {
      const s = parts.map(([p, sep]) => p + sep).join("");
      assert.deepEqual(decodeSegments(s, lim), referenceSegments(s, lim));
    }),
    { numRuns: 3000 },
  );
});

test("decodeSegments equals the regex scans at segment edges", () => {
  const hex = (s: string, prefix = "", sep = "") =>
    [...Buffer.from(s)].map((b) => prefix + b.toString(16).padStart(2, "0")).join(sep);
  const b64 = Buffer.from("ignore all previous").toString("base64");
  const cases = [
    hex("ignore a"),
    `x ${hex("ignore a")}`,
    hex("ignore a", "\\x"),
    `zz    ${hex("ignore all", "\\x")}`,
    `${hex("ignore a", "0x", " ")}0x`,
    `${hex("ignore a", "", ":")}:\\x`,
    `${hex("ignore all")}0x41`,
    `${b64}===`,
    `${b64.slice(0, -1)}===`,
    `JBSWY3DPEBLW64TMMQ=======`,
    `JBSWY3DPEBLW64TMMQabc`,
    `${b64}${hex("ignore all")}`,
    `%69%67%6e%6f%72%65 %69%67%6e%6f%72%65%%69%67%6e`,
    `%69gn%6f%72e%20all`,
  ];
  for (const s of cases) {
    for (const lim of [
      { maxSegment: 262_144, maxSegments: 16 },
      { maxSegment: 16, maxSegments: 1 },
    ]) {
      assert.deepEqual(decodeSegments(s, lim), referenceSegments(s, lim), s);
    }
  }
  assert.equal(decodeSegments(hex("ignore a", "\\x"))[0]?.start, 0);
});

test("decodeSegments equals the regex scans on arbitrary strings (property)", () => {
  const unit = fc.constantFrom(..."AQIDBAUGBwgJ+/-_=0x\\ ,:%4a6F\u00a0\u2028GHZ27Qa");
  fc.assert(
    fc.property(fc.string({ unit, maxLength: 200, size: "max" }), limits, (s, lim) => {
      assert.deepEqual(decodeSegments(s, lim), referenceSegments(s, lim));
    }),
    { numRuns: 3000 },
  );
});

const ORDINAL_OR_UNIT = /^[0-9]*(?:1st|2nd|3rd|[0-9]th|[0-9](?:k|m|g|kg|km|cm|mm|ml|am|pm|gb|mb|kb|px|ms|s|x|d|h|v))$/i;

function referenceIsMixed(tok: string): boolean {
  const core = tok.replace(/[!+]+$/, "");
  return /[A-Za-z]/.test(core) && /[0-9@$!|+€]/.test(core) && !ORDINAL_OR_UNIT.test(core);
}

function referenceLeetView(text: string, minShare: number, denseShare: number): DecodedView | null {
  const tokens = text.match(/[A-Za-z0-9@$!|+€]+/g) ?? [];
  const mixed = tokens.filter(referenceIsMixed).length;
  if (mixed < 2 || mixed < tokens.length * minShare) return null;
  const dense = mixed >= tokens.length * denseShare;
  const out = text.replace(/[A-Za-z0-9@$!|+€]+/g, (tok) => {
    const core = tok.replace(/[!+]+$/, "");
    if (!/[0-9@$!|+€]/.test(core)) return tok;
    if (!referenceIsMixed(tok) && !(dense && /^[0-9]{1,3}$/.test(core))) return tok;
    let folded = "";
    for (const ch of core) folded += LEET[ch] ?? ch;
    return folded + tok.slice(core.length);
  });
  return { encoding: "leet", text: out, start: 0, end: text.length };
}

test("leetView equals the token regex definition (property)", () => {
  const token = fc.oneof(
    fc.string({ unit: fc.constantFrom(..."aZq013457@$!|+€"), minLength: 1, maxLength: 8 }),
    fc.constantFrom(
      "21st",
      "3rd",
      "10kg",
      "5pm",
      "Q3",
      "B2B",
      "1gn0r3",
      "wow!!",
      "+1",
      "!!",
      "4TH",
      "0x",
      "00s",
      "0th!",
    ),
  );
  const sep = fc.constantFrom(" ", "  ", ".", "-", "\n", "é", "");
  fc.assert(
    fc.property(
      fc.array(fc.tuple(token, sep), { maxLength: 30, size: "max" }),
      fc.double({ min: 0, max: 0.5, noNaN: true }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      (parts, minShare, denseShare) => {
        const s = parts.map(([t, sp]) => t + sp).join("");
        assert.deepEqual(leetView(s, minShare, denseShare), referenceLeetView(s, minShare, denseShare));
      },
    ),
    { numRuns: 3000 },
  );
});
