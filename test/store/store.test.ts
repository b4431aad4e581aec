// The store test-suite, run unchanged on SQLite and (when WARDEN_TEST_PG_URL is set) PostgreSQL: migrations applied
// once and recorded, concurrent opens, serialised write transactions, portable column types, clear errors.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { sql } from "kysely";
import { isWardenError } from "../../src/core/errors.ts";
import { appliedMigrations, openStore, redactUrl } from "../../src/store/index.ts";
import { runMigrations } from "../../src/store/migrate.ts";
import { MIGRATIONS } from "../../src/store/migrations/index.ts";
import { DIALECTS } from "./dialects.ts";

// A `type` alias, not an interface: withTables<T> needs T to have an implicit index signature.
type KvTables = {
  t_kv: { k: string; v: number; big: number; flag: number; blob_hex: string };
};

for (const d of DIALECTS) {
  describe(`store on ${d.name}`, { skip: d.skip }, () => {
    test("opening applies every migration once and records it", async () => {
      const tdb = d.create();
      try {
        const s1 = await tdb.open();
        assert.equal(s1.dialect, d.name);
        assert.deepEqual(
          await appliedMigrations(s1),
          MIGRATIONS.map((m) => m.id),
        );
        const head = await s1.db.selectFrom("ledger_head").selectAll().execute();
        assert.equal(head.length, 1);
        assert.equal(head[0]!.tree_size, 0);
        await s1.close();
        const s2 = await tdb.open();
        assert.deepEqual(
          await appliedMigrations(s2),
          MIGRATIONS.map((m) => m.id),
        );
        assert.equal((await s2.db.selectFrom("ledger_head").selectAll().execute()).length, 1);
        await s2.close();
      } finally {
        await tdb.cleanup();
      }
    });

    test("several stores opening at once migrate exactly once", async () => {
      const tdb = d.create();
      try {
        const stores = await Promise.all([tdb.open(), tdb.open(), tdb.open()]);
        const rows = await stores[0]!.db.selectFrom("warden_migrations").selectAll().execute();
        assert.equal(rows.length, MIGRATIONS.length);
        await Promise.all(stores.map((s) => s.close()));
      } finally {
        await tdb.cleanup();
      }
    });

    test("a failing migration rolls back and reports E_DB_MIGRATION with its id", async () => {
      const tdb = d.create();
      try {
        const s = await tdb.open();
        const broken = {
          id: "999-broken",
          async up(db: Parameters<(typeof MIGRATIONS)[number]["up"]>[0]) {
            await db.schema.createTable("t_half").addColumn("a", "text").execute();
            await sql`select * from no_such_table`.execute(db);
          },
        };
        await assert.rejects(
          runMigrations(s, [...MIGRATIONS, broken]),
          (e: unknown) => isWardenError(e, "E_DB_MIGRATION") && /999-broken/.test(e.message),
        );
        assert.deepEqual(
          await appliedMigrations(s),
          MIGRATIONS.map((m) => m.id),
        );
        const tables = (await s.db.introspection.getTables()).map((t) => t.name);
        assert.ok(!tables.includes("t_half"), "the half-applied migration was rolled back");
        await assert.rejects(runMigrations(s, MIGRATIONS.slice(1)), (e: unknown) => isWardenError(e, "E_DB_MIGRATION"));
        await s.close();
      } finally {
        await tdb.cleanup();
      }
    });

    test("domain tables: portable integers, big integers, booleans and hex binary round-trip", async () => {
      const tdb = d.create();
      try {
        const s = await tdb.open();
        await s.db.schema
          .createTable("t_kv")
          .addColumn("k", "text", (c) => c.primaryKey())
          .addColumn("v", "integer", (c) => c.notNull())
          .addColumn("big", "bigint", (c) => c.notNull())
          .addColumn("flag", "integer", (c) => c.notNull())
          .addColumn("blob_hex", "text", (c) => c.notNull())
          .execute();
        const db = s.db.withTables<KvTables>();
        const big = 2 ** 52 + 3;
        await db.insertInto("t_kv").values({ k: "a", v: 7, big, flag: 1, blob_hex: "00ff10" }).execute();
        const row = await db.selectFrom("t_kv").selectAll().where("k", "=", "a").executeTakeFirstOrThrow();
        assert.deepEqual(row, { k: "a", v: 7, big, flag: 1, blob_hex: "00ff10" });
        const count = await db
          .selectFrom("t_kv")
          .select((eb) => eb.fn.countAll<number>().as("n"))
          .executeTakeFirstOrThrow();
        assert.equal(count.n, 1);
        await s.close();
      } finally {
        await tdb.cleanup();
      }
    });

    test("write transactions are serialised and roll back on error", async () => {
      const tdb = d.create();
      try {
        const s1 = await tdb.open();
        const s2 = await tdb.open();
        await s1.db.schema
          .createTable("t_counter")
          .addColumn("n", "integer", (c) => c.notNull())
          .execute();
        const db = s1.db.withTables<{ t_counter: { n: number } }>();
        await db.insertInto("t_counter").values({ n: 0 }).execute();
        const bump = (s: typeof s1) =>
          s.writeTransaction(
            async (trx) => {
              const t = trx.withTables<{ t_counter: { n: number } }>();
              const { n } = await t.selectFrom("t_counter").select("n").executeTakeFirstOrThrow();
              await new Promise((r) => setTimeout(r, 2));
              await t
                .updateTable("t_counter")
                .set({ n: n + 1 })
                .execute();
            },
            { lock: "t_counter" },
          );
        await Promise.all(Array.from({ length: 20 }, (_, i) => bump(i % 2 ? s1 : s2)));
        assert.equal((await db.selectFrom("t_counter").select("n").executeTakeFirstOrThrow()).n, 20);
        await assert.rejects(
          s1.writeTransaction(async (trx) => {
            await trx.withTables<{ t_counter: { n: number } }>().updateTable("t_counter").set({ n: 999 }).execute();
            throw new Error("boom");
          }),
          /boom/,
        );
        assert.equal((await db.selectFrom("t_counter").select("n").executeTakeFirstOrThrow()).n, 20);
        await s1.close();
        await s2.close();
      } finally {
        await tdb.cleanup();
      }
    });
  });
}

