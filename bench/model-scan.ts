/**
 * Benchmark of the model-file scanner: files/s and MB/s over the picklescan corpus (in process, after a warm-up) and
 * over a generated benign PyTorch-style zip (1000 tensors, 256 MiB of stored tensor data, only the pickle is parsed).
 * Runs picklescan on the same files when `python3` can import it (PICKLESCAN_PATH may point at a checkout);
 * otherwise records Warden's figures with the published picklescan baseline of the corpus.
 * Usage: node --import tsx bench/model-scan.ts
 */
import { spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { crc32 } from "node:zlib";
import { listFiles, scanFile } from "../src/model/scan/index.ts";

const corpus = fileURLToPath(new URL("../../shared/corpora/picklescan/", import.meta.url));

async function timeScan(
  files: string[],
  rounds: number,
): Promise<{ coldMs: number; ms: number; cpuMs: number; bytes: number; verdicts: Record<string, number> }> {
  const cold = performance.now();
  for (const f of files) await scanFile(f);
  const coldMs = performance.now() - cold;
  let best = Number.POSITIVE_INFINITY;
  let bestCpu = Number.POSITIVE_INFINITY;
  let bytes = 0;
  const verdicts: Record<string, number> = {};
  for (let r = 0; r < rounds; r++) {
    const t = performance.now();
    const cpu = process.cpuUsage();
    bytes = 0;
    for (const f of files) {
      const res = await scanFile(f);
      bytes += res.size;
      if (r === 0) verdicts[res.verdict] = (verdicts[res.verdict] ?? 0) + 1;
    }
    best = Math.min(best, performance.now() - t);
    const used = process.cpuUsage(cpu);
    bestCpu = Math.min(bestCpu, (used.user + used.system) / 1000);
  }
  return { coldMs, ms: best, cpuMs: bestCpu, bytes, verdicts };
}

function le(n: number, width: number): Buffer {
  const b = Buffer.alloc(width);
  if (width === 2) b.writeUInt16LE(n);
  else b.writeUInt32LE(n);
  return b;
}

/** A torch.save-style state dict pickle referencing `n` storages through persistent ids. */
function statePickle(n: number, numel: number): Buffer {
  const parts: Buffer[] = [
    Buffer.from([0x80, 0x02]),
    Buffer.from("ccollections\nOrderedDict\nq\x00)Rq\x01(", "latin1"),
  ];
  const sbu = (s: string) => Buffer.concat([Buffer.from([0x58]), le(s.length, 4), Buffer.from(s)]);
  for (let i = 0; i < n; i++) {
    parts.push(sbu(`layer${i}.weight`));
    parts.push(Buffer.from(i === 0 ? "ctorch._utils\n_rebuild_tensor_v2\nq\x02" : "h\x02", "latin1"));
    parts.push(Buffer.from("((", "latin1"), sbu("storage"));
    parts.push(Buffer.from(i === 0 ? "ctorch\nFloatStorage\nq\x03" : "h\x03", "latin1"));
    parts.push(sbu(String(i)), sbu("cpu"), Buffer.from([0x4a]), le(numel, 4), Buffer.from("tQ", "latin1"));
    parts.push(Buffer.from([0x4b, 0x00, 0x4a]), le(numel, 4), Buffer.from([0x85, 0x4b, 0x01, 0x85, 0x89]));
    parts.push(Buffer.from("h\x00)Rt", "latin1"), Buffer.from("R", "latin1"));
  }
  parts.push(Buffer.from("u.", "latin1"));
  return Buffer.concat(parts);
}

/** Writes a stored (uncompressed) PyTorch-style zip of `n` storages of `size` bytes each. */
function writeTorchZip(path: string, n: number, size: number): number {
  const fd = openSync(path, "w");
  let offset = 0;
  const central: Buffer[] = [];
  const add = (name: string, data: Buffer | number): void => {
    const body = typeof data === "number" ? undefined : data;
    const len = body ? body.length : (data as number);
    const crc = body ? crc32(body) >>> 0 : 0;
    const nameBuf = Buffer.from(name);
    const local = Buffer.concat([
      le(0x04034b50, 4),
      le(20, 2),
      le(0, 2),
      le(0, 2),
      le(0, 4),
      le(crc, 4),
      le(len, 4),
      le(len, 4),
      le(nameBuf.length, 2),
      le(0, 2),
      nameBuf,
    ]);
    central.push(
      Buffer.concat([
        le(0x02014b50, 4),
        le(20, 2),
        le(20, 2),
        le(0, 2),
        le(0, 2),
        le(0, 4),
        le(crc, 4),
        le(len, 4),
        le(len, 4),
        le(nameBuf.length, 2),
        le(0, 2),
        le(0, 2),
        le(0, 2),
        le(0, 2),
        le(0, 4),
        le(offset, 4),
        nameBuf,
      ]),
    );
    writeSync(fd, local);
    if (body) writeSync(fd, body);
    else {
      const chunk = Buffer.alloc(Math.min(len, 1 << 20), 0x3f);
      for (let w = 0; w < len; w += chunk.length) writeSync(fd, chunk, 0, Math.min(chunk.length, len - w));
    }
    offset += local.length + len;
  };
  add("archive/data.pkl", statePickle(n, size / 4));
  add("archive/version", Buffer.from("3\n"));
  for (let i = 0; i < n; i++) add(`archive/data/${i}`, size);
  const cd = Buffer.concat(central);
  writeSync(fd, cd);
  writeSync(
    fd,
    Buffer.concat([
      le(0x06054b50, 4),
      le(0, 2),
      le(0, 2),
      le(central.length, 2),
      le(central.length, 2),
      le(cd.length, 4),
      le(offset, 4),
      le(0, 2),
    ]),
  );
  closeSync(fd);
  return offset + cd.length + 22;
}

function picklescanBaseline(files: string[]): { available: boolean; ms?: number } {
  const env = { ...process.env, PYTHONPATH: process.env.PICKLESCAN_PATH ?? "" };
  const probe = spawnSync("python3", ["-c", "import picklescan"], { env });
  if (probe.status !== 0) return { available: false };
  const code = `import sys,time\nfrom picklescan.scanner import scan_file_path\nfs=sys.argv[1:]\nt=time.perf_counter()\nfor f in fs:\n  try: scan_file_path(f)\n  except Exception: pass\nprint((time.perf_counter()-t)*1000)`;
  const r = spawnSync("python3", ["-c", code, ...files], { env, encoding: "utf8" });
  return { available: true, ms: Number(r.stdout.trim()) };
}

const CLI = `import { Command } from "commander";
import { registerModelScanCommand } from "./src/cli/model-scan.ts";
const p = new Command("warden");
registerModelScanCommand(p.command("model"));
await p.parseAsync(["model", "scan", "--json", process.env.TARGET], { from: "user" });`;

/** Wall time of \`warden model scan --json <dir>\` as a fresh process (TypeScript loaded through tsx). */
function commandTime(dir: string): number {
  const t = performance.now();
  spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", CLI], {
    cwd: fileURLToPath(new URL("..", import.meta.url)),
    env: { ...process.env, TARGET: dir, WARDEN_HOME: join(tmpdir(), "warden-bench-no-home") },
  });
  return Number(((performance.now() - t) / 1000).toFixed(3));
}

