/** Tests of the PII recognisers (true positives and near-miss negatives), context scoring and detectPii invariants. */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { test } from "node:test";
import fc from "fast-check";
import { detectPii, type PiiEntity } from "../../src/data/index.ts";
import { detectWith } from "../../src/data/pii/engine.ts";

const types = (text: string, opts = {}): string[] => detectPii(text, opts).map((e) => `${e.type}:${e.text}`);
const has = (text: string, type: string, value: string): boolean =>
  detectPii(text).some((e) => e.type === type && e.text === value);

test("email addresses", () => {
  assert.ok(has("write to jane.doe+tag@example.co.uk today", "EMAIL_ADDRESS", "jane.doe+tag@example.co.uk"));
  assert.ok(!detectPii("not an email: jane@localhost or @example.com").some((e) => e.type === "EMAIL_ADDRESS"));
  assert.ok(!detectPii("bad .jane@example.com").some((e) => e.text === ".jane@example.com"));
});

test("credit cards need a valid Luhn check digit", () => {
  assert.ok(has("card 4111 1111 1111 1111 exp", "CREDIT_CARD", "4111 1111 1111 1111"));
  assert.ok(has("pan: 5500-0000-0000-0004", "CREDIT_CARD", "5500-0000-0000-0004"));
  assert.ok(has("amex 378282246310005", "CREDIT_CARD", "378282246310005"));
  assert.ok(!detectPii("card 4111 1111 1111 1112").some((e) => e.type === "CREDIT_CARD"), "bad Luhn");
  assert.ok(!detectPii("card 4111-1111 1111-1111").some((e) => e.type === "CREDIT_CARD"), "mixed separators");
  assert.ok(!detectPii("id 0000000000000000").some((e) => e.type === "CREDIT_CARD"), "all one digit");
});

test("IBANs need the registry length and mod-97", () => {
  assert.ok(has("IBAN DE89 3704 0044 0532 0130 00, thanks", "IBAN_CODE", "DE89 3704 0044 0532 0130 00"));
  assert.ok(has("to GB82WEST12345698765432.", "IBAN_CODE", "GB82WEST12345698765432"));
  assert.ok(has("iban gb82west12345698765432", "IBAN_CODE", "gb82west12345698765432"));
  assert.ok(!detectPii("IBAN GB83WEST12345698765432").some((e) => e.type === "IBAN_CODE"), "bad checksum");
  assert.ok(!detectPii("IBAN DE89370400440532013").some((e) => e.type === "IBAN_CODE"), "wrong length");
  assert.ok(!detectPii("code QQ82WEST12345698765432").some((e) => e.type === "IBAN_CODE"), "unknown country");
});

test("US SSNs skip the invalid ranges", () => {
  assert.ok(has("SSN: 536-32-3065", "US_SSN", "536-32-3065"));
  assert.equal(detectPii("my ssn is 536-32-3065")[0]?.score, 0.85, "context raises the score");
  for (const bad of ["000-12-3456", "666-12-3456", "912-12-3456", "536-00-3065", "536-32-0000", "078-05-1120"]) {
    assert.ok(!detectPii(`SSN ${bad}`).some((e) => e.type === "US_SSN"), bad);
  }
  assert.ok(!detectPii("SSN 536-32 3065").some((e) => e.type === "US_SSN"), "mixed separators");
  assert.ok(!detectPii("the order 536323065 shipped").some((e) => e.type === "US_SSN"), "bare digits need context");
  assert.ok(has("social security number 536323065", "US_SSN", "536323065"));
});

