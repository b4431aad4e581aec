/**
 * Benchmark of the RFC 6962 ledger (src/ledger) on SQLite: batch append rate (batches of 1000, which also builds the
 * ledger), single append rate (one transaction per entry), inclusion and consistency proof generation at the full size
 * (default 1,000,000 entries), and a full verify(). Baseline compared in the same run: the O(n) way to produce the same
 * proof — read every leaf hash of the tree and rebuild it — to show what storing perfect subtree roots buys.
 * Wall-clock and process CPU time are both reported (the machine may be shared). Optional PostgreSQL figures when
 * WARDEN_BENCH_PG_URL is set (a throw-away schema is created and dropped).
 *
 * Usage: node --import tsx bench/ledger.ts [entries, default 1000000]
 * Environment: WARDEN_BENCH_DIR (temp dir for the SQLite file), WARDEN_BENCH_VERIFY=0 to skip verify(),
 * WARDEN_BENCH_PG_URL (e.g. postgres://postgres@127.0.0.1:5432/test), WARDEN_BENCH_PG_ENTRIES (default 100000).
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { EMPTY_ROOT, hashChildren, Ledger, type LedgerEntryInput, verifyInclusion } from "../src/ledger/index.ts";
import { openStore, type Store } from "../src/store/index.ts";

const TOTAL = Number(process.argv[2] ?? 1_000_000);
const BATCH = 1000;
const SINGLES = 5000;
const PROOFS = 2000;

const entry = (i: number): LedgerEntryInput => ({
  type: i % 5 === 0 ? "model.scanned" : "gateway.request.blocked",
  subject: `models/m-${i % 97}`,
  actor: "bench",
  data: { i, digest: `sha256:${(i * 2654435761).toString(16).padStart(64, "0")}`, verdict: "ok" },
});

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number; cpuMs: number }> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const value = await fn();
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { value, ms, cpuMs: (used.user + used.system) / 1000 };
}

const rate = (n: number, ms: number) => Math.round(n / (ms / 1000));
const round = (x: number, digits = 4) => Number(x.toFixed(digits));

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

async function proofTimes(
  fn: (i: number) => Promise<unknown>,
): Promise<{ mean_ms: number; cpu_mean_ms: number; p50_ms: number; p99_ms: number }> {
  const times: number[] = [];
  const cpu = process.cpuUsage();
  for (let i = 0; i < PROOFS; i++) {
    const t = performance.now();
    await fn(i);
    times.push(performance.now() - t);
  }
  const used = process.cpuUsage(cpu);
  times.sort((a, b) => a - b);
  return {
    mean_ms: round(times.reduce((a, b) => a + b, 0) / times.length),
    cpu_mean_ms: round((used.user + used.system) / 1000 / PROOFS),
    p50_ms: round(percentile(times, 0.5)),
    p99_ms: round(percentile(times, 0.99)),
  };
}

/** Baseline: the audit path of leaf m in a tree of n leaves by reading every leaf hash and rebuilding the tree. */
async function naiveInclusion(store: Store, m: number, n: number): Promise<string[]> {
  const rows = await store.db
    .selectFrom("ledger_entries")
    .select("leaf_hash")
    .where("idx", "<", n)
    .orderBy("idx")
    .execute();
  const leaves = rows.map((r) => Buffer.from(r.leaf_hash, "hex"));
  const mth = (lo: number, hi: number): Buffer => {
    if (hi - lo === 0) return EMPTY_ROOT;
    if (hi - lo === 1) return leaves[lo]!;
    let k = 1;
    while (k * 2 < hi - lo) k *= 2;
    return hashChildren(mth(lo, lo + k), mth(lo + k, hi));
  };
  const path = (idx: number, lo: number, hi: number): Buffer[] => {
    if (hi - lo <= 1) return [];
    let k = 1;
    while (k * 2 < hi - lo) k *= 2;
    return idx < lo + k ? [...path(idx, lo, lo + k), mth(lo + k, hi)] : [...path(idx, lo + k, hi), mth(lo, lo + k)];
  };
  return path(m, 0, n).map((h) => h.toString("hex"));
}