const out: Record<string, unknown> = { node: process.version, cpus: cpus().length, loadAverage: loadavg()[0] };
if (existsSync(corpus)) {
  const files = await listFiles([join(corpus, "data"), join(corpus, "data2")]);
  const c = await timeScan(files, 5);
  out.corpus = {
    files: files.length,
    bytes: c.bytes,
    firstPassMs: Number(c.coldMs.toFixed(2)),
    bestOf5Ms: Number(c.ms.toFixed(2)),
    bestOf5CpuMs: Number(c.cpuMs.toFixed(2)),
    filesPerSecond: Math.round(files.length / (c.ms / 1000)),
    filesPerCpuSecond: Math.round(files.length / (c.cpuMs / 1000)),
    mbPerSecond: Number((c.bytes / 1e6 / (c.ms / 1000)).toFixed(2)),
    verdicts: c.verdicts,
    commandSeconds: commandTime(join(corpus, "data2")),
    picklescan: {
      ...picklescanBaseline(files),
      publishedInProcessMs: 122,
      publishedCommandSeconds: { data2: 0.21, data: 0.17 },
    },
  };
}
const dir = mkdtempSync(join(tmpdir(), "warden-bench-"));
try {
  const path = join(dir, "pytorch_model.bin");
  const size = writeTorchZip(path, 1000, 256 << 10);
  const z = await timeScan([path], 5);
  out.torchZip = {
    tensors: 1000,
    bytes: size,
    bestOf5Ms: Number(z.ms.toFixed(2)),
    bestOf5CpuMs: Number(z.cpuMs.toFixed(2)),
    mbPerSecond: Math.round(size / 1e6 / (z.ms / 1000)),
    verdicts: z.verdicts,
  };
} finally {
  rmSync(dir, { recursive: true, force: true });
}
process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
