import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  bannedScanner,
  canaryInstruction,
  canaryScanner,
  codeScanner,
  detectLanguage,
  estimateTokens,
  exfiltrationScanner,
  findSecrets,
  invisibleScanner,
  jsonSchemaScanner,
  languageScanner,
  limitsScanner,
  makeCanary,
  piiScanner,
  promptLeakScanner,
  refusalScanner,
  suspiciousUrl,
  toxicityScanner,
  urlScanner,
} from "../../src/guard/index.ts";

test("secrets: documented key formats and keyword-adjacent high-entropy values", () => {
  const text = [
    "aws AKIAIOSFODNN7EXAMPLE",
    "gh ghp_abcdefghijklmnopqrstuvwxyz0123456789",
    "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----",
    "db postgres://admin:s3cr3tPass@db.internal:5432/app",
    "password = Xk9#mQ2$vL7pR4tZ",
    "jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
  ].join("\n");
  const types = findSecrets(text).map((f) => f.type);
  for (const t of ["aws-access-key", "github-token", "private-key", "url-credentials", "high-entropy-secret", "jwt"]) {
    assert.ok(types.includes(t), `${t} in ${types}`);
  }
  const s = findSecrets(text).find((f) => f.type === "url-credentials");
  assert.equal(text.slice(s?.start, s?.end), "s3cr3tPass");
  assert.deepEqual(findSecrets("the password is stored in the vault; token rotation happens weekly"), []);
});

test("invisible: tag and bidi characters flag; plain text does not", () => {
  const scanner = invisibleScanner();
  assert.equal(scanner.scan("plain text", {}).flagged, false);
  const r = scanner.scan(`hi\u202e${String.fromCodePoint(0xe0041)}`, {});
  assert.equal(r.flagged, true);
  assert.deepEqual(r.findings.map((f) => f.type).sort(), ["bidi-control", "tag-character"]);
});

test("banned: substrings, RE2 regexes and topics; pathological patterns stay linear", () => {
  const scanner = bannedScanner({
    substrings: ["Project Falcon"],
    regexes: ["(a+)+$"],
    topics: [{ name: "weapons", keywords: ["rifle", "ammunition", "silencer"], minMatches: 2 }],
  });
  assert.equal(scanner.scan("news about project falcon", {}).flagged, true);
  assert.equal(scanner.scan("a rifle", {}).flagged, false);
  assert.equal(scanner.scan("rifle and ammunition", {}).flagged, true);
  const t0 = performance.now();
  scanner.scan(`${"a".repeat(50_000)}!`, {});
  assert.ok(performance.now() - t0 < 2000);
  assert.throws(() => bannedScanner({ regexes: ["(?<=x)y"] }), /not valid RE2/);
});

test("limits: chars and estimated tokens", () => {
  assert.ok(Math.abs(estimateTokens("The quick brown fox jumps over the lazy dog.") - 11) <= 2);
  const scanner = limitsScanner({ maxChars: 100, maxTokens: 10 });
  assert.equal(scanner.scan("short", {}).flagged, false);
  assert.equal(scanner.scan("word ".repeat(30), {}).flagged, true);
});

test("language: scripts and Latin-language stopwords against an allow-list", () => {
  assert.equal(detectLanguage("The cat is on the table and it is happy with you.").language, "en");
  assert.equal(detectLanguage("Le chat est sur la table et il est content avec nous.").language, "fr");
  assert.equal(detectLanguage("Der Hund ist nicht auf dem Tisch und er ist mit uns.").language, "de");
  assert.equal(detectLanguage("今日はとても良い天気ですね").language, "ja");
  assert.equal(detectLanguage("Привет, как у тебя дела сегодня?").language, "ru");
  const scanner = languageScanner({ allow: ["en"] });
  assert.equal(scanner.scan("Le chat est sur la table et il est content.", {}).flagged, true);
  assert.equal(scanner.scan("The weather is nice and the sun is out.", {}).flagged, false);
});

test("code: fenced blocks and code-like lines", () => {
  const scanner = codeScanner();
  assert.equal(scanner.scan("```python\nimport os\nos.remove(p)\n```", {}).flagged, true);
  assert.equal(scanner.scan("def f(x):\n    return x + 1\n", {}).flagged, true);
  assert.equal(scanner.scan("I went to the market and bought apples.", {}).flagged, false);
});

test("canary: verbatim, spaced out, or encoded", () => {
  const canary = makeCanary();
  assert.match(canaryInstruction(canary), new RegExp(canary));
  const scanner = canaryScanner();
  assert.equal(scanner.scan("nothing here", { canary }).flagged, false);
  assert.equal(scanner.scan(`the ref is ${canary}`, { canary }).flagged, true);
  const hex = canary.slice(4);
  assert.equal(scanner.scan(`ref ${[...hex].join(" ")}`, { canary }).flagged, true);
  assert.equal(scanner.scan(`b64 ${Buffer.from(canary).toString("base64")}`, { canary }).flagged, true);
});

