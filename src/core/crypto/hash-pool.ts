/**
 * Parallel, streaming SHA-256 of file ranges on a pool of worker threads (one per available core). Each task hashes
 * `[start, end)` of one file with positioned reads into a reusable 4 MiB buffer, so memory stays flat whatever the
 * model size. Small jobs are hashed on the calling thread, where starting workers would cost more than it saves.
 */
import { createHash } from "node:crypto";
import { closeSync, openSync, readSync } from "node:fs";
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { WardenError } from "../errors.ts";

/** One range to hash: `end` is exclusive; `end === -1` reads to end of file. */
export interface HashTask {
  path: string;
  start: number;
  end: number;
}

/** The hex SHA-256 of a task's bytes and how many bytes were read. */
export interface HashResult {
  digest: string;
  bytes: number;
}

/** Below this many bytes in total (default), hashing on the calling thread beats starting workers. */
const IN_THREAD_LIMIT = 32 * 1024 * 1024;
const CHUNK = 4 * 1024 * 1024;

type Fs = { openSync: typeof openSync; readSync: typeof readSync; closeSync: typeof closeSync };
type Hash = ReturnType<typeof createHash>;

/**
 * Reads the next chunk of `task` at `pos` into `buf` and feeds it to `hash`; returns the bytes read (0 at the end).
 * Self-contained on purpose: its source text is also part of the worker threads (WORKER_SOURCE).
 */
function hashStep(fs: Fs, fd: number, hash: Hash, buf: Buffer, task: HashTask, pos: number): number {
  const want = task.end < 0 ? buf.length : Math.min(buf.length, task.end - pos);
  if (want <= 0) return 0;
  const n = fs.readSync(fd, buf, 0, want, pos);
  if (n > 0) hash.update(n === buf.length ? buf : buf.subarray(0, n));
  return n;
}

/** The result once `task` is read up to `pos`; throws when a bounded range ended early. Self-contained, as hashStep. */
function finishTask(hash: Hash, task: HashTask, pos: number): HashResult {
  if (task.end >= 0 && pos !== task.end) {
    throw new Error(`${task.path} is shorter than expected (${pos} < ${task.end} bytes): it changed while hashing`);
  }
  return { digest: hash.digest("hex"), bytes: pos - task.start };
}

/** Hashes one task synchronously (worker threads, and small jobs on the calling thread). Self-contained. */
function hashRange(fs: Fs, hashFactory: typeof createHash, buf: Buffer, task: HashTask): HashResult {
  const fd = fs.openSync(task.path, "r");
  try {
    const hash = hashFactory("sha256");
    let pos = task.start;
    for (let n = hashStep(fs, fd, hash, buf, task, pos); n > 0; n = hashStep(fs, fd, hash, buf, task, pos)) pos += n;
    return finishTask(hash, task, pos);
  } finally {
    fs.closeSync(fd);
  }
}

/** Hashes one task on the calling thread while workers run, yielding to the event loop every few chunks. */
async function hashRangeYielding(buf: Buffer, task: HashTask): Promise<HashResult> {
  const fs = { openSync, readSync, closeSync };
  const fd = openSync(task.path, "r");
  try {
    const hash = createHash("sha256");
    let pos = task.start;
    for (
      let i = 1, n = hashStep(fs, fd, hash, buf, task, pos);
      n > 0;
      i++, n = hashStep(fs, fd, hash, buf, task, pos)
    ) {
      pos += n;
      if (i % 4 === 0) await new Promise<void>((r) => setImmediate(r));
    }
    return finishTask(hash, task, pos);
  } finally {
    closeSync(fd);
  }
}

const WORKER_SOURCE = `
const { parentPort } = require("node:worker_threads");
const fs = require("node:fs");
const { createHash } = require("node:crypto");
const hashStep = ${hashStep.toString()};
const finishTask = ${finishTask.toString()};
const hashRange = ${hashRange.toString()};
const buf = Buffer.allocUnsafe(${CHUNK});
parentPort.on("message", (msg) => {
  try {
    parentPort.postMessage({ id: msg.id, result: hashRange(fs, createHash, buf, msg.task) });
  } catch (e) {
    parentPort.postMessage({ id: msg.id, error: String((e && e.message) || e) });
  }
});
`;

interface WorkerReply {
  id: number;
  result?: HashResult;
  error?: string;
}

function ioError(message: string, cause?: unknown): WardenError {
  return new WardenError("E_IO", `could not hash model file: ${message}`, cause === undefined ? {} : { cause });
}

/**
 * Hashes every task, in parallel when the job is large enough, and returns results in task order.
 * `sizeHint` is the total number of bytes the tasks cover (decides whether workers are worth starting).
 */
export async function hashTasks(
  tasks: readonly HashTask[],
  sizeHint: number,
  opts: { workers?: number; inThreadBelow?: number } = {},
): Promise<HashResult[]> {
  const poolSize = Math.max(1, Math.min(opts.workers ?? availableParallelism(), tasks.length));
  if (tasks.length === 0) return [];
  if (poolSize === 1 || sizeHint < (opts.inThreadBelow ?? IN_THREAD_LIMIT)) {
    const buf = Buffer.allocUnsafe(Math.min(CHUNK, Math.max(64 * 1024, sizeHint)));
    return tasks.map((task) => {
      try {
        return hashRange({ openSync, readSync, closeSync }, createHash, buf, task);
      } catch (e) {
        throw ioError(e instanceof Error ? e.message : String(e), e);
      }
    });
  }
  return runPool(tasks, poolSize);
}

/**
 * Runs the tasks on `poolSize - 1` worker threads plus the calling thread, which starts hashing at once (so the job
 * never waits for workers to boot) and yields to the event loop between chunks to keep the workers fed.
 */
function runPool(tasks: readonly HashTask[], poolSize: number): Promise<HashResult[]> {
  const results: HashResult[] = new Array(tasks.length);
  const workers: Worker[] = [];
  let next = 0;
  let done = 0;
  return new Promise<HashResult[]>((resolve, reject) => {
    let settled = false;
    const finish = (err?: WardenError): void => {
      if (settled) return;
      settled = true;
      for (const w of workers) void w.terminate();
      if (err) reject(err);
      else resolve(results);
    };
    const completed = (id: number, result: HashResult): void => {
      results[id] = result;
      done++;
      if (done === tasks.length) finish();
    };
    const feed = (w: Worker): void => {
      if (settled || next >= tasks.length) return;
      const id = next++;
      w.postMessage({ id, task: tasks[id] });
    };
    for (let i = 1; i < poolSize; i++) {
      const w = new Worker(WORKER_SOURCE, { eval: true, execArgv: [], env: {} });
      workers.push(w);
      w.on("message", (reply: WorkerReply) => {
        if (settled) return;
        if (reply.error !== undefined || reply.result === undefined) {
          finish(ioError(reply.error ?? "worker returned no result"));
          return;
        }
        completed(reply.id, reply.result);
        feed(w);
      });
      w.on("error", (e) => finish(ioError(e.message, e)));
      w.on("online", () => feed(w));
    }
    void (async () => {
      const buf = Buffer.allocUnsafe(CHUNK);
      while (!settled && next < tasks.length) {
        const id = next++;
        try {
          completed(id, await hashRangeYielding(buf, tasks[id] as HashTask));
        } catch (e) {
          finish(ioError(e instanceof Error ? e.message : String(e), e));
        }
      }
    })();
  });
}
