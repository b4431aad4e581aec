// The ledger test-suite, run unchanged on SQLite and (when WARDEN_TEST_PG_URL is set) PostgreSQL: dense appends,
// queries, proofs for every index and size checked by the RFC 9162 verifiers and a naive MTH, signed checkpoints,
// range errors, and tamper detection by verify().
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { sql } from "kysely";
import { isWardenError } from "../../src/core/errors.ts";
import { Ledger, verifyConsistency, verifyInclusion, verifyNote } from "../../src/ledger/index.ts";
import type { Store } from "../../src/store/index.ts";
import { DIALECTS, type TestDatabase } from "../store/dialects.ts";
import { ed25519Signer, mlDsaSigner } from "./keys.ts";

const ORIGIN = "test.example/warden";
const sha = (...parts: Buffer[]) => createHash("sha256").update(Buffer.concat(parts)).digest();

/** MTH of RFC 6962 §2.1 computed naively from leaf hashes. */
function naiveRoot(leaves: Buffer[]): string {
  const mth = (d: Buffer[]): Buffer => {
    if (d.length === 0) return sha();
    if (d.length === 1) return d[0]!;
    let k = 1;
    while (k * 2 < d.length) k *= 2;
    return sha(Buffer.from([1]), mth(d.slice(0, k)), mth(d.slice(k)));
  };
  return mth(leaves).toString("hex");
}

const ev = (i: number, type = "test.event") => ({ type, subject: `subject-${i % 3}`, actor: "tester", data: { i } });

