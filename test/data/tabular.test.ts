/** Tests of the streaming CSV, JSON Lines and text readers: RFC 4180 cases, precise errors, chunk-boundary safety. */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { test } from "node:test";
import fc from "fast-check";
import { isWardenError } from "../../src/core/errors.ts";
import {
  type CsvOptions,
  formatCsvRow,
  readCsv,
  readCsvColumns,
  readJsonl,
  readTextChunks,
  writeFileAtomic,
} from "../../src/data/index.ts";

/** A stream delivering `bytes` in pieces of the given sizes (cycled), to exercise chunk boundaries. */
function streamOf(bytes: Uint8Array, sizes: number[] = [1 << 16]): Readable {
  const parts: Buffer[] = [];
  let i = 0;
  let k = 0;
  while (i < bytes.length) {
    const n = Math.max(1, sizes[k++ % sizes.length]!);
    parts.push(Buffer.from(bytes.subarray(i, i + n)));
    i += n;
  }
  return Readable.from(parts);
}

async function csv(text: string | Uint8Array, opts: CsvOptions = {}, sizes?: number[]) {
  const bytes = typeof text === "string" ? Buffer.from(text, "utf8") : text;
  const out = [];
  for await (const r of readCsv(streamOf(bytes, sizes), { fileName: "t.csv", ...opts })) out.push(r);
  return out;
}

async function csvError(
  text: string | Uint8Array,
  opts: CsvOptions = {},
): Promise<{ message: string; details: unknown }> {
  try {
    await csv(text, opts);
  } catch (e) {
    assert.ok(isWardenError(e, "E_DATA_PARSE"), String(e));
    return { message: e.message, details: e.details };
  }
  throw new Error("expected E_DATA_PARSE");
}

test("CSV: RFC 4180 quoting, CRLF, BOM, blank lines, line numbers of multi-line records", async () => {
  const rows = await csv('\uFEFFa,b,c\r\n1,"x, ""y""",3\r\n\r\n"multi\nline",,"end"\n4,5,6');
  assert.deepEqual(
    rows.map((r) => [r.line, r.fields]),
    [
      [2, ["1", 'x, "y"', "3"]],
      [4, ["multi\nline", "", "end"]],
      [6, ["4", "5", "6"]],
    ],
  );
  assert.deepEqual(rows[0]!.record, { a: "1", b: 'x, "y"', c: "3" });
  assert.deepEqual((await csv("x\ty\n1\t2\n", { delimiter: "\t" }))[0]!.record, { x: "1", y: "2" });
  assert.deepEqual((await csv("1,2\n3,4\n", { header: false }))[1]!.record, { col1: "3", col2: "4" });
  assert.deepEqual(
    (await csv("a,b\n1,\n")).map((r) => r.fields),
    [["1", ""]],
  );
});

test("CSV errors name file, line and column", async () => {
  const ragged = await csvError("a,b\n1,2\n1,2,3\n");
  assert.match(ragged.message, /^t\.csv:3:3: record has 3 fields, expected 2/);
  assert.deepEqual(ragged.details, { file: "t.csv", line: 3, column: 3 });
  assert.match((await csvError("a,b\n1,2\n3\n")).message, /^t\.csv:3:2: record has 1 fields/);
  assert.match((await csvError('a,b\n1,"open\nmore\n')).message, /^t\.csv:2:2: unterminated quoted field/);
  assert.match((await csvError('a,b\n1,ab"c\n')).message, /^t\.csv:2:2: quote inside an unquoted field/);
  assert.match((await csvError('a,b\n1,"ab"c\n')).message, /^t\.csv:2:2: unexpected character after a closing quote/);
  const bad = Buffer.concat([Buffer.from("a,b\n1,ok\n2,x"), Buffer.from([0xc3, 0x28]), Buffer.from("\n")]);
  assert.match((await csvError(bad)).message, /^t\.csv:3:2: invalid UTF-8 at byte 2 of the field in column 2 \("b"\)/);
  assert.match(
    (await csvError(`a\n${"x".repeat(5000)}\n`, { maxFieldBytes: 1000 })).message,
    /^t\.csv:2:1: field larger than 1000 bytes/,
  );
  assert.match((await csvError("a,a\n1,2\n")).message, /duplicate column name "a"/);
});