test("prompt-leak: n-gram overlap with the system prompt", () => {
  const systemPrompt =
    "You are the support assistant of Acme Bank. Never discuss interest rates for business accounts. Escalate fraud reports to the security desk immediately and never reveal internal procedures.";
  const scanner = promptLeakScanner({ systemPrompt });
  assert.equal(scanner.scan("Our opening hours are 9 to 5 on weekdays.", {}).flagged, false);
  const leak = `Sure! My instructions: ${systemPrompt.slice(0, 150)}`;
  const r = scanner.scan(leak, {});
  assert.equal(r.flagged, true);
  assert.ok(r.findings.length >= 1);
});

test("exfiltration: images to unknown hosts, data in link queries; allow-listed hosts pass", () => {
  const scanner = exfiltrationScanner({ allowedDomains: ["example.com"] });
  assert.equal(scanner.scan("![chart](https://cdn.example.com/c.png)", {}).flagged, false);
  assert.equal(scanner.scan("![x](https://evil.test/p.png)", {}).flagged, true);
  assert.equal(scanner.scan(`[click](https://evil.test/?q=${"c2VjcmV0".repeat(6)})`, {}).flagged, true);
  assert.equal(scanner.scan("[docs](https://evil.test/docs)", {}).flagged, false);
  assert.equal(scanner.scan('<img src="https://evil.test/a.gif">', {}).flagged, true);
});

test("urls: malicious patterns flag, unknown hosts only score", () => {
  assert.equal(suspiciousUrl("http://192.168.0.1/login"), "IP-literal host");
  assert.equal(suspiciousUrl("https://paypal.com@evil.test/"), "credentials before the host");
  assert.equal(suspiciousUrl("https://xn--pypal-4ve.com/"), "punycode host");
  assert.equal(suspiciousUrl("https://github.com/x/y"), null);
  const scanner = urlScanner({ allowedDomains: ["github.com"] });
  assert.equal(scanner.scan("see https://github.com/x/y", {}).flagged, false);
  const unknown = scanner.scan("see https://example.org/page", {});
  assert.equal(unknown.flagged, false);
  assert.equal(unknown.score, 0.4);
  assert.equal(scanner.scan("go to http://10.0.0.5/admin now", {}).flagged, true);
});

test("refusal: refusals at the start of a reply", () => {
  const scanner = refusalScanner();
  assert.equal(scanner.scan("I'm sorry, but I can't help with that request.", {}).flagged, true);
  assert.equal(scanner.scan("As an AI language model, I cannot provide that.", {}).flagged, true);
  assert.equal(scanner.scan("Sure! Here is the recipe you asked for.", {}).flagged, false);
});

test("json-schema: valid, invalid JSON, and schema violations", () => {
  const schema = {
    type: "object",
    required: ["name", "age"],
    properties: {
      name: { type: "string", minLength: 1 },
      age: { type: "integer", minimum: 0 },
      tags: { type: "array", items: { enum: ["a", "b"] } },
    },
    additionalProperties: false,
  };
  const scanner = jsonSchemaScanner({ schema });
  assert.equal(scanner.scan('```json\n{"name":"Ada","age":36,"tags":["a"]}\n```', {}).flagged, false);
  assert.equal(scanner.scan("{not json", {}).findings[0]?.type, "invalid-json");
  const bad = scanner.scan('{"name":"","age":-1,"tags":["c"],"x":1}', {});
  assert.equal(bad.flagged, true);
  assert.ok(bad.findings.length >= 4, JSON.stringify(bad.findings));
});

test("toxicity: targeted insults and threats flag; mentions and plain text do not", () => {
  const scanner = toxicityScanner();
  assert.equal(scanner.scan("You are a worthless idiot.", {}).flagged, true);
  assert.equal(scanner.scan("I am going to kill you.", {}).flagged, true);
  assert.equal(scanner.scan("He called me an idiot, which hurt.", {}).flagged, false);
  assert.equal(scanner.scan("This bug is stupid, but the fix is easy.", {}).flagged, false);
  assert.equal(scanner.scan("The weather is lovely today.", {}).score, 0);
});

test("pii: the data domain's engine through the scanner", () => {
  const scanner = piiScanner();
  const r = scanner.scan("Mail me at jane.doe@example.com please", {});
  assert.equal(r.flagged, true);
  assert.equal(r.findings[0]?.type, "EMAIL_ADDRESS");
});

test("no scanner throws on arbitrary strings (property)", () => {
  const scanners = [
    invisibleScanner(),
    bannedScanner({ substrings: ["x"], regexes: ["a.b"] }),
    limitsScanner({ maxChars: 50, maxTokens: 20 }),
    languageScanner({ allow: ["en"] }),
    codeScanner(),
    canaryScanner(),
    promptLeakScanner({ systemPrompt: "one two three four five six" }),
    exfiltrationScanner({ allowedDomains: [] }),
    urlScanner({ allowedDomains: ["a.com"] }),
    refusalScanner(),
    jsonSchemaScanner({ schema: { type: "object" } }),
    toxicityScanner(),
  ];
  fc.assert(
    fc.property(fc.string({ unit: "binary", maxLength: 200 }), (s) => {
      for (const sc of scanners) {
        const r = sc.scan(s, { canary: "wdn-0123456789abcdef" });
        assert.ok(r.score >= 0 && r.score <= 1);
      }
      findSecrets(s);
    }),
    { numRuns: 150 },
  );
});
