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

/** Reference token estimate: words (ASCII letters, digits, non-ASCII units) cost ceil(length / 4), symbols one. */
function referenceTokens(text: string): number {
  let tokens = 0;
  for (const m of text.matchAll(/[0-9A-Za-z\u0080-\uffff]+|[^ ]/g))
    tokens += /^[0-9A-Za-z\u0080-\uffff]/.test(m[0]) ? Math.ceil(m[0].length / 4) : 1;
  return tokens;
}

test("estimateTokens equals the reference definition (property)", () => {
  fc.assert(
    fc.property(
      fc.string({ unit: fc.constantFrom(..."ab Z9 _.\n\u007f\u0080é\u2013", "\u{1f600}"), maxLength: 80 }),
      (s) => {
        assert.equal(estimateTokens(s), referenceTokens(s));
      },
    ),
  );
  fc.assert(
    fc.property(fc.string({ unit: "binary", maxLength: 80 }), (s) =>
      assert.equal(estimateTokens(s), referenceTokens(s)),
    ),
  );
});

/** Reference invisible-char walk: one code point at a time. */
function referenceInvisible(text: string): { score: number; findings: { type: string; start: number; end: number }[] } {
  const kindOf = (cp: number): string | null => {
    if (cp >= 0xe0000 && cp <= 0xe007f) return "tag-character";
    if ([0x200b, 0x200c, 0x200d, 0x2060, 0x2061, 0x2062, 0x2063, 0x2064, 0xfeff].includes(cp)) return "zero-width";
    if ([0x180e, 0x034f, 0x115f, 0x1160, 0x3164, 0xffa0].includes(cp)) return "zero-width";
    if ((cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) || [0x200e, 0x200f, 0x061c].includes(cp)) {
      return "bidi-control";
    }
    if ((cp >= 0xfe00 && cp <= 0xfe0f) || (cp >= 0xe0100 && cp <= 0xe01ef)) return "variation-selector";
    return null;
  };
  const findings: { type: string; start: number; end: number }[] = [];
  let strong = 0;
  let weak = 0;
  for (let i = 0; i < text.length; ) {
    const cp = text.codePointAt(i) as number;
    const len = cp > 0xffff ? 2 : 1;
    const kind = kindOf(cp);
    if (kind !== null) {
      if (kind === "tag-character" || kind === "bidi-control") strong++;
      else weak++;
      const last = findings[findings.length - 1];
      if (last && last.type === kind && last.end === i && findings.length < 1000) last.end = i + len;
      else if (findings.length < 1000) findings.push({ type: kind, start: i, end: i + len });
    }
    i += len;
  }
  return { score: strong > 0 ? 1 : weak > 0 ? 0.8 : 0, findings };
}

test("invisible scanner equals the code-point walk (property)", () => {
  const units = fc.constantFrom(
    ..."a \u034e\u034f\u0350\u061c\u115f\u1160\u180e\u200a\u200b\u200f\u2010\u202a\u202e\u2060\u2064\u2065\u2066\u2069",
    ..."\u3164\ufdff\ufe00\ufe0f\ufeff\uffa0\ud800\udb40\udc00\udc7f\udc80\udcff\udd00\uddef\uddf0\udfff",
    "\u{e0041}",
    "\u{e0101}",
    "\u{1f600}",
  );
  const scanner = invisibleScanner();
  fc.assert(
    fc.property(fc.string({ unit: fc.oneof(units, fc.stringMatching(/^[a-z ]{1,20}$/)), maxLength: 60 }), (s) => {
      const r = scanner.scan(s, {});
      const want = referenceInvisible(s);
      assert.equal(r.score, want.score);
      assert.deepEqual(
        r.findings.map((f) => ({ type: f.type, start: f.start, end: f.end })),
        want.findings,
      );
    }),
    { numRuns: 2000 },
  );
});

const REFERENCE_SECRET_RULES: [string, RegExp, number][] = [
  ["aws-access-key", /\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[0-9A-Z]{16}\b/g, 0],
  [
    "aws-secret-key",
    /\baws_?(?:secret)?_?(?:access)?_?key\b["']?\s*[:=]\s*["']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])/gi,
    1,
  ],
  ["github-token", /\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b/g, 0],
  ["gitlab-token", /\bglpat-[A-Za-z0-9_-]{20,}\b/g, 0],
  ["slack-token", /\bxox[abposr]-[A-Za-z0-9-]{10,}\b/g, 0],
  ["slack-webhook", /https:\/\/hooks\.slack\.com\/services\/[A-Za-z0-9/]{20,}/g, 0],
  ["google-api-key", /\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/g, 0],
  ["stripe-key", /\b(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{16,}\b/g, 0],
  ["anthropic-key", /\bsk-ant-[A-Za-z0-9_-]{20,}/g, 0],
  ["openai-key", /\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}(?![A-Za-z0-9_-])/g, 0],
  ["npm-token", /\bnpm_[A-Za-z0-9]{36}\b/g, 0],
  ["sendgrid-key", /\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}\b/g, 0],
  ["twilio-key", /\bSK[0-9a-f]{32}\b/g, 0],
  ["jwt", /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, 0],
  [
    "private-key",
    /-----BEGIN (?:[A-Z0-9]+ )?PRIVATE KEY(?: BLOCK)?-----[\s\S]{0,8192}?(?:-----END (?:[A-Z0-9]+ )?PRIVATE KEY(?: BLOCK)?-----|$)/g,
    0,
  ],
  ["url-credentials", /\b[a-z][a-z0-9+.-]{1,20}:\/\/[^\s:/@]{1,64}:([^\s@/]{3,128})@[^\s/]+/gi, 1],
  ["azure-storage-key", /\bAccountKey=([A-Za-z0-9+/=]{60,100})/g, 1],
];