test("CSV: missing file is E_DATA_NOT_FOUND", async () => {
  await assert.rejects(
    (async () => {
      for await (const _ of readCsv("/nonexistent/warden/x.csv")) void _;
    })(),
    (e) => isWardenError(e, "E_DATA_NOT_FOUND"),
  );
});

const cellArb = fc.string({
  unit: fc.oneof(
    fc.constantFrom(",", '"', "\n", "\r", " ", "a"),
    fc.string({ unit: "grapheme", minLength: 1, maxLength: 1 }),
  ),
  maxLength: 12,
});

test("CSV: formatCsvRow then readCsv is the identity, whatever the chunking (fast-check)", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc
        .integer({ min: 1, max: 4 })
        .chain((width) =>
          fc.tuple(
            fc.array(fc.array(cellArb, { minLength: width, maxLength: width }), { minLength: 1, maxLength: 6 }),
            fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 5 }),
          ),
        ),
      async ([table, sizes]) => {
        const width = table[0]!.length;
        const header = Array.from({ length: width }, (_, i) => `h${i}`);
        // A record that is one empty field is a blank line, which CSV cannot tell apart; skip that case.
        fc.pre(table.every((r) => !(r.length === 1 && r[0] === "")));
        const text = [header, ...table].map((r) => formatCsvRow(r)).join("");
        const rows = await csv(text, {}, sizes);
        assert.deepEqual(
          rows.map((r) => r.fields),
          table,
        );
      },
    ),
    { numRuns: 300 },
  );
});

test("CSV: arbitrary bytes either parse or fail with E_DATA_PARSE, never anything else (fast-check)", async () => {
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), fc.integer({ min: 1, max: 9 }), async (bytes, size) => {
      try {
        await csv(bytes, {}, [size]);
      } catch (e) {
        assert.ok(isWardenError(e, "E_DATA_PARSE"), String(e));
      }
    }),
    { numRuns: 300 },
  );
});

test("CSV columns: the projection of any selection equals readCsv's fields, whatever the chunking (fast-check)", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.array(cellArb, { minLength: 3, maxLength: 3 }), { minLength: 1, maxLength: 6 }),
      fc.array(fc.constantFrom("h0", "h1", "h2"), { maxLength: 4 }),
      fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 5 }),
      fc.boolean(),
      async (table, select, sizes, header) => {
        fc.pre(table.every((r) => !(r.length === 1 && r[0] === "")));
        const text = [...(header ? [["h0", "h1", "h2"]] : []), ...table].map((r) => formatCsvRow(r)).join("");
        const names = header ? select : select.map((s) => `col${Number(s.slice(1)) + 1}`);
        const expected = (await csv(text, { header }, sizes)).map((r) => ({
          line: r.line,
          values: names.map((c) => r.record[c]!),
        }));
        const got: { line: number; values: string[] }[] = [];
        const stream = streamOf(Buffer.from(text), sizes);
        for await (const b of readCsvColumns(stream, names, { header, fileName: "t.csv" })) {
          assert.equal(b.columns.length, names.length);
          for (let i = 0; i < b.size; i++) got.push({ line: b.lines[i]!, values: b.columns.map((c) => c[i]!) });
        }
        assert.deepEqual(got, expected);
      },
    ),
    { numRuns: 300 },
  );
});

test("CSV columns: an unknown column is E_USAGE; errors in unselected columns still name line and column", async () => {
  const read = async (text: string, select: string[]) => {
    for await (const _ of readCsvColumns(streamOf(Buffer.from(text)), select, { fileName: "t.csv" })) void _;
  };
  await assert.rejects(
    read("a,b\n1,2\n", ["zzz"]),
    (e) => isWardenError(e, "E_USAGE") && /column "zzz" not found/.test(e.message),
  );
  await assert.rejects(read("a,b\n1,2\n3,4,5\n", ["a"]), /t\.csv:3:3: record has 3 fields, expected 2/);
  await assert.rejects(read('a,b\n1,x"y\n', ["a"]), /t\.csv:2:2: quote inside an unquoted field in column 2 \("b"\)/);
  await assert.rejects(read(`a,b\n1,${"x".repeat(2 << 20)}\n`, ["a"]), /t\.csv:2:2: field larger than 1048576 bytes/);
});