for (const d of DIALECTS) {
  describe(`ledger on ${d.name}`, { skip: d.skip }, () => {
    const signers = [ed25519Signer("test.example/key"), mlDsaSigner("test.example/key")];

    async function fresh(): Promise<{ tdb: TestDatabase; store: Store; ledger: Ledger }> {
      const tdb = d.create();
      const store = await tdb.open();
      return { tdb, store, ledger: await Ledger.open(store, { origin: ORIGIN, signers }) };
    }

    describe("appends, queries and proofs", () => {
      let ctx: { tdb: TestDatabase; store: Store; ledger: Ledger };
      const N = 37;
      before(async () => {
        ctx = await fresh();
        for (let i = 0; i < 5; i++) {
          const r = await ctx.ledger.append(ev(i));
          assert.equal(r.index, i);
          assert.equal(r.treeSize, i + 1);
        }
        const b = await ctx.ledger.appendBatch(
          Array.from({ length: N - 5 }, (_, j) => ev(j + 5, j % 2 ? "test.odd" : "test.even")),
        );
        assert.equal(b.first, 5);
        assert.equal(b.treeSize, N);
        assert.equal(b.leafHashes.length, N - 5);
      });
      after(async () => {
        await ctx.store.close();
        await ctx.tdb.cleanup();
      });

      test("entries are dense, parsed, and their leaf hash is SHA-256(0x00 ‖ canonical JSON)", async () => {
        assert.equal(await ctx.ledger.size(), N);
        for (const i of [0, 4, 5, N - 1]) {
          const r = await ctx.ledger.entry(i);
          assert.equal(r.index, i);
          assert.deepEqual(r.entry.data, { i });
          const body = JSON.stringify({
            actor: r.entry.actor,
            data: { i },
            subject: r.entry.subject,
            time: r.entry.time,
            type: r.entry.type,
          });
          assert.equal(r.leafHash, sha(Buffer.from([0]), Buffer.from(body)).toString("hex"));
        }
      });

      test("find filters by type, subject, time and index, in either order, with a limit", async () => {
        const odd = await ctx.ledger.find({ type: "test.odd", limit: 1000 });
        assert.deepEqual(
          odd.map((r) => r.index),
          Array.from({ length: N }, (_, i) => i).filter((i) => i >= 5 && (i - 5) % 2 === 1),
        );
        const s1 = await ctx.ledger.find({ subject: "subject-1", fromIndex: 10, limit: 3 });
        assert.deepEqual(
          s1.map((r) => r.index),
          [10, 13, 16],
        );
        const last = await ctx.ledger.find({ order: "desc", limit: 2 });
        assert.deepEqual(
          last.map((r) => r.index),
          [N - 1, N - 2],
        );
        assert.equal((await ctx.ledger.find({ since: "2999-01-01T00:00:00Z" })).length, 0);
        assert.equal((await ctx.ledger.find({ since: "2000-01-01T00:00:00Z", limit: 1000 })).length, N);
        await assert.rejects(ctx.ledger.find({ limit: 0 }), (e: unknown) => isWardenError(e, "E_USAGE"));
      });

      test("every inclusion and consistency proof verifies, and roots match a naive MTH", async () => {
        const leaves: Buffer[] = [];
        for (let i = 0; i < N; i++) leaves.push(Buffer.from((await ctx.ledger.entry(i)).leafHash, "hex"));
        for (let n = 1; n <= N; n++) {
          const root = await ctx.ledger.rootAt(n);
          assert.equal(root, naiveRoot(leaves.slice(0, n)), `root of ${n}`);
          for (let m = 0; m < n; m += n > 12 ? 5 : 1) {
            const p = await ctx.ledger.inclusionProof(m, n);
            assert.equal(p.rootHash, root);
            assert.equal(p.leafHash, leaves[m]!.toString("hex"));
            assert.ok(verifyInclusion(p.leafHash, m, n, p.hashes, root), `inclusion ${m} in ${n}`);
          }
          for (let m = 1; m <= n; m += n > 12 ? 4 : 1) {
            const c = await ctx.ledger.consistencyProof(m, n);
            assert.equal(c.newRoot, root);
            assert.ok(verifyConsistency(m, n, c.oldRoot, c.newRoot, c.hashes), `consistency ${m} → ${n}`);
          }
        }
        const latest = await ctx.ledger.inclusionProof(3);
        assert.equal(latest.treeSize, N);
      });

      test("indexes and sizes beyond the tree give E_LEDGER_RANGE naming the tree size", async () => {
        const range = (e: unknown) => isWardenError(e, "E_LEDGER_RANGE") && e.message.includes(`${N} entries`);
        await assert.rejects(ctx.ledger.entry(N), range);
        await assert.rejects(ctx.ledger.entry(-1), range);
        await assert.rejects(ctx.ledger.entry(1.5), range);
        await assert.rejects(ctx.ledger.inclusionProof(N), range);
        await assert.rejects(ctx.ledger.inclusionProof(3, N + 1), range);
        await assert.rejects(ctx.ledger.inclusionProof(3, 3), range);
        await assert.rejects(ctx.ledger.consistencyProof(0, 3), range);
        await assert.rejects(ctx.ledger.consistencyProof(4, 3), range);
        await assert.rejects(ctx.ledger.consistencyProof(3, N + 1), range);
        await assert.rejects(ctx.ledger.rootAt(N + 1), range);
      });

      test("invalid entries are refused and nothing is appended", async () => {
        await assert.rejects(ctx.ledger.appendBatch([ev(1), { type: "Bad", subject: "s", actor: "a" }]), (e: unknown) =>
          isWardenError(e, "E_LEDGER_ENTRY_INVALID"),
        );
        assert.equal(await ctx.ledger.size(), N);
        assert.deepEqual(await ctx.ledger.appendBatch([]), { first: N, treeSize: N, leafHashes: [] });
      });

      test("a bad origin or signer is refused; checkpoints need a signer", async () => {
        await assert.rejects(Ledger.open(ctx.store, { origin: "two\nlines" }), (e: unknown) =>
          isWardenError(e, "E_INPUT_INVALID"),
        );
        await assert.rejects(Ledger.open(ctx.store, { origin: "" }), (e: unknown) =>
          isWardenError(e, "E_INPUT_INVALID"),
        );
        await assert.rejects(
          Ledger.open(ctx.store, { origin: ORIGIN, signers: [{ ...signers[0]!, name: "a b" }] }),
          (e: unknown) => isWardenError(e, "E_INPUT_INVALID"),
        );
        const unsigned = await Ledger.open(ctx.store, { origin: ORIGIN });
        await assert.rejects(unsigned.checkpoint(), (e: unknown) => isWardenError(e, "E_KEY_NOT_FOUND"));
      });

      test("checkpoints are C2SP signed notes with Ed25519 and ML-DSA-65 lines", async () => {
        const cp = await ctx.ledger.checkpoint();
        assert.equal(cp.treeSize, N);
        assert.equal(cp.rootHash, await ctx.ledger.rootAt(N));
        const v = verifyNote(cp.note, signers, ORIGIN);
        assert.equal(v.treeSize, N);
        assert.equal(v.rootHash, cp.rootHash);
        assert.deepEqual(v.verifiedBy, ["test.example/key (ed25519)", "test.example/key (ml-dsa-65)"]);
        assert.deepEqual(await ctx.ledger.verify(), { ok: true, treeSize: N });
      });
    });

    describe("verify() finds tampering", () => {
      const N = 21;
      async function tampered(
        damage: (store: Store) => Promise<unknown>,
        withCheckpoint = false,
      ): Promise<Awaited<ReturnType<Ledger["verify"]>>> {
        const { tdb, store, ledger } = await fresh();
        try {
          await ledger.appendBatch(Array.from({ length: N }, (_, i) => ev(i)));
          if (withCheckpoint) await ledger.checkpoint();
          const progress: number[] = [];
          assert.deepEqual(await ledger.verify((done) => progress.push(done)), { ok: true, treeSize: N });
          assert.deepEqual(progress, [N]);
          await damage(store);
          return await ledger.verify();
        } finally {
          await store.close();
          await tdb.cleanup();
        }
      }
      const bad = (r: Awaited<ReturnType<Ledger["verify"]>>, index: number, reason: RegExp) => {
        assert.equal(r.ok, false, JSON.stringify(r));
        if (r.ok) return;
        assert.equal(r.firstBadIndex, index, r.reason);
        assert.match(r.reason, reason);
      };

      test("an altered entry", async () => {
        const r = await tampered((s) =>
          s.db
            .updateTable("ledger_entries")
            .set({ body: sql<string>`replace(body, '"i":13', '"i":99')` })
            .where("idx", "=", 13)
            .execute(),
        );
        bad(r, 13, /leaf hash/);
      });

      test("a corrupt row: entry() throws E_DB_CORRUPT, verify() names it", async () => {
        const { tdb, store, ledger } = await fresh();
        try {
          await ledger.appendBatch(Array.from({ length: 5 }, (_, i) => ev(i)));
          await store.db.updateTable("ledger_entries").set({ body: "{not json" }).where("idx", "=", 3).execute();
          await assert.rejects(
            ledger.entry(3),
            (e: unknown) => isWardenError(e, "E_DB_CORRUPT") && e.message.includes("3"),
          );
          await assert.rejects(ledger.find({ limit: 10 }), (e: unknown) => isWardenError(e, "E_DB_CORRUPT"));
          const r = await ledger.verify();
          assert.equal(r.ok ? -1 : r.firstBadIndex, 3);
          await store.db
            .updateTable("ledger_nodes")
            .set({ hash: "zz" })
            .where("level", "=", 1)
            .where("idx", "=", 1)
            .execute();
          await assert.rejects(ledger.inclusionProof(0, 4), (e: unknown) => isWardenError(e, "E_DB_CORRUPT"));
        } finally {
          await store.close();
          await tdb.cleanup();
        }
      });

      test("an altered indexed column", async () => {
        const r = await tampered((s) =>
          s.db.updateTable("ledger_entries").set({ subject: "forged" }).where("idx", "=", 8).execute(),
        );
        bad(r, 8, /columns/);
      });

      test("an altered stored node reports its first leaf", async () => {
        const r = await tampered((s) =>
          s.db
            .updateTable("ledger_nodes")
            .set({ hash: "00".repeat(32) })
            .where("level", "=", 2)
            .where("idx", "=", 3)
            .execute(),
        );
        bad(r, 12, /level 2, index 3/);
      });

      test("a deleted entry row", async () => {
        const r = await tampered((s) => s.db.deleteFrom("ledger_entries").where("idx", "=", 6).execute());
        bad(r, 6, /missing/);
      });

      test("a deleted last entry row", async () => {
        const r = await tampered((s) =>
          s.db
            .deleteFrom("ledger_entries")
            .where("idx", "=", N - 1)
            .execute(),
        );
        bad(r, N - 1, /missing/);
      });

      test("a deleted node row", async () => {
        const r = await tampered((s) =>
          s.db.deleteFrom("ledger_nodes").where("level", "=", 1).where("idx", "=", 9).execute(),
        );
        bad(r, 18, /missing/);
      });

      test("a wrong cached root", async () => {
        const r = await tampered((s) =>
          s.db
            .updateTable("ledger_head")
            .set({ root_hash: "11".repeat(32) })
            .execute(),
        );
        bad(r, N, /cached root/);
      });

      test("history rewritten consistently is caught by the checkpoint", async () => {
        const r = await tampered(async (s) => {
          // Rewrite entry 2 and recompute every hash so that rows agree with each other.
          const rows = await s.db.selectFrom("ledger_entries").selectAll().orderBy("idx").execute();
          await s.db.deleteFrom("ledger_entries").execute();
          await s.db.deleteFrom("ledger_nodes").execute();
          await s.db
            .updateTable("ledger_head")
            .set({ tree_size: 0, root_hash: sha().toString("hex") })
            .execute();
          const l2 = await Ledger.open(s, { origin: ORIGIN });
          await l2.appendBatch(
            rows.map((row) => {
              const e = JSON.parse(row.body);
              return row.idx === 2 ? { ...e, data: { i: 222 } } : e;
            }),
          );
        }, true);
        bad(r, 0, /checkpoint/);
      });

      test("a ledger truncated below an issued checkpoint", async () => {
        const r = await tampered(async (s) => {
          await s.db.deleteFrom("ledger_entries").where("idx", ">=", 15).execute();
          await s.db
            .deleteFrom("ledger_nodes")
            .where(sql<boolean>`idx * power(2, level) + power(2, level) > 15`)
            .execute();
          await s.db
            .updateTable("ledger_head")
            .set({ tree_size: 15, root_hash: await rootOf(s, 15) })
            .execute();
        }, true);
        bad(r, 15, /checkpoint was issued at size 21/);
      });
    });

    test("two ledgers on one database append concurrently without losing entries", async () => {
      const { tdb, store, ledger } = await fresh();
      const store2 = await tdb.open();
      try {
        const ledger2 = await Ledger.open(store2, { origin: ORIGIN });
        const jobs = Array.from({ length: 40 }, (_, i) =>
          i % 4 === 0
            ? (i % 8 ? ledger : ledger2).appendBatch([ev(i), ev(i)])
            : (i % 2 ? ledger : ledger2).append(ev(i)),
        );
        await Promise.all(jobs);
        assert.equal(await ledger.size(), 50);
        assert.deepEqual(await ledger2.verify(), { ok: true, treeSize: 50 });
      } finally {
        await store2.close();
        await store.close();
        await tdb.cleanup();
      }
    });
  });
}

/** Root of the first `n` entries as stored (the tampering test truncates the head by hand). */
async function rootOf(store: Store, n: number): Promise<string> {
  const rows = await store.db
    .selectFrom("ledger_entries")
    .select("leaf_hash")
    .where("idx", "<", n)
    .orderBy("idx")
    .execute();
  return naiveRoot(rows.map((r) => Buffer.from(r.leaf_hash, "hex")));
}