test("IPv4 and IPv6 addresses", () => {
  assert.ok(has("host 192.168.1.20 is down", "IP_ADDRESS", "192.168.1.20"));
  assert.ok(has("addr 2001:db8::8a2e:370:7334 ok", "IP_ADDRESS", "2001:db8::8a2e:370:7334"));
  assert.ok(has("d80:e4b5:79da:6cf6:71f3:51f7:9161:c319", "IP_ADDRESS", "d80:e4b5:79da:6cf6:71f3:51f7:9161:c319"));
  assert.ok(!detectPii("ip 256.1.1.1").some((e) => e.type === "IP_ADDRESS"), "octet > 255");
  assert.ok(!detectPii("version 1.2.3.4.5").some((e) => e.type === "IP_ADDRESS"), "longer dotted number");
  assert.ok(!detectPii("at 14:56:41 sharp").some((e) => e.type === "IP_ADDRESS"), "clock time");
  assert.ok(!detectPii("bad 2001:db8:::1").some((e) => e.type === "IP_ADDRESS"), "triple colon");
});

test("MAC addresses", () => {
  assert.ok(has("mac 00:1A:2B:3C:4D:5E", "MAC_ADDRESS", "00:1A:2B:3C:4D:5E"));
  assert.ok(has("nic 001a.2b3c.4d5e up", "MAC_ADDRESS", "001a.2b3c.4d5e"));
  assert.ok(!detectPii("x 00:1A-2B:3C:4D:5E").some((e) => e.type === "MAC_ADDRESS"), "mixed separators");
});

test("URLs", () => {
  assert.ok(has("see https://example.com/a?b=1.", "URL", "https://example.com/a?b=1"));
  assert.ok(has("(www.example.org/x)", "URL", "www.example.org/x"));
  assert.ok(!detectPii("http://localhost").some((e) => e.type === "URL"), "no dotted host");
});

test("phone numbers", () => {
  assert.ok(has("call +44 20 7946 0958 now", "PHONE_NUMBER", "+44 20 7946 0958"));
  assert.ok(has("office (212) 555-0100 x12", "PHONE_NUMBER", "(212) 555-0100 x12"));
  assert.ok(has("reach me on 089 72 63 41", "PHONE_NUMBER", "089 72 63 41"));
  assert.ok(!detectPii("we sold 089 72 63 41 units").some((e) => e.type === "PHONE_NUMBER"), "weak shape, no context");
  assert.ok(!detectPii("phone 12-34").some((e) => e.type === "PHONE_NUMBER"), "too few digits");
  assert.ok(!detectPii("phone 1993-01-04").some((e) => e.type === "PHONE_NUMBER"), "a date");
});

