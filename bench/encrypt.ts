/**
 * Benchmark of envelope encryption (src/core/crypto, WARDENC v1), compared in the same run with `openssl speed -evp
 * aes-256-gcm -bytes 16384 -seconds 3`. Layer by layer, to show where time goes: the chunk cipher alone in memory
 * (`chunkCipherMBps`, the backend in `backend`), the file read and encrypted as a stream into a sink that drops the
 * bytes (`streamToNullMBps`), encryptFile / decryptFile to a new file with fsync (1 GiB by default, with peak RSS),
 * and, as the I/O ceiling, plain copies of the file with fsync (in Node, 64 KiB at a time, and `dd bs=1M
 * conv=fsync`); Node's own AES-256-GCM on in-memory 64 KiB
 * buffers is given for reference. Throughputs are in MB/s (10^6 bytes/s, openssl's unit) of plaintext.
 *
 * Usage: node --import tsx bench/encrypt.ts [size, e.g. 1G, 256M] [chunk size in bytes]
 * Environment: WARDEN_BENCH_BYTES (size), WARDEN_BENCH_DIR (where the temp files go, default the OS temp dir).
 */
import { execFileSync } from "node:child_process";
import { createCipheriv, randomBytes } from "node:crypto";
import { mkdtemp, open, rm } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { chunkCipher } from "../src/core/crypto/chunk-cipher.ts";
import {
  aesGcmBackend,
  DEFAULT_ENCRYPTION_CHUNK,
  decryptFile,
  encryptFile,
  encryptStream,
  KeyRing,
} from "../src/core/crypto/index.ts";
import { batchBytes, batchChunks } from "../src/core/crypto/stream-crypto.ts";
import { newHeader, parseHeader } from "../src/core/crypto/stream-format.ts";

function parseSize(text: string): number {
  const m = /^(\d+)([KMG]?)$/i.exec(text.trim());
  if (!m) throw new Error(`bad size ${text}: use e.g. 1G, 256M, 1048576`);
  return Number(m[1]) * 1024 ** "BKMG".indexOf((m[2] || "B").toUpperCase());
}

const size = parseSize(process.argv[2] ?? process.env.WARDEN_BENCH_BYTES ?? "1G");
const chunkSize = Number(process.argv[3] ?? DEFAULT_ENCRYPTION_CHUNK);
const mbps = (bytes: number, ms: number) => Math.round(bytes / 1e6 / (ms / 1000));

/** Samples RSS every 10 ms while `fn` runs; returns elapsed ms, CPU ms (user + system, all threads), peak RSS. */
async function measure(fn: () => Promise<void>): Promise<{ ms: number; cpuMs: number; peakRss: number }> {
  let peakRss = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, 10);
  const start = performance.now();
  const cpu = process.cpuUsage();
  try {
    await fn();
  } finally {
    clearInterval(timer);
  }
  const used = process.cpuUsage(cpu);
  return {
    ms: performance.now() - start,
    cpuMs: (used.user + used.system) / 1000,
    peakRss: Math.max(peakRss, process.memoryUsage.rss()),
  };
}

async function writeInput(path: string): Promise<void> {
  const block = randomBytes(1 << 20);
  const fh = await open(path, "w");
  try {
    for (let left = size; left > 0; left -= block.length) await fh.write(block, 0, Math.min(left, block.length));
  } finally {
    await fh.close();
  }
}

async function copyChunked(from: string, to: string): Promise<void> {
  const src = await open(from, "r");
  const dst = await open(to, "w");
  try {
    for (;;) {
      const buf = Buffer.allocUnsafe(chunkSize);
      const { bytesRead } = await src.read(buf, 0, chunkSize, null);
      if (bytesRead === 0) break;
      await dst.write(buf, 0, bytesRead);
    }
    await dst.sync();
  } finally {
    await src.close();
    await dst.close();
  }
}

function nodeAesGcm(): { wall: number; cpu: number } {
  const key = randomBytes(32);
  const buf = randomBytes(chunkSize);
  const total = Math.min(size, 512 * 1024 * 1024);
  const start = performance.now();
  const cpu = process.cpuUsage();
  for (let done = 0; done < total; done += chunkSize) {
    const cipher = createCipheriv("aes-256-gcm", key, randomBytes(12));
    cipher.update(buf);
    cipher.final();
    cipher.getAuthTag();
  }
  const used = process.cpuUsage(cpu);
  return { wall: mbps(total, performance.now() - start), cpu: mbps(total, (used.user + used.system) / 1000) };
}

