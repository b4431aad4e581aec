import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { test } from "node:test";
import fc from "fast-check";
import { collapse } from "../../src/guard/features.ts";
import { readLabelledJsonl } from "../../src/guard/index.ts";
import { normalizeText } from "../../src/guard/normalize.ts";
import { matchSignatures, SIGNATURES, symbolBursts, widenedForRe2 } from "../../src/guard/signatures.ts";

/** The definition the RE2 prefilter must not change: every family's JavaScript regex run over the whole text. */
function everySignature(collapsed: string) {
  const hits = [];
  for (const sig of SIGNATURES) {
    const re = new RegExp(sig.re.source, "g");
    let n = 0;
    for (let m = re.exec(collapsed); m !== null && n < 32; m = re.exec(collapsed)) {
      hits.push({
        family: sig.family,
        kind: sig.kind,
        score: sig.score,
        start: m.index,
        end: m.index + m[0].length,
        ...(sig.docOnly ? { docOnly: true } : {}),
      });
      n++;
    }
  }
  return [...hits, ...symbolBursts(collapsed)];
}

/** Words and delimiters the signatures are made of, to build texts that come close to matching. */
const PIECES = [
  ...new Set(
    SIGNATURES.flatMap((s) => s.re.source.match(/[a-z0-9'<>|_:\][#.-]{2,}/g) ?? []).filter((w) => !w.includes("\\")),
  ),
  " ",
  " ",
  ": ",
  "\r",
  "\n",
  "é",
  "🔓",
  "(",
  "encoded string: ",
  "decoded string:",
];

test("a long text's max representable repetition is widened, nothing else changes", () => {
  assert.equal(widenedForRe2(/a{0,4000}?b{2,5}/), "a{0,}?b{2,5}");
  assert.equal(widenedForRe2(/x{1,1000}/), "x{1,1000}");
});

test("the RE2 prefilter never hides a signature hit (property)", () => {
  fc.assert(
    fc.property(
      fc.array(fc.oneof(fc.constantFrom(...PIECES), fc.string({ maxLength: 6 })), { maxLength: 60 }),
      (parts) => {
        const text = parts.join(" ");
        assert.deepEqual(matchSignatures(text), everySignature(text));
      },
    ),
    { numRuns: 3000 },
  );
});

const dir = new URL("../../../shared/datasets/prompt-attacks/", import.meta.url);
test("the RE2 prefilter gives the same hits on every dev row", {
  skip: !existsSync(new URL("dev.jsonl", dir)) && "no ../shared/datasets/prompt-attacks/dev.jsonl",
}, () => {
  const rows = readLabelledJsonl(readFileSync(new URL("dev.jsonl", dir), "utf8"), "dev.jsonl");
  let hitRows = 0;
  for (const row of rows) {
    const c = collapse(normalizeText(row.text).text);
    const collapsed = new TextDecoder("utf-16le").decode(c.codes.subarray(0, c.length));
    const expected = everySignature(collapsed);
    if (expected.length > 0) hitRows++;
    assert.deepEqual(matchSignatures(collapsed), expected, row.text.slice(0, 200));
  }
  assert.ok(hitRows > 100, `only ${hitRows} rows hit a signature`);
});

/** The definition of a symbol burst, char by char: a 48-char window with 9+ symbols that follows five prose words. */
function burstsByDefinition(s: string, maxHits = 8) {
  const isSym = (i: number) => ("{}[]()<>$\\%=@^|~`*#_;\"'/".includes(s.charAt(i)) && s.charCodeAt(i) < 128 ? 1 : 0);
  const hits = [];
  let lastEnd = -1;
  for (let i = 48; i < s.length && hits.length < maxHits; i++) {
    let symbols = 0;
    for (let k = i - 47; k <= i; k++) symbols += isSym(k);
    if (symbols < 9 || i - 48 <= lastEnd) continue;
    const end = i - 48;
    if (/(?:[a-z]{2,} ){5}/.test(s.slice(Math.max(0, end - 80), end))) {
      hits.push({ family: "symbol-burst", kind: "jailbreak", score: 0, start: end, end: i });
      lastEnd = i;
    }
  }
  return hits;
}

test("symbol bursts match their char-by-char definition (property)", () => {
  const prose = fc.array(fc.constantFrom("describing ", "write ", "a ", "story ", "about ", "x "), {
    minLength: 4,
    maxLength: 9,
  });
  const tail = fc.array(
    fc.constantFrom("}", "{", "[", "(", ")", "\\", "=", "<", "|", "~", "@", "'", "/", ";", "a", "Zz", " ", "é"),
    {
      minLength: 10,
      maxLength: 90,
    },
  );
  const text = fc
    .array(fc.tuple(prose, tail), { maxLength: 4 })
    .map((xs) => xs.map(([p, t]) => p.join("") + t.join("")).join(""));
  let withHits = 0;
  fc.assert(
    fc.property(text, fc.integer({ min: 1, max: 8 }), (s, max) => {
      const expected = burstsByDefinition(s, max);
      if (expected.length > 0) withHits++;
      assert.deepEqual(symbolBursts(s, max), expected);
    }),
    { numRuns: 2000 },
  );
  assert.ok(withHits > 100, `only ${withHits} generated texts have a burst`);
});
