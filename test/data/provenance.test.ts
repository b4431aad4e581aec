import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import fc from "fast-check";
import { decryptFile } from "../../src/core/crypto/index.ts";
import { isWardenError } from "../../src/core/errors.ts";
import {
  applyRetention,
  type DataContext,
  datasetLineage,
  decideAccess,
  enforceAccess,
  getDataset,
  lineageToDot,
  lineageToMermaid,
  listDatasets,
  planRetention,
  registerDataset,
  verifyDataset,
} from "../../src/data/index.ts";
import { RecordSplitter } from "../../src/data/provenance/records.ts";
import { verifyInclusion } from "../../src/ledger/index.ts";
import { initWorkspace, openWorkspace, type Workspace } from "../../src/workspace/index.ts";

const PG = process.env.WARDEN_TEST_PG_URL;

async function workspace(
  db: "sqlite" | "postgres",
  actor = "alice",
): Promise<{ ws: Workspace; dir: string; ctx: DataContext }> {
  const dir = mkdtempSync(join(tmpdir(), "warden-data-"));
  const config = join(dir, "warden.yaml");
  const schema = `t_data_${process.pid}_${Math.floor(Math.random() * 1e9)}`;
  writeFileSync(
    config,
    [
      ...(db === "postgres" ? ["database:", `  url: ${PG}`, `  schema: ${schema}`] : []),
      "data:",
      "  access:",
      "    principals:",
      "      alice: [steward]",
      "      eve: [reader]",
      "  retention:",
      "    - classification: confidential",
      "      retain: 0d",
      "      action: archive",
      "    - dataset: scratch",
      "      retain: 0d",
      "      action: purge",
      "",
    ].join("\n"),
  );
  const env = {
    WARDEN_HOME: join(dir, ".warden"),
    WARDEN_CONFIG: config,
    WARDEN_PASSPHRASE: "pw",
    WARDEN_ACTOR: actor,
  };
  await initWorkspace({ env });
  const ws = await openWorkspace({ env });
  const ctx: DataContext = {
    store: ws.store,
    ledger: ws.ledger,
    keys: ws.keys,
    signingKey: "workspace",
    actor,
    config: ws.config.data,
    archiveDir: join(ws.home, "archive"),
  };
  return { ws, dir, ctx };
}

function makeDataset(root: string): void {
  mkdirSync(join(root, "sub"), { recursive: true });
  writeFileSync(join(root, "table.csv"), 'id,name,note\n1,ann,"multi\nline"\n2,bob,x\n3,cy,y\n');
  writeFileSync(join(root, "rows.jsonl"), '{"a":1}\n{"a":2}\n{"a":3}\n');
  writeFileSync(join(root, "sub", "blob.bin"), Buffer.from([0, 1, 2, 3, 255]));
}