test("JSONL: objects per line, CRLF and blank lines; errors with line and column", async () => {
  const read = async (text: string | Uint8Array, sizes?: number[]) => {
    const out = [];
    const bytes = typeof text === "string" ? Buffer.from(text) : text;
    for await (const r of readJsonl(streamOf(bytes, sizes), { fileName: "t.jsonl", maxLineBytes: 4096 })) out.push(r);
    return out;
  };
  const rows = await read('{"a":1}\r\n\n  \n{"b":"é"}', [3]);
  assert.deepEqual(
    rows.map((r) => [r.line, r.record]),
    [
      [1, { a: 1 }],
      [4, { b: "é" }],
    ],
  );
  const err = async (text: string | Uint8Array, re: RegExp) =>
    assert.rejects(read(text), (e) => isWardenError(e, "E_DATA_PARSE") && re.test(e.message));
  await err('{"a":1}\n{"a":}\n', /^t\.jsonl:2:6: invalid JSON at "}"/);
  await err('{"a":1}\n{"a":1\n', /^t\.jsonl:2:7: invalid JSON at end of line/);
  await err('{"a":1}\n[1,2]\n', /^t\.jsonl:2:1: expected a JSON object/);
  await err(
    Buffer.concat([Buffer.from('{"a":"x'), Buffer.from([0xff]), Buffer.from('"}\n')]),
    /^t\.jsonl:1:8: invalid UTF-8/,
  );
  await err(`{"a":"${"x".repeat(5000)}"}\n`, /^t\.jsonl:1:1: line longer than 4096 bytes/);
});

test("JSONL: arbitrary objects round-trip through any chunking (fast-check)", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.dictionary(fc.string({ unit: "grapheme", maxLength: 5 }), fc.jsonValue({ maxDepth: 2 })), {
        maxLength: 5,
      }),
      fc.array(fc.integer({ min: 1, max: 11 }), { minLength: 1, maxLength: 4 }),
      async (records, sizes) => {
        const text = records.map((r) => JSON.stringify(r)).join("\n");
        const out = [];
        for await (const r of readJsonl(streamOf(Buffer.from(text), sizes))) out.push(r.record);
        assert.deepEqual(out, JSON.parse(`[${records.map((r) => JSON.stringify(r)).join(",")}]`));
      },
    ),
    { numRuns: 200 },
  );
});

test("text chunks cut at line ends, keep PEM blocks whole, and join back to the input", async () => {
  const pem = "-----BEGIN PRIVATE KEY-----\nAAAA\nBBBB\n-----END PRIVATE KEY-----\n";
  const text = `${"hello world é\n".repeat(40)}${pem}${"tail line\n".repeat(10)}`;
  const chunks = [];
  for await (const c of readTextChunks(streamOf(Buffer.from(text), [7]), { chunkChars: 64 })) chunks.push(c);
  assert.equal(chunks.map((c) => c.text).join(""), text);
  let offset = 0;
  let line = 1;
  for (const c of chunks) {
    assert.equal(c.offset, offset);
    assert.equal(c.line, line);
    offset += c.text.length;
    line += c.text.split("\n").length - 1;
    assert.ok(!c.text.includes("-----BEGIN") || c.text.includes("-----END"), "PEM block split");
  }
  assert.ok(chunks.length > 5);
});

test("text chunks: bad UTF-8 is E_DATA_PARSE naming line and column", async () => {
  const bytes = Buffer.concat([Buffer.from("ok line\nbad "), Buffer.from([0xff]), Buffer.from(" here\n")]);
  await assert.rejects(
    (async () => {
      for await (const _ of readTextChunks(streamOf(bytes), { fileName: "t.txt" })) void _;
    })(),
    (e) => isWardenError(e, "E_DATA_PARSE") && e.message.startsWith("t.txt:2:5: invalid UTF-8"),
  );
});

test("writeFileAtomic renames on success and leaves nothing on failure", async () => {
  const dir = await mkdtemp(join(tmpdir(), "warden-atomic-"));
  try {
    const path = join(dir, "out.txt");
    await writeFile(path, "old");
    await assert.rejects(
      writeFileAtomic(path, async (sink) => {
        await sink.write("partial");
        throw new Error("boom");
      }),
      /boom/,
    );
    const { readdir, readFile } = await import("node:fs/promises");
    assert.deepEqual(await readdir(dir), ["out.txt"]);
    assert.equal(await readFile(path, "utf8"), "old");
    await writeFileAtomic(path, async (sink) => {
      await sink.write("new ");
      await sink.write(Buffer.from("content"));
    });
    assert.equal(await readFile(path, "utf8"), "new content");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