const REFERENCE_KEYWORD_VALUE =
  /\b(?:password|passwd|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|auth[_-]?key|client[_-]?secret|private[_-]?key|credential|bearer)\w{0,20}["']?\s{0,8}(?:[:=]|=>|\bis\b)?\s{0,8}["'`]?([A-Za-z0-9+/_.~!@#$%^&*-]{12,200})/gi;

/** Reference: every rule's regex run globally over the whole text, in rule order, then keyword-adjacent values. */
function referenceSecrets(text: string, max: number): { type: string; start: number; end: number }[] {
  const out: { type: string; start: number; end: number }[] = [];
  const add = (type: string, start: number, end: number) => {
    if (out.length >= max || out.some((f) => f.start <= start && f.end >= end)) return;
    out.push({ type, start, end });
  };
  for (const [type, re, group] of REFERENCE_SECRET_RULES) {
    for (const m of text.matchAll(re)) {
      const value = m[group] ?? m[0];
      const start = m.index + (group === 0 ? 0 : m[0].lastIndexOf(value));
      add(type, start, start + value.length);
    }
  }
  for (const m of text.matchAll(REFERENCE_KEYWORD_VALUE)) {
    const value = m[1] as string;
    if (!/[0-9]/.test(value) || !/[A-Za-z]/.test(value)) continue;
    const counts = new Map<string, number>();
    for (const ch of value) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    let h = 0;
    for (const c of counts.values()) h -= (c / value.length) * Math.log2(c / value.length);
    if (h < 3.2) continue;
    const start = m.index + m[0].lastIndexOf(value);
    add("high-entropy-secret", start, start + value.length);
  }
  return out.sort((a, b) => a.start - b.start);
}

test("findSecrets equals running every rule over the whole text (property)", () => {
  const piece = fc.oneof(
    fc.constantFrom(
      ..."AKIA ASIA ghp_ gho_ github_pat_ glpat- xoxb- xoxz- AIza sk_live_ rk_test_ sk-ant- sk- sk-proj- npm_ SG. SK eyJ .eyJ".split(
        " ",
      ),
      "https://hooks.slack.com/services/",
      "-----BEGIN PRIVATE KEY-----",
      "-----BEGIN RSA PRIVATE KEY-----",
      "-----END PRIVATE KEY-----",
      "://",
      "http",
      "ftp",
      "ws",
      "user:",
      ":",
      "@",
      "AccountKey=",
      "aws_secret_access_key=",
      "AWS_KEY: ",
      " ",
      "\n",
      "_",
      "-",
      ".",
      "/",
      "+",
      "=",
      "password = ",
      "token: ",
      "#$%",
    ),
    fc.stringMatching(/^[A-Za-z0-9]{0,45}$/),
    fc.stringMatching(/^[0-9a-f]{30,34}$/),
    fc.stringMatching(/^[A-Z0-9]{14,18}$/),
    fc
      .tuple(
        fc.stringMatching(/^[a-zA-Z0-9+.-]{1,23}$/),
        fc.stringMatching(/^[^\s:/@]{0,3}$/),
        fc.stringMatching(/^[^\s@/]{2,5}$/),
      )
      .map(([scheme, user, pass]) => `${scheme}://${user}:${pass}@h`),
  );
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 40 }), fc.integer({ min: 1, max: 6 }), (parts, max) => {
      const s = parts.join("");
      const strip = (fs: { type: string; start: number; end: number }[]) =>
        fs.map((f) => ({ type: f.type, start: f.start, end: f.end }));
      assert.deepEqual(strip(findSecrets(s)), strip(referenceSecrets(s, 200)));
      assert.deepEqual(strip(findSecrets(s, max)), strip(referenceSecrets(s, max)));
      // Texts dense with anchors take the global-scan fallback part way through.
      const dense = parts.join("_-SK://k-yJ").repeat(8);
      assert.deepEqual(strip(findSecrets(dense)), strip(referenceSecrets(dense, 200)));
    }),
    { numRuns: 3000 },
  );
});
