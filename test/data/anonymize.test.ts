/** Tests of the anonymisation operators, keys, file anonymisation and its inverse, and k-anonymity. */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { isWardenError } from "../../src/core/errors.ts";
import {
  anonymize,
  anonymizeFile,
  applyOperator,
  createKeyFile,
  deanonymize,
  deanonymizeFile,
  deriveKeys,
  detectPii,
  generalize,
  type KanonRow,
  kAnonymity,
  readCsv,
  readKeyFile,
} from "../../src/data/index.ts";

const isWardenErrorCode = (e: unknown, code: Parameters<typeof isWardenError>[1]): boolean => isWardenError(e, code);

const keys = deriveKeys(new Uint8Array(32).fill(7));
const otherKeys = deriveKeys(new Uint8Array(32).fill(8));

test("redact, replace, keep", () => {
  const text = "mail jane@example.com now";
  const ents = detectPii(text);
  assert.equal(anonymize(text, ents, { EMAIL_ADDRESS: { type: "redact" } }).text, "mail  now");
  assert.equal(anonymize(text, ents).text, "mail <EMAIL_ADDRESS> now");
  assert.equal(anonymize(text, ents, { DEFAULT: { type: "replace", value: "[x]" } }).text, "mail [x] now");
  assert.equal(anonymize(text, ents, { EMAIL_ADDRESS: { type: "keep" } }).text, text);
});

test("anonymize reports output spans and skips overlapping or out-of-range entities", () => {
  const text = "a 536-32-3065 b";
  const r = anonymize(text, [
    { type: "US_SSN", start: 2, end: 13, score: 1, text: "536-32-3065" },
    { type: "PHONE_NUMBER", start: 4, end: 9, score: 1, text: "6-32-" },
    { type: "X", start: 10, end: 99, score: 1, text: "" },
  ]);
  assert.equal(r.text, "a <US_SSN> b");
  assert.deepEqual(r.items, [{ type: "US_SSN", operator: "replace", start: 2, end: 10 }]);
  assert.equal(r.text.slice(r.items[0]!.start, r.items[0]!.end), "<US_SSN>");
});

test("mask keeps the last N letters/digits and the separators", () => {
  assert.equal(
    applyOperator({ type: "mask", keepLast: 4 }, "CREDIT_CARD", "4111 1111 1111 1234"),
    "**** **** **** 1234",
  );
  assert.equal(applyOperator({ type: "mask", keepLast: 0, char: "#" }, "US_SSN", "536-32-3065"), "###-##-####");
  assert.equal(applyOperator({ type: "mask", keepLast: 10 }, "X", "ab"), "ab");
});

test("salted SHA-256 hash: deterministic per salt, different across salts", () => {
  const h1 = applyOperator({ type: "hash", salt: "s1" }, "EMAIL_ADDRESS", "a@b.co");
  assert.match(h1, /^[0-9a-f]{64}$/);
  assert.equal(applyOperator({ type: "hash", salt: "s1" }, "EMAIL_ADDRESS", "a@b.co"), h1);
  assert.notEqual(applyOperator({ type: "hash", salt: "s2" }, "EMAIL_ADDRESS", "a@b.co"), h1);
});

test("HMAC pseudonyms are stable across runs under one key and differ across keys and types", () => {
  const raw = randomBytes(32);
  const p1 = applyOperator({ type: "pseudonym", keys: deriveKeys(raw) }, "PERSON", "Ann Smith");
  const p2 = applyOperator({ type: "pseudonym", keys: deriveKeys(Buffer.from(raw)) }, "PERSON", "Ann Smith");
  assert.match(p1, /^<PERSON_[0-9a-f]{16}>$/);
  assert.equal(p1, p2);
  assert.notEqual(applyOperator({ type: "pseudonym", keys: deriveKeys(randomBytes(32)) }, "PERSON", "Ann Smith"), p1);
  assert.notEqual(
    applyOperator({ type: "pseudonym", keys: deriveKeys(raw) }, "LOCATION", "Ann Smith").slice(-17),
    p1.slice(-17),
  );
});

test("AES-GCM encryption round trip; wrong key and tampering are refused", () => {
  const text = 'SSN 536-32-3065, mail "jane"@example.com é';
  const r = anonymize(text, detectPii(text), { DEFAULT: { type: "encrypt", keys } });
  assert.match(r.text, /<US_SSN:enc:[A-Za-z0-9_-]+>/);
  assert.ok(!r.text.includes("536-32-3065"));
  const back = deanonymize(r.text, keys);
  assert.equal(back.text, text);
  assert.equal(back.restored, r.items.length);
  assert.throws(
    () => deanonymize(r.text, otherKeys),
    (e) => isWardenErrorCode(e, "E_DECRYPT_FAILED"),
  );
  const token = /<US_SSN:enc:([A-Za-z0-9_-]+)>/.exec(r.text)![0];
  const swapped = token.replace("<US_SSN:", "<PHONE_NUMBER:");
  assert.throws(
    () => deanonymize(swapped, keys),
    (e) => isWardenErrorCode(e, "E_DECRYPT_FAILED"),
    "type is bound as AAD",
  );
  const flipped = `${token.slice(0, 20)}${token[20] === "A" ? "B" : "A"}${token.slice(21)}`;
  assert.throws(
    () => deanonymize(flipped, keys),
    (e) => isWardenErrorCode(e, "E_DECRYPT_FAILED"),
  );
  assert.notEqual(anonymize(text, detectPii(text), { DEFAULT: { type: "encrypt", keys } }).text, r.text, "random IVs");
});