describe("store errors", () => {
  test("an unreachable PostgreSQL gives E_DB_CONNECT without the password", async () => {
    await assert.rejects(openStore({ url: "postgresql://warden:s3cret@127.0.0.1:1/none" }), (e: unknown) => {
      assert.ok(isWardenError(e, "E_DB_CONNECT"));
      assert.ok(!e.message.includes("s3cret"));
      assert.match(e.message, /postgresql:\/\/warden:\*\*\*@127\.0\.0\.1:1\/none/);
      return true;
    });
  });

  test("a SQLite path in a missing directory gives E_DB_CONNECT naming the path", async () => {
    await assert.rejects(openStore({ sqlitePath: "/nonexistent-dir-for-warden/x.db" }), (e: unknown) => {
      return isWardenError(e, "E_DB_CONNECT") && e.message.includes("/nonexistent-dir-for-warden/x.db");
    });
  });

  test("no database configured is a configuration error", async () => {
    await assert.rejects(openStore({}), (e: unknown) => isWardenError(e, "E_CONFIG_INVALID"));
  });

  test("redactUrl hides passwords only", () => {
    assert.equal(redactUrl("postgres://u:p@h:5432/d"), "postgres://u:***@h:5432/d");
    assert.equal(redactUrl("postgres://u@h/d"), "postgres://u@h/d");
  });

  test("a database created by a newer Warden is refused", async () => {
    const dir = mkdtempSync(join(tmpdir(), "warden-store-"));
    try {
      const path = join(dir, "w.db");
      const s = await openStore({ sqlitePath: path });
      await s.db
        .insertInto("warden_migrations")
        .values({ id: "500-future", applied_at: new Date().toISOString() })
        .execute();
      await s.close();
      await assert.rejects(
        openStore({ sqlitePath: path }),
        (e: unknown) => isWardenError(e, "E_DB_MIGRATION") && /newer/.test(e.message),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
