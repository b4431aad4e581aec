/**
 * The picklescan corpus (../shared/corpora/picklescan): every malicious file must be unsafe, every benign file safe.
 * The files are parsed as bytes; nothing is ever loaded.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { scanFile, scanPath } from "../../../src/model/scan/index.ts";

const corpus = fileURLToPath(new URL("../../../../shared/corpora/picklescan/", import.meta.url));
const skip = existsSync(`${corpus}MANIFEST.tsv`) ? false : `picklescan corpus not found at ${corpus}`;

function manifest(): { path: string; expected: string; note: string }[] {
  return readFileSync(`${corpus}MANIFEST.tsv`, "utf8")
    .trim()
    .split("\n")
    .slice(1)
    .map((l) => {
      const [path, expected, note] = l.split("\t");
      return { path: path!, expected: expected!, note: note ?? "" };
    });
}

test("every picklescan corpus file gets its expected label", { skip }, async () => {
  const counts: Record<string, Record<string, number>> = {};
  const wrong: string[] = [];
  for (const m of manifest()) {
    const r = await scanFile(corpus + m.path);
    counts[m.expected] ??= {};
    counts[m.expected]![r.verdict] = (counts[m.expected]![r.verdict] ?? 0) + 1;
    const ok = m.expected === "benign" ? r.verdict === "safe" : r.verdict === "unsafe";
    if (!ok) wrong.push(`${m.path}: expected ${m.expected}, got ${r.verdict} ${JSON.stringify(r.findings)}`);
  }
  assert.deepEqual(wrong, []);
  assert.deepEqual(counts, { benign: { safe: 14 }, malicious: { unsafe: 95 } });
});

test("specific corpus files are explained by the right rule", { skip }, async () => {
  const rules = async (p: string) =>
    (await scanFile(corpus + p)).findings.map((f) => `${f.rule}:${f.message}`).join("\n");
  assert.match(await rules("data/malicious16.pkl"), /pickle-dangerous-global:imports pip\.main/);
  assert.match(await rules("data/malicious11.pkl"), /os\.system/);
  assert.match(await rules("data/sys_module_override_sploit.pkl"), /pickle-attribute-override/);
  assert.match(await rules("data/sys_module_override_sploit.pkl"), /builtins\.eval/);
  assert.match(await rules("data/broken_model.pkl"), /invalid-pickle/);
  assert.match(await rules("data/malicious1_central_directory.zip"), /zip-name-mismatch/);
  assert.match(await rules("data2/malicious1_crc.zip"), /zip-crc-mismatch/);
  assert.match(await rules("data2/GHSA-jgw4-cr84-mqxg.bin"), /asyncio\.unix_events/);
  assert.match(await rules("data2/dns_exfiltration.npy"), /ssl\.get_server_certificate/);
  const legacy = await scanFile(`${corpus}data/pytorch_model.bin`);
  assert.equal(legacy.format, "pytorch-legacy");
  assert.equal((await scanFile(`${corpus}data/new_pytorch_model.bin`)).format, "pytorch-zip");
});

test("directory scans cover every file whatever its extension", { skip }, async () => {
  const seen: number[] = [];
  const r = await scanPath([`${corpus}data`, `${corpus}data2`], {}, (done) => seen.push(done));
  assert.equal(r.summary.files, 109);
  assert.equal(r.summary.safe, 14);
  assert.equal(r.summary.unsafe, 95);
  assert.equal(seen.length, 109);
  assert.equal(seen.at(-1), 109);
});