for (const db of ["sqlite", "postgres"] as const) {
  describe(`dataset provenance on ${db}`, {
    skip: db === "postgres" && !PG ? "WARDEN_TEST_PG_URL not set" : false,
  }, () => {
    test("register, verify, and locate every changed file and row", async () => {
      const { ws, dir, ctx } = await workspace(db);
      try {
        const root = join(dir, "ds");
        makeDataset(root);
        const v1 = await registerDataset(ctx, { path: root, name: "credit", classification: "internal" });
        assert.equal(v1.id, "credit@1");
        assert.equal(v1.manifest.files.length, 3);
        assert.deepEqual(
          v1.manifest.files.map((f) => [f.path, f.records]),
          [
            ["rows.jsonl", 3],
            ["sub/blob.bin", undefined],
            ["table.csv", 4],
          ],
        );
        const entry = await ws.ledger.entry(v1.ledgerIndex);
        assert.equal(entry.entry.type, "data.registered");
        assert.equal(entry.entry.subject, "credit@1");

        const ok = await verifyDataset(ctx, "credit@1");
        assert.equal(ok.ok, true);
        assert.equal(ok.signature.ok, true);

        writeFileSync(join(root, "table.csv"), 'id,name,note\n1,ann,"multi\nline"\n2,bob,CHANGED\n3,cy,y\n');
        writeFileSync(join(root, "rows.jsonl"), '{"a":1}\n{"a":2}\n{"a":3}\n{"a":4}\n');
        rmSync(join(root, "sub", "blob.bin"));
        writeFileSync(join(root, "extra.txt"), "new");
        const bad = await verifyDataset(ctx, "credit");
        assert.equal(bad.ok, false);
        assert.deepEqual(bad.diff.added, ["extra.txt"]);
        assert.deepEqual(bad.diff.removed, ["sub/blob.bin"]);
        const byPath = Object.fromEntries(bad.diff.changed.map((c) => [c.path, c.rows]));
        assert.deepEqual(byPath["table.csv"], { changed: [3], added: [], removed: [] });
        assert.deepEqual(byPath["rows.jsonl"], { changed: [], added: [4], removed: [] });
      } finally {
        await ws.close();
      }
    });

    test("versions, parents and lineage with inclusion proofs", async () => {
      const { ws, dir, ctx } = await workspace(db);
      try {
        const raw = join(dir, "raw.csv");
        writeFileSync(raw, "a,b\n1,2\n");
        const clean = join(dir, "clean.csv");
        writeFileSync(clean, "a,b\n1,2\n");
        await registerDataset(ctx, { path: raw, name: "raw" });
        const raw2 = await registerDataset(ctx, { path: raw, name: "raw" });
        assert.equal(raw2.version, 2);
        assert.equal(raw2.manifest.files[0]!.path, ".");
        const derived = await registerDataset(ctx, {
          path: clean,
          name: "clean",
          parents: ["raw@1"],
          transform: "dedupe",
        });
        const final = await registerDataset(ctx, { path: clean, name: "final", parents: ["clean@1", "raw@2"] });
        const l = await datasetLineage(ctx, final.id, { proofs: true });
        assert.deepEqual(l.nodes.map((n) => n.id).sort(), ["clean@1", "final@1", "raw@1", "raw@2"]);
        assert.deepEqual(l.edges.map((e) => `${e.from}->${e.to}`).sort(), [
          "clean@1->raw@1",
          "final@1->clean@1",
          "final@1->raw@2",
        ]);
        for (const e of l.edges) {
          assert.ok(e.proof);
          assert.ok(
            verifyInclusion(e.proof.leafHash, e.proof.index, e.proof.treeSize, e.proof.hashes, e.proof.rootHash),
          );
        }
        assert.equal(l.edges.find((e) => e.from === "clean@1")?.ledgerIndex, derived.ledgerIndex);
        assert.match(lineageToDot(l), /"raw@1" -> "clean@1" \[label="dedupe \(ledger #\d+\)"\]/);
        assert.match(lineageToMermaid(l), /^flowchart LR/);
        await assert.rejects(registerDataset(ctx, { path: clean, name: "x", parents: ["nope@1"] }), (e) =>
          isWardenError(e, "E_DATA_NOT_FOUND"),
        );
        assert.equal((await listDatasets(ctx)).length, 4);
      } finally {
        await ws.close();
      }
    });
  });
}

