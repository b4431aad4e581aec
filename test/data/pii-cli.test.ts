/** End-to-end tests of `warden data pii scan | anonymize | deanonymize | kanon` through commander, in process. */
import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { Command } from "commander";
import { registerDataPiiCommands } from "../../src/cli/data-pii.ts";
import { isWardenError } from "../../src/core/errors.ts";

/** Runs `warden data <args>` and returns stdout, the exit code it set, and the thrown error if any. */
async function run(args: string[]): Promise<{ out: string; exitCode: number; error?: unknown }> {
  const program = new Command("warden").exitOverride();
  registerDataPiiCommands(program.command("data"));
  let out = "";
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    out += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
    return true;
  }) as typeof process.stdout.write;
  const saved = process.exitCode;
  process.exitCode = 0;
  try {
    await program.parseAsync(["node", "warden", "data", ...args]);
    return { out, exitCode: Number(process.exitCode ?? 0) };
  } catch (error) {
    return { out, exitCode: isWardenError(error) ? error.exitCode : 3, error };
  } finally {
    process.stdout.write = write;
    process.exitCode = saved;
  }
}

test("pii scan, anonymize with a new key, deanonymize, kanon", async () => {
  const dir = await mkdtemp(join(tmpdir(), "warden-pii-cli-"));
  try {
    const csv = join(dir, "people.csv");
    await writeFile(
      csv,
      "name,email,age,zip,note\n" +
        'Ann Smith,ann@example.com,34,90210,"SSN 536-32-3065"\n' +
        "Bo Li,bo@example.org,37,90213,none\n" +
        "Cy Ng,cy@example.net,52,10001,none\n",
    );
    const scan = await run(["pii", "scan", csv, "--json"]);
    assert.equal(scan.exitCode, 1, "PII found is a finding");
    const report = JSON.parse(scan.out);
    assert.equal(report.counts.EMAIL_ADDRESS, 3);
    assert.equal(report.columns.note.US_SSN, 1);
    assert.ok(
      report.findings.every((f: { text: string }) => !f.text.includes("536-32")),
      "masked unless --reveal",
    );

    const key = join(dir, "k.bin");
    const out = join(dir, "anon.csv");
    const anon = await run([
      "anonymize",
      csv,
      "--out",
      out,
      "--key-file",
      key,
      "--new-key",
      "--json",
      "--operator",
      "EMAIL_ADDRESS=encrypt",
      "--operator",
      "US_SSN=mask:4",
      "--operator",
      "PERSON=pseudonym",
      "--column",
      "age=generalize:age:10",
      "--column",
      "zip=generalize:zip:3",
    ]);
    assert.equal(anon.exitCode, 0, String(anon.error));
    const text = await readFile(out, "utf8");
    assert.ok(!text.includes("ann@example.com") && text.includes("***-**-3065") && text.includes("30-39,902**"));
    assert.ok(!anon.out.includes((await readFile(key)).toString("hex")), "the key is never printed");

    const again = await run([
      "anonymize",
      csv,
      "--out",
      join(dir, "again.csv"),
      "--key-file",
      key,
      "--operator",
      "PERSON=pseudonym",
    ]);
    assert.equal(again.exitCode, 0);
    const pseudo = (s: string) => s.match(/<PERSON_[0-9a-f]{16}>/g);
    assert.deepEqual(
      pseudo(await readFile(join(dir, "again.csv"), "utf8")),
      pseudo(text),
      "pseudonyms stable across runs",
    );

    const back = join(dir, "back.csv");
    const de = await run(["deanonymize", out, "--out", back, "--key-file", key, "--json"]);
    assert.equal(JSON.parse(de.out).restored, 3);
    assert.ok((await readFile(back, "utf8")).includes("bo@example.org"));

    const kanon = await run([
      "kanon",
      csv,
      "--quasi",
      "age,zip",
      "--k",
      "2",
      "--generalize",
      "age=age,zip=zip",
      "--json",
    ]);
    assert.equal(kanon.exitCode, 1);
    assert.deepEqual(JSON.parse(kanon.out).violations, [
      { values: { age: "50-59", zip: "100**" }, count: 1, lines: [4] },
    ]);
    const ok = await run(["kanon", csv, "--quasi", "zip", "--k", "1"]);
    assert.equal(ok.exitCode, 0);
    assert.match(ok.out, /1-anonymous/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("bad usage and malformed input map to clear errors and exit codes, with nothing written", async () => {
  const dir = await mkdtemp(join(tmpdir(), "warden-pii-cli-"));
  try {
    const bad = join(dir, "bad.csv");
    await writeFile(bad, 'a,b\n1,"unterminated\n');
    const r = await run(["anonymize", bad, "--out", join(dir, "o.csv")]);
    assert.equal(r.exitCode, 2);
    assert.ok(isWardenError(r.error, "E_DATA_PARSE"));
    assert.match((r.error as Error).message, /bad\.csv:2:2: unterminated quoted field/);
    assert.deepEqual(await readdir(dir), ["bad.csv"]);
    const noKey = await run(["anonymize", bad, "--out", join(dir, "o.csv"), "--operator", "EMAIL_ADDRESS=encrypt"]);
    assert.ok(isWardenError(noKey.error, "E_USAGE"));
    const badOp = await run(["anonymize", bad, "--out", join(dir, "o.csv"), "--operator", "EMAIL_ADDRESS=shred"]);
    assert.match((badOp.error as Error).message, /unknown operator "shred"/);
    const missing = await run(["pii", "scan", join(dir, "nope.txt")]);
    assert.ok(isWardenError(missing.error, "E_DATA_NOT_FOUND"));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
