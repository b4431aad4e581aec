// Several processes appending to one database at once (SQLite file; PostgreSQL when WARDEN_TEST_PG_URL is set), and
// a process SIGKILLed in the middle of appends: no entry is lost, indexes stay dense, verify() passes.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { Ledger } from "../../src/ledger/index.ts";
import { DIALECTS } from "../store/dialects.ts";

const WORKER = fileURLToPath(new URL("./append-worker.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("../../", import.meta.url));

function startWorker(
  options: object,
  id: string,
  count: number,
): { child: ChildProcess; acked: number[]; done: Promise<number | null> } {
  const child = spawn(process.execPath, ["--import", "tsx", WORKER, JSON.stringify(options), id, String(count)], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const acked: number[] = [];
  let buf = "";
  let err = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    buf += chunk.toString();
    const lines = buf.split("\n");
    buf = lines.pop()!;
    for (const l of lines) acked.push(Number(l));
  });
  child.stderr!.on("data", (chunk: Buffer) => {
    err += chunk.toString();
  });
  const done = new Promise<number | null>((resolve) =>
    child.on("exit", (code) => {
      if (code !== 0 && code !== null) process.stderr.write(err);
      resolve(code);
    }),
  );
  return { child, acked, done };
}

for (const d of DIALECTS) {
  describe(`ledger processes on ${d.name}`, { skip: d.skip }, () => {
    test("three processes appending concurrently keep every entry, dense and in order", {
      timeout: 120_000,
    }, async () => {
      const tdb = d.create();
      const setup = await tdb.open();
      await setup.close();
      try {
        const PER = 40;
        const workers = ["a", "b", "c"].map((id) => startWorker(tdb.options, id, PER));
        const codes = await Promise.all(workers.map((w) => w.done));
        assert.deepEqual(codes, [0, 0, 0]);
        const store = await tdb.open();
        try {
          const ledger = await Ledger.open(store, { origin: "test.example/warden" });
          assert.equal(await ledger.size(), 3 * PER);
          assert.deepEqual(await ledger.verify(), { ok: true, treeSize: 3 * PER });
          for (const id of ["a", "b", "c"]) {
            const mine = await ledger.find({ subject: id, limit: 1000 });
            assert.deepEqual(
              mine.map((r) => (r.entry.data as { i: number }).i),
              Array.from({ length: PER }, (_, i) => i),
              `worker ${id}'s entries in order`,
            );
          }
          const acked = workers.flatMap((w) => w.acked);
          assert.equal(new Set(acked).size, acked.length, "no index acknowledged twice");
        } finally {
          await store.close();
        }
      } finally {
        await tdb.cleanup();
      }
    });

    test("a process killed with SIGKILL mid-append leaves a valid, dense ledger", { timeout: 120_000 }, async () => {
      const tdb = d.create();
      const setup = await tdb.open();
      await setup.close();
      try {
        const w = startWorker(tdb.options, "crash", 0);
        const other = startWorker(tdb.options, "other", 40);
        while (w.acked.length < 100) {
          if (w.child.exitCode !== null) assert.fail("worker exited early");
          await new Promise((r) => setTimeout(r, 10));
        }
        w.child.kill("SIGKILL");
        assert.equal(await w.done, null);
        assert.equal(await other.done, 0);
        const store = await tdb.open();
        try {
          const ledger = await Ledger.open(store, { origin: "test.example/warden" });
          const size = await ledger.size();
          assert.ok(size > Math.max(...w.acked), "every acknowledged append survived");
          assert.deepEqual(await ledger.verify(), { ok: true, treeSize: size });
          const next = await ledger.append({ type: "test.after", subject: "s", actor: "a" });
          assert.equal(next.index, size);
          assert.deepEqual(await ledger.verify(), { ok: true, treeSize: size + 1 });
        } finally {
          await store.close();
        }
      } finally {
        await tdb.cleanup();
      }
    });
  });
}