test("crypto wallets need valid checksums", () => {
  assert.ok(has("btc 1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", "CRYPTO", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"));
  assert.ok(has("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", "CRYPTO", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"));
  assert.ok(
    has("eth 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "CRYPTO", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"),
  );
  assert.ok(!detectPii("btc 1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3").some((e) => e.type === "CRYPTO"), "bad base58check");
  assert.ok(!detectPii("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdr").some((e) => e.type === "CRYPTO"), "bad bech32");
  assert.ok(!detectPii("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD").some((e) => e.type === "CRYPTO"), "bad EIP-55");
});

test("dates: valid calendar dates; birth context raises the score", () => {
  assert.ok(has("It's 3/23/1940", "DATE_TIME", "3/23/1940"));
  assert.ok(has("on 12 March 1990 we", "DATE_TIME", "12 March 1990"));
  assert.ok(has("When: 1993-01-04 14:56:41", "DATE_TIME", "1993-01-04 14:56:41"));
  assert.equal(detectPii("born on 2/7/1961")[0]?.score, 0.85);
  assert.ok(!detectPii("on 13/13/1990").some((e) => e.type === "DATE_TIME"), "no month 13");
  assert.ok(!detectPii("on 1999-02-30").some((e) => e.type === "DATE_TIME"), "no 30 February");
});

test("passport and licence numbers need context", () => {
  assert.ok(has("my passport number is 12AB34567", "PASSPORT", "12AB34567"));
  assert.ok(has("Reisepass C01X00T47", "PASSPORT", "C01X00T47"));
  assert.ok(!detectPii("order 12AB34567 shipped").some((e) => e.type === "PASSPORT"));
  assert.ok(has("My driver's license number is LH329609T", "DRIVER_LICENSE", "LH329609T"));
  assert.ok(has("licence MORGA753116SM9IJ", "DRIVER_LICENSE", "MORGA753116SM9IJ"));
  assert.ok(!detectPii("invoice A5631933 paid").some((e) => e.type === "DRIVER_LICENSE"));
});

test("API keys and secrets", () => {
  assert.ok(has("aws AKIAIOSFODNN7EXAMPLE", "SECRET", "AKIAIOSFODNN7EXAMPLE"));
  assert.ok(has(`t ghp_${"a1B2".repeat(9)}`, "SECRET", `ghp_${"a1B2".repeat(9)}`));
  assert.ok(has("api_key = 'Zx9Qw8Er7Ty6'", "SECRET", "Zx9Qw8Er7Ty6"));
  assert.ok(has("password: hunter22", "SECRET", "hunter22"));
  const pem =
    "-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\n-----END RSA PRIVATE KEY-----";
  assert.ok(has(`key:\n${pem}\n`, "SECRET", pem));
  assert.ok(!detectPii("password: changeme").some((e) => e.type === "SECRET"), "placeholder");
  assert.ok(!detectPii("api_key = aaaaaaaaaaaa").some((e) => e.type === "SECRET"), "low entropy");
});

test("person names and locations (gazetteer and capitalisation)", () => {
  const found = types("It's under my partner's name Donald van der Voet, who lives in Austria.");
  assert.ok(found.includes("PERSON:Donald van der Voet"), found.join());
  assert.ok(found.includes("LOCATION:Austria"), found.join());
  assert.ok(types("Dear Mr. Zyxwarth, welcome").includes("PERSON:Zyxwarth"), "honorific trigger");
  assert.ok(types("Her maiden name is Vrelkowa.").includes("PERSON:Vrelkowa"), "'name is' in cased text");
  assert.ok(types("My name is Zyxwarth Qolmby and I need help").includes("PERSON:Zyxwarth Qolmby"));
  assert.deepEqual(types("The file name is Report.pdf"), [], "a file name is not a person (no capitalised run)");
  assert.deepEqual(types("The report is due on the third of the month."), []);
});

test("whole-text context (a column name) boosts matches and names short cells", () => {
  assert.deepEqual(types("Bob Jones", { context: "customer_name" }), ["PERSON:Bob Jones"]);
  assert.deepEqual(types("Springfield", { context: "City" }), ["LOCATION:Springfield"]);
  assert.deepEqual(types("Bob Jones"), []);
  assert.deepEqual(types("the big one", { context: "name" }), []);
  assert.deepEqual(types("089 72 63 41", { context: "mobilePhone" }), ["PHONE_NUMBER:089 72 63 41"]);
  assert.deepEqual(types("089 72 63 41"), []);
});

test("options: entity filter and score threshold", () => {
  const text = "mail a@b.co, SSN 536-32-3065";
  assert.deepEqual(types(text, { entities: ["US_SSN"] }), ["US_SSN:536-32-3065"]);
  assert.ok(detectPii(text, { minScore: 0.9 }).every((e) => e.score >= 0.9));
  assert.ok(
    detectPii("order 536323065", { minScore: 0 }).some((e) => e.type === "US_SSN"),
    "weak match at 0",
  );
});

test("offsets are UTF-16 indices, also after astral characters", () => {
  const text = "😀😀 é mail jane@example.com";
  const e = detectPii(text).find((x) => x.type === "EMAIL_ADDRESS");
  assert.ok(e);
  assert.equal(text.slice(e.start, e.end), "jane@example.com");
});

function checkInvariants(text: string, out: PiiEntity[]): void {
  let last = 0;
  for (const e of out) {
    assert.ok(Number.isInteger(e.start) && Number.isInteger(e.end));
    assert.ok(e.start >= last && e.start < e.end && e.end <= text.length, JSON.stringify(e));
    assert.equal(e.text, text.slice(e.start, e.end));
    assert.ok(e.score >= 0.5 && e.score <= 1);
    last = e.end;
  }
}

test("detectPii never throws and returns sorted, in-bounds, non-overlapping spans (fast-check)", () => {
  const piece = fc.oneof(
    fc.string({ unit: "grapheme", maxLength: 30 }),
    fc.constantFrom(
      " 4111 1111 1111 1111 ",
      "a@b.co",
      " 536-32-3065",
      "10.0.0.1",
      " Maria Garcia ",
      "\n",
      "+1 212 555 0100",
    ),
    fc.string({ unit: fc.constantFrom("1", "2", "-", " ", ".", ":", "a", "F", "@", "(", ")", "+"), maxLength: 40 }),
  );
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 12 }), (parts) => {
      const text = parts.join("");
      checkInvariants(text, detectPii(text));
    }),
    { numRuns: 400 },
  );
});