/** Reads the file in 1 MiB pieces, one read ahead, and streams its encryption into a sink that drops the bytes. */
async function encryptToNull(path: string, ring: KeyRing): Promise<void> {
  const fh = await open(path, "r");
  async function* pieces(): AsyncGenerator<Uint8Array> {
    const read = async () => {
      const buf = Buffer.allocUnsafe(1 << 20);
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      return buf.subarray(0, bytesRead);
    };
    let next = read();
    for (;;) {
      const piece = await next;
      if (piece.byteLength === 0) return;
      next = read();
      yield piece;
    }
  }
  try {
    const sink = new Writable({ highWaterMark: 4 << 20, write: (_chunk, _enc, done) => done() });
    await encryptStream(pieces(), sink, ring, { chunkSize });
  } finally {
    await fh.close();
  }
}

/** Warden's chunk cipher alone: 512 MiB sealed in 1 MiB batches into one reused buffer (no I/O, no allocation). */
function chunkCipherInMemory(): number {
  const header = parseHeader(newHeader(chunkSize, randomBytes(7)));
  const cipher = chunkCipher(randomBytes(32), header);
  const plain = randomBytes(batchBytes(chunkSize, false));
  const out = Buffer.allocUnsafe(batchBytes(chunkSize, true));
  const total = 512 * 1024 * 1024;
  const start = performance.now();
  for (let done = 0, counter = 0; done < total; done += plain.length, counter += batchChunks(chunkSize)) {
    cipher.seal(plain, counter, false, out);
  }
  return mbps(total, performance.now() - start);
}

function opensslSpeed(): number | null {
  try {
    const out = execFileSync("openssl", ["speed", "-evp", "aes-256-gcm", "-bytes", "16384", "-seconds", "3"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    });
    const m = /^AES-256-GCM\s+([\d.]+)k\s*$/m.exec(out);
    return m ? Math.round(Number(m[1]) / 1000) : null;
  } catch {
    return null;
  }
}

const dir = await mkdtemp(join(process.env.WARDEN_BENCH_DIR ?? tmpdir(), "warden-bench-encrypt-"));
try {
  const ring = await KeyRing.open(join(dir, "keyring"), { passphrase: randomBytes(16).toString("hex") });
  const input = join(dir, "input.bin");
  await writeInput(input);
  await ring.currentWrappingKey();
  const stream = await measure(() => encryptToNull(input, ring));
  const enc = await measure(() => encryptFile(input, join(dir, "input.enc"), ring, { chunkSize }));
  await rm(input);
  const dec = await measure(() => decryptFile(join(dir, "input.enc"), join(dir, "output.bin"), ring));
  await rm(join(dir, "input.enc"));
  const copy = await measure(() => copyChunked(join(dir, "output.bin"), join(dir, "copy.bin")));
  await rm(join(dir, "copy.bin"));
  const dd = await measure(async () => {
    execFileSync("dd", [`if=${join(dir, "output.bin")}`, `of=${join(dir, "dd.bin")}`, "bs=1M", "conv=fsync"], {
      stdio: "ignore",
    });
  });
  const opensslMBps = opensslSpeed();
  const chunkCipherMBps = chunkCipherInMemory();
  const encryptMBps = mbps(size, enc.ms);
  const encryptCpuMBps = mbps(size, enc.cpuMs);
  const aes = nodeAesGcm();
  console.log(
    JSON.stringify(
      {
        bytes: size,
        chunkSize,
        backend: aesGcmBackend(),
        encryptMBps,
        decryptMBps: mbps(size, dec.ms),
        opensslMBps,
        ratio: opensslMBps ? Math.round((encryptMBps / opensslMBps) * 1000) / 1000 : null,
        encryptCpuMBps,
        chunkCipherMBps,
        chunkCipherRatio: opensslMBps ? Math.round((chunkCipherMBps / opensslMBps) * 1000) / 1000 : null,
        streamToNullMBps: mbps(size, stream.ms),
        streamRatio: opensslMBps ? Math.round((mbps(size, stream.ms) / opensslMBps) * 1000) / 1000 : null,
        decryptCpuMBps: mbps(size, dec.cpuMs),
        cpuRatio: opensslMBps ? Math.round((encryptCpuMBps / opensslMBps) * 1000) / 1000 : null,
        nodeAesGcmMBps: aes.wall,
        nodeAesGcmCpuMBps: aes.cpu,
        copyMBps: mbps(size, copy.ms),
        copyCpuMBps: mbps(size, copy.cpuMs),
        ddMBps: mbps(size, dd.ms),
        ratioToDd: Math.round((encryptMBps / mbps(size, dd.ms)) * 1000) / 1000,
        peakRssMB: Math.round(Math.max(stream.peakRss, enc.peakRss, dec.peakRss) / 1e6),
        machine: {
          cpus: cpus().length,
          model: cpus()[0]?.model ?? "unknown",
          loadavg1m: loadavg()[0],
          node: process.version,
        },
      },
      null,
      2,
    ),
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