describe("dataset signature, access and retention (SQLite)", () => {
  test("a tampered stored manifest fails signature verification", async () => {
    const { ws, dir, ctx } = await workspace("sqlite");
    try {
      const f = join(dir, "d.jsonl");
      writeFileSync(f, '{"x":1}\n');
      await registerDataset(ctx, { path: f, name: "d" });
      const ds = await getDataset(ctx, "d@1");
      const forged = JSON.stringify(ds.manifest.files.map((x) => ({ ...x, size: x.size + 1 })));
      await ws.store.db
        .withTables<{ data_datasets: { id: string; manifest: string } }>()
        .updateTable("data_datasets")
        .set({ manifest: forged })
        .where("id", "=", "d@1")
        .execute();
      const r = await verifyDataset(ctx, "d@1");
      assert.equal(r.signature.ok, false);
      assert.equal(r.ok, false);
    } finally {
      await ws.close();
    }
  });

  test("classification drives access; every decision is in the ledger", async () => {
    const { ws, ctx } = await workspace("sqlite");
    try {
      const cfg = ctx.config;
      assert.equal(decideAccess(cfg, "eve", "read", "public").allowed, true);
      assert.equal(decideAccess(cfg, "eve", "read", "internal").allowed, false);
      assert.equal(decideAccess(cfg, "mallory", "read", "internal").allowed, false, "unlisted principals get reader");
      assert.equal(decideAccess(cfg, "alice", "decrypt", "restricted").allowed, true);
      assert.equal(decideAccess(cfg, "alice", "export", "restricted").allowed, false);
      await assert.rejects(enforceAccess({ ...ctx, actor: "eve" }, "read", "credit@1", "confidential"), (e) =>
        isWardenError(e, "E_ACCESS_DENIED"),
      );
      const log = await ws.ledger.find({ type: "data.access" });
      assert.equal(log.length, 1);
      assert.equal(log[0]!.entry.actor, "eve");
      assert.deepEqual((log[0]!.entry.data as { allowed: boolean }).allowed, false);
    } finally {
      await ws.close();
    }
  });

  test("retention archives (encrypted) and purges what is due, with a ledger record each", async () => {
    const { ws, dir, ctx } = await workspace("sqlite");
    try {
      const secret = join(dir, "secret.csv");
      writeFileSync(secret, "ssn\n123-45-6789\n");
      const scratch = join(dir, "scratch.txt");
      writeFileSync(scratch, "tmp");
      const kept = join(dir, "kept.txt");
      writeFileSync(kept, "keep");
      await registerDataset(ctx, { path: secret, name: "secret", classification: "confidential" });
      await registerDataset(ctx, { path: scratch, name: "scratch", classification: "public" });
      await registerDataset(ctx, { path: kept, name: "kept", classification: "internal" });
      const datasets = await listDatasets(ctx);
      const plan = planRetention(datasets, ctx.config.retention, new Date(Date.now() + 1000));
      assert.deepEqual(plan.map((p) => [p.id, p.action, p.due]).sort(), [
        ["scratch@1", "purge", true],
        ["secret@1", "archive", true],
      ]);
      const future = planRetention(
        datasets,
        [{ classification: "internal", retain: "30d", action: "purge" }],
        new Date(),
      );
      assert.equal(future[0]!.due, false);
      const done = await applyRetention(ctx, datasets, plan);
      assert.equal(done.length, 2);
      assert.equal(existsSync(secret), false);
      assert.equal(existsSync(scratch), false);
      assert.equal(existsSync(kept), true);
      const archived = done.find((d) => d.id === "secret@1")!.archive!;
      const restored = join(dir, "restored.csv");
      await decryptFile(join(archived, "data.wenc"), restored, ws.keys);
      assert.equal(readFileSync(restored, "utf8"), "ssn\n123-45-6789\n");
      assert.equal((await getDataset(ctx, "secret@1")).status, "archived");
      assert.equal((await ws.ledger.find({ type: "data.purged" })).length, 1);
      assert.equal((await ws.ledger.find({ type: "data.archived" })).length, 1);
    } finally {
      await ws.close();
    }
  });
});

test("record digests do not depend on how the bytes are chunked", () => {
  const digestAll = (format: "csv" | "jsonl", chunks: Buffer[]) => {
    const s = new RecordSplitter(format);
    for (const c of chunks) s.update(c);
    return s.finish().toString("hex");
  };
  fc.assert(
    fc.property(
      fc.array(fc.constantFrom("a", ",", '"', "\n", "\r", "\r\n", "x"), { maxLength: 60 }),
      fc.array(fc.nat(60), { maxLength: 5 }),
      fc.constantFrom("csv" as const, "jsonl" as const),
      (parts, cuts, format) => {
        const bytes = Buffer.from(parts.join(""));
        const points = [...new Set(cuts.map((c) => Math.min(c, bytes.length)))].sort((a, b) => a - b);
        const chunks: Buffer[] = [];
        let prev = 0;
        for (const p of [...points, bytes.length]) {
          chunks.push(bytes.subarray(prev, p));
          prev = p;
        }
        assert.equal(digestAll(format, chunks), digestAll(format, [bytes]));
      },
    ),
    { numRuns: 500 },
  );
});

test("JSONL record boundaries: CRLF and LF give the same records, a missing final newline counts", () => {
  const d = (text: string) => {
    const s = new RecordSplitter("jsonl");
    s.update(Buffer.from(text));
    return s.finish().toString("hex");
  };
  assert.equal(d("a\r\nb\r\n"), d("a\nb\n"));
  assert.equal(d("a\nb"), d("a\nb\n"));
  assert.notEqual(d("a\nb\n"), d("a\nc\n"));
  assert.equal(d("a\nb\n").length, 2 * 32);
});