test("the windowed prefilter finds exactly what whole-text scanning finds (fast-check)", () => {
  const planted = fc.constantFrom(
    "4111 1111 1111 1111",
    "5500-0000-0000-0004",
    "378282246310005",
    "GB82 WEST 1234 5698 7654 32",
    "gb82west12345698765432",
    "DE89 3704 0044 0532 0130 00",
    "536-32-3065",
    "536 32 3065",
    "536323065",
    " 87654321 ",
    "123456789012345",
    "192.168.1.20",
    "10.0.0.1",
    "(212) 555-0100 x12",
    "+44 20 7946 0958",
    "089 72 63 41",
    "+1 212 555 0100 ext. 7",
    "jane.doe+tag@example.co.uk",
    "a@b.co",
    "o'neil@mail.example.org",
    "3/23/1940",
    "00:1A:2B:3C:4D:5E",
    "ssn",
    "phone",
    "iban",
  );
  const tricky = fc.string({
    unit: fc.constantFrom("0", "1", "4", "9", " ", "-", ".", "(", ")", "+", "x", "e", "t", "@", "a", "G", "B", "_"),
    maxLength: 40,
  });
  const other = fc.string({ unit: fc.constantFrom("\n", "\t", "é", "\u0000", "/", ":", "'", "Z", "ß"), maxLength: 4 });
  const text = fc.array(fc.oneof(planted, tricky, other, fc.string({ unit: "grapheme", maxLength: 12 })), {
    maxLength: 16,
  });
  fc.assert(
    fc.property(text, fc.constantFrom(0, 0.5), (parts, minScore) => {
      const t = parts.join("");
      assert.deepEqual(detectWith(t, { minScore }, true), detectWith(t, { minScore }, false), JSON.stringify(t));
    }),
    { numRuns: 600 },
  );
});

const dataset = new URL("../../../shared/datasets/pii/train.jsonl", import.meta.url);
test("span-level F1 >= 0.95 on the presidio-research synthetic set for the identifier types", {
  skip: existsSync(dataset) ? false : "../shared/datasets/pii/train.jsonl not present",
}, () => {
  const rows = readFileSync(dataset, "utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as { text: string; spans: { start: number; end: number; entity: string }[] });
  const want = ["EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "US_SSN", "IP_ADDRESS"];
  const c = Object.fromEntries(want.map((t) => [t, { tp: 0, fp: 0, fn: 0 }]));
  for (const r of rows) {
    const pred = detectPii(r.text, { entities: want });
    for (const g of r.spans.filter((s) => want.includes(s.entity))) {
      const hit = pred.some((p) => p.type === g.entity && p.start === g.start && p.end === g.end);
      c[g.entity]![hit ? "tp" : "fn"]++;
    }
    for (const p of pred) {
      if (!r.spans.some((g) => g.entity === p.type && g.start === p.start && g.end === p.end)) c[p.type]!.fp++;
    }
  }
  for (const [t, { tp, fp, fn }] of Object.entries(c)) {
    const f1 = (2 * tp) / (2 * tp + fp + fn);
    assert.ok(f1 >= 0.95, `${t}: F1 ${f1.toFixed(3)} (tp ${tp}, fp ${fp}, fn ${fn})`);
  }
});