async function benchSqlite(): Promise<Record<string, unknown>> {
  const dir = await mkdtemp(join(process.env.WARDEN_BENCH_DIR ?? tmpdir(), "warden-bench-ledger-"));
  const store = await openStore({ sqlitePath: join(dir, "ledger.db") });
  try {
    const ledger = await Ledger.open(store, { origin: "bench.example/warden" });
    const batch = await timed(async () => {
      for (let first = 0; first < TOTAL; first += BATCH) {
        await ledger.appendBatch(Array.from({ length: Math.min(BATCH, TOTAL - first) }, (_, j) => entry(first + j)));
      }
    });
    const single = await timed(async () => {
      for (let i = 0; i < SINGLES; i++) await ledger.append(entry(TOTAL + i));
    });
    const n = await ledger.size();
    const rnd = (i: number) => (i * 7919 + 13) % n;
    const inclusion = await proofTimes((i) => ledger.inclusionProof(rnd(i), n));
    const consistency = await proofTimes((i) => ledger.consistencyProof(1 + rnd(i), n));
    const sample = await ledger.inclusionProof(rnd(1), n);
    if (!verifyInclusion(sample.leafHash, sample.index, n, sample.hashes, sample.rootHash))
      throw new Error("proof did not verify");
    const baseline = await timed(() => naiveInclusion(store, rnd(1), n));
    if (baseline.value.join() !== sample.hashes.join()) throw new Error("baseline proof differs");
    const verify = process.env.WARDEN_BENCH_VERIFY === "0" ? undefined : await timed(() => ledger.verify());
    if (verify !== undefined && !verify.value.ok) throw new Error(`verify failed: ${JSON.stringify(verify.value)}`);
    return {
      entries: n,
      batch_append: {
        batch_size: BATCH,
        entries: TOTAL,
        wall_s: round(batch.ms / 1000, 2),
        entries_per_s: rate(TOTAL, batch.ms),
        entries_per_cpu_s: rate(TOTAL, batch.cpuMs),
      },
      single_append: {
        entries: SINGLES,
        entries_per_s: rate(SINGLES, single.ms),
        entries_per_cpu_s: rate(SINGLES, single.cpuMs),
      },
      inclusion_proof: { tree_size: n, samples: PROOFS, ...inclusion, hashes: sample.hashes.length },
      consistency_proof: { tree_size: n, samples: PROOFS, ...consistency },
      baseline_rebuild_inclusion_proof_ms: round(baseline.ms, 1),
      ...(verify === undefined
        ? {}
        : { verify_s: round(verify.ms / 1000, 2), verify_entries_per_s: rate(n, verify.ms) }),
    };
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

async function benchPostgres(url: string): Promise<Record<string, unknown>> {
  const total = Number(process.env.WARDEN_BENCH_PG_ENTRIES ?? 100_000);
  const schema = `warden_bench_${randomBytes(4).toString("hex")}`;
  const store = await openStore({ url, schema });
  try {
    const ledger = await Ledger.open(store, { origin: "bench.example/warden" });
    const batch = await timed(async () => {
      for (let first = 0; first < total; first += BATCH) {
        await ledger.appendBatch(Array.from({ length: Math.min(BATCH, total - first) }, (_, j) => entry(first + j)));
      }
    });
    const singles = 1000;
    const single = await timed(async () => {
      for (let i = 0; i < singles; i++) await ledger.append(entry(total + i));
    });
    const n = await ledger.size();
    const inclusion = await proofTimes((i) => ledger.inclusionProof((i * 7919 + 13) % n, n));
    return {
      entries: n,
      batch_append_entries_per_s: rate(total, batch.ms),
      single_append_entries_per_s: rate(singles, single.ms),
      inclusion_proof: inclusion,
    };
  } finally {
    if (store.dialect === "postgres") await store.pool.query(`drop schema "${schema}" cascade`);
    await store.close();
  }
}

const sqlite = await benchSqlite();
const pgUrl = process.env.WARDEN_BENCH_PG_URL;
const result = {
  bench: "ledger",
  machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version, loadavg_1m: round(loadavg()[0]!, 2) },
  sqlite,
  ...(pgUrl ? { postgres: await benchPostgres(pgUrl) } : {}),
};
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