test("generalisation: dates to year, ages to ranges, zip codes truncated", () => {
  assert.equal(generalize("1980-03-04", "date"), "1980");
  assert.equal(generalize("4/5/1975", "date"), "1975");
  assert.equal(generalize("no date", "date"), "*");
  assert.equal(generalize("34", "age"), "30-39");
  assert.equal(generalize("34", "age", { ageBucket: 5 }), "30-34");
  assert.equal(generalize("-3", "age"), "*");
  assert.equal(generalize("90210", "zip"), "902**");
  assert.equal(generalize("SW1A 1AA", "zip", { zipDigits: 2 }), "SW** ***");
});

test("key files: 32 random bytes, mode 0600, never overwritten, wrong size refused", async () => {
  const dir = await mkdtemp(join(tmpdir(), "warden-keys-"));
  try {
    const path = join(dir, "k.bin");
    await createKeyFile(path);
    assert.equal((await readKeyFile(path)).length, 32);
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    await assert.rejects(createKeyFile(path), (e) => isWardenErrorCode(e, "E_KEY_EXISTS"));
    await writeFile(join(dir, "short"), "abc");
    await assert.rejects(readKeyFile(join(dir, "short")), (e) => isWardenErrorCode(e, "E_KEY_TYPE"));
    await assert.rejects(readKeyFile(join(dir, "missing")), (e) => isWardenErrorCode(e, "E_KEY_NOT_FOUND"));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("CSV anonymisation with column generalisation and encryption round trip", async () => {
  const dir = await mkdtemp(join(tmpdir(), "warden-anon-"));
  try {
    const input = join(dir, "in.csv");
    await writeFile(input, 'name,email,dob,age,note\nAnn,ann@example.com,1980-03-04,34,"call 212-555-0199, ok"\n');
    const out = join(dir, "out.csv");
    const report = await anonymizeFile(input, out, {
      format: "csv",
      operators: { EMAIL_ADDRESS: { type: "encrypt", keys }, DEFAULT: { type: "replace" } },
      columns: { dob: { type: "generalize", kind: "date" }, age: { type: "generalize", kind: "age" } },
    });
    assert.deepEqual(report.replaced, { PERSON: 1, EMAIL_ADDRESS: 1, PHONE_NUMBER: 1 });
    const rows = [];
    for await (const r of readCsv(out)) rows.push(r.record);
    assert.equal(rows[0]!["dob"], "1980");
    assert.equal(rows[0]!["age"], "30-39");
    assert.equal(rows[0]!["name"], "<PERSON>");
    assert.equal(rows[0]!["note"], "call <PHONE_NUMBER>, ok");
    assert.match(rows[0]!["email"]!, /^<EMAIL_ADDRESS:enc:/);
    const back = join(dir, "back.csv");
    const d = await deanonymizeFile(out, back, keys, "csv");
    assert.equal(d.restored, 1);
    const restored = [];
    for await (const r of readCsv(back)) restored.push(r.record);
    assert.equal(restored[0]!["email"], "ann@example.com");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("JSONL and text anonymisation; deanonymize restores JSON-escaped values", async () => {
  const dir = await mkdtemp(join(tmpdir(), "warden-anon-"));
  try {
    const input = join(dir, "in.jsonl");
    await writeFile(input, `${JSON.stringify({ msg: 'he said "hi" at a@b.co', nested: { ip: "10.0.0.1" }, n: 3 })}\n`);
    await anonymizeFile(input, join(dir, "out.jsonl"), {
      format: "jsonl",
      operators: { DEFAULT: { type: "encrypt", keys } },
    });
    const out = JSON.parse(await readFile(join(dir, "out.jsonl"), "utf8"));
    assert.match(out.nested.ip, /^<IP_ADDRESS:enc:/);
    assert.equal(out.n, 3);
    await deanonymizeFile(join(dir, "out.jsonl"), join(dir, "back.jsonl"), keys, "jsonl");
    assert.deepEqual(
      JSON.parse(await readFile(join(dir, "back.jsonl"), "utf8")),
      JSON.parse(await readFile(input, "utf8")),
    );

    const text = join(dir, "in.txt");
    await writeFile(text, "line one a@b.co\nSSN 536-32-3065\n".repeat(3));
    const r = await anonymizeFile(text, join(dir, "out.txt"), { format: "text", operators: {} });
    assert.equal(r.records, 6);
    assert.equal(await readFile(join(dir, "out.txt"), "utf8"), "line one <EMAIL_ADDRESS>\nSSN <US_SSN>\n".repeat(3));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("JSONL keys are cell context and operator columns; TSV round trip counts records", async () => {
  const dir = await mkdtemp(join(tmpdir(), "warden-anon-"));
  try {
    const input = join(dir, "in.jsonl");
    const rec = { name: "Bob Jones", age: 34, tags: ["a@b.co", 7], none: null };
    await writeFile(input, `${JSON.stringify(rec)}\n${JSON.stringify(rec)}\n`);
    const report = await anonymizeFile(input, join(dir, "out.jsonl"), {
      format: "jsonl",
      operators: {},
      columns: { age: { type: "generalize", kind: "age" } },
    });
    assert.equal(report.records, 2);
    assert.deepEqual(report.columns, { age: 2 });
    assert.deepEqual(report.replaced, { PERSON: 2, EMAIL_ADDRESS: 2 });
    const lines = (await readFile(join(dir, "out.jsonl"), "utf8")).trim().split("\n");
    assert.deepEqual(JSON.parse(lines[0]!), {
      name: "<PERSON>",
      age: "30-39",
      tags: ["<EMAIL_ADDRESS>", 7],
      none: null,
    });

    const tsv = join(dir, "in.tsv");
    await writeFile(tsv, "id\temail\r\n1\tann@example.com\r\n2\tbo@example.org\r\n"); // RFC 4180 line ends, as written
    const enc = join(dir, "out.tsv");
    const r = await anonymizeFile(tsv, enc, { format: "tsv", operators: { DEFAULT: { type: "encrypt", keys } } });
    assert.equal(r.records, 2);
    const back = join(dir, "back.tsv");
    assert.deepEqual(await deanonymizeFile(enc, back, keys, "tsv"), { file: enc, out: back, records: 2, restored: 2 });
    assert.equal(await readFile(back, "utf8"), await readFile(tsv, "utf8"));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("a malformed input leaves no output and no temporary file behind", async () => {
  const dir = await mkdtemp(join(tmpdir(), "warden-anon-"));
  try {
    const input = join(dir, "bad.csv");
    await writeFile(input, `a,b\n${"1,x@y.co\n".repeat(5000)}1,2,3\n`);
    await assert.rejects(anonymizeFile(input, join(dir, "out.csv"), { format: "csv", operators: {} }), (e) =>
      isWardenErrorCode(e, "E_DATA_PARSE"),
    );
    assert.deepEqual(await readdir(dir), ["bad.csv"]);
    await assert.rejects(
      anonymizeFile(input, join(dir, "out.csv"), {
        format: "csv",
        operators: {},
        columns: { nope: { type: "redact" } },
      }),
      (e) => isWardenErrorCode(e, "E_USAGE"),
    );
    assert.deepEqual(await readdir(dir), ["bad.csv"]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

async function* rowsOf(records: Record<string, string>[]): AsyncGenerator<KanonRow> {
  let line = 1;
  for (const record of records) yield { line: ++line, record };
}

test("k-anonymity on a generated table", async () => {
  const records: Record<string, string>[] = [];
  for (let i = 0; i < 40; i++) records.push({ age: String(20 + (i % 4) * 10 + (i % 3)), zip: `9021${i % 2}`, x: "v" });
  records.push({ age: "77", zip: "10001", x: "v" });
  const plain = await kAnonymity(rowsOf(records), { quasi: ["age", "zip"], k: 5 });
  assert.equal(plain.rows, 41);
  assert.equal(plain.satisfied, false);
  assert.equal(plain.achievedK, 1);
  const general = await kAnonymity(rowsOf(records), {
    quasi: ["age", "zip"],
    k: 5,
    generalize: { age: "age", zip: "zip" },
  });
  assert.equal(general.classes, 5);
  assert.equal(general.achievedK, 1);
  assert.equal(general.violatingRows, 1);
  assert.deepEqual(general.violations, [{ values: { age: "70-79", zip: "100**" }, count: 1, lines: [42] }]);
  const ok = await kAnonymity(rowsOf(records.slice(0, 40)), {
    quasi: ["age", "zip"],
    k: 5,
    generalize: { age: "age", zip: "zip" },
  });
  assert.equal(ok.satisfied, true);
  assert.equal(ok.achievedK, 10);
  await assert.rejects(kAnonymity(rowsOf(records), { quasi: ["nope"], k: 2 }), (e) => isWardenErrorCode(e, "E_USAGE"));
});
