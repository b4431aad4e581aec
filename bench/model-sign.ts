/**
 * Benchmark: `warden model sign` (OMS hashing on worker threads + signing) against `sha256sum` over the same files,
 * in the same run. Creates a temporary model of N files (default 8 × 256 MiB = 2 GiB; `node --import tsx
 * bench/model-sign.ts 512` for 512 MiB total), times each tool (best of `--runs`, default 2, alternating; the first
 * sha256sum pass also warms the page cache), prints JSON with MB/s, and deletes the files. `wardenSignOneWorker` hashes
 * on the calling thread only, to separate the hashing implementation from the parallelism.
 */
import { execFileSync } from "node:child_process";
import { generateKeyPairSync, sign as nodeSign, randomFillSync } from "node:crypto";
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { availableParallelism, cpus, tmpdir } from "node:os";
import { join } from "node:path";
import type { PublicKey, Signer } from "../src/core/index.ts";
import { signModel } from "../src/model/index.ts";

const totalMiB = Number(process.argv[2] ?? 2048);
const runs = Number(process.argv.find((a) => a.startsWith("--runs="))?.slice(7) ?? 2);
const files = 8;
const perFile = Math.floor((totalMiB * 1024 * 1024) / files);

/** A throw-away ECDSA P-256 signer shaped like the keyring's (no keyring needed for timing). */
function benchSigner(): Signer {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const der = new Uint8Array(publicKey.export({ type: "spki", format: "der" }));
  const pem = publicKey.export({ type: "spki", format: "pem" }).toString();
  const pub: PublicKey = {
    type: "ecdsa-p256",
    keyId: "bench",
    bytes: der,
    verify: () => true,
    toPem: () => pem,
    toJwk: () => ({}),
  };
  return {
    type: "ecdsa-p256",
    keyId: "bench",
    sign: (data) => new Uint8Array(nodeSign("sha256", data, { key: privateKey, dsaEncoding: "der" })),
    publicKey: () => pub,
  };
}

const dir = mkdtempSync(join(tmpdir(), "warden-bench-sign-"));
try {
  const chunk = Buffer.allocUnsafe(8 * 1024 * 1024);
  const paths: string[] = [];
  for (let i = 0; i < files; i++) {
    const p = join(dir, `shard-${i}.bin`);
    const fd = openSync(p, "w");
    for (let left = perFile; left > 0; left -= chunk.length) {
      randomFillSync(chunk);
      writeSync(fd, chunk, 0, Math.min(chunk.length, left));
    }
    closeSync(fd);
    paths.push(p);
  }
  const bytes = perFile * files;
  const signer = benchSigner();
  const time = async (fn: () => unknown): Promise<number> => {
    const t0 = performance.now();
    await fn();
    return (performance.now() - t0) / 1000;
  };
  const sha: number[] = [];
  const warden: number[] = [];
  const warden1: number[] = [];
  const signaturePath = join(tmpdir(), `warden-bench-${process.pid}.sig`);
  for (let r = 0; r < runs; r++) {
    sha.push(await time(() => execFileSync("sha256sum", paths, { stdio: ["ignore", "ignore", "inherit"] })));
    warden.push(await time(() => signModel({ modelPath: dir, signer, signaturePath })));
    warden1.push(await time(() => signModel({ modelPath: dir, signer, signaturePath, workers: 1 })));
  }
  rmSync(signaturePath, { force: true });
  const mbps = (s: number) => Math.round((bytes / 1e6 / s) * 10) / 10;
  const best = (xs: number[]) => Math.min(...xs);
  process.stdout.write(
    `${JSON.stringify(
      {
        benchmark: "model-sign",
        files,
        bytes,
        runs,
        cpus: cpus().length,
        workers: availableParallelism(),
        cpu: cpus()[0]?.model ?? "unknown",
        node: process.version,
        sha256sum: { seconds: best(sha), mbPerSecond: mbps(best(sha)), all: sha },
        wardenSign: { seconds: best(warden), mbPerSecond: mbps(best(warden)), all: warden },
        wardenSignOneWorker: { seconds: best(warden1), mbPerSecond: mbps(best(warden1)), all: warden1 },
        speedup: Math.round((best(sha) / best(warden)) * 100) / 100,
      },
      null,
      2,
    )}\n`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
