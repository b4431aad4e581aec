/**
 * HTTP prediction endpoint adapter (any JSON API, including a model behind the Warden gateway). The request body is a
 * JSON template whose `$INPUT` token is replaced by the batch (an array of inputs); the scores are read from the
 * response at a JSON path. Requests run with bounded concurrency under a token-bucket rate limit, with a timeout,
 * a response size cap and a few backed-off retries on 429/5xx, so an assessment does not overload production.
 */
import { WardenError } from "../../../core/errors.ts";
import { normaliseOutputs, type Target, type TextTarget } from "./types.ts";

/** Options for an HTTP target. */
export interface HttpTargetOptions {
  url: string;
  /** JSON body with a `$INPUT` token, e.g. `{"inputs": $INPUT}` (default). */
  requestTemplate?: string;
  /** JSON path of the scores in the response, e.g. `predictions` or `data[0].scores` (default: the whole body). */
  scoresPath?: string;
  /** Extra request headers (e.g. the gateway API key); never logged. */
  headers?: Record<string, string>;
  /** Requests in flight at once (default 4). */
  concurrency?: number;
  /** Requests per second (default 20). */
  rps?: number;
  /** Inputs per request (default 32). */
  batchSize?: number;
  /** Per-request timeout in milliseconds (default 30000). */
  timeoutMs?: number;
  /** Retries on 429 and 5xx (default 2). */
  retries?: number;
  /** Maximum response size in bytes (default 16 MiB). */
  maxResponseBytes?: number;
  numClasses?: number;
}

const PATH_RE = /^\$?(?:\.?[A-Za-z_][\w-]*|\[\d+\])*$/;

/** Parses a JSON path such as `$.data[0].scores` into keys and indices. */
export function parseJsonPath(path: string): (string | number)[] {
  const p = path.trim();
  if (p === "" || p === "$") return [];
  if (p.length > 256 || !PATH_RE.test(p))
    throw new WardenError("E_USAGE", `scores path "${path}" is not a JSON path like "predictions" or "data[0].scores"`);
  const parts: (string | number)[] = [];
  for (const m of p.matchAll(/([A-Za-z_][\w-]*)|\[(\d+)\]/g)) parts.push(m[1] !== undefined ? m[1] : Number(m[2]));
  return parts;
}

/** Reads `path` from a parsed JSON value. */
export function readJsonPath(value: unknown, path: readonly (string | number)[]): unknown {
  let cur = value;
  for (const key of path) {
    if (cur === null || typeof cur !== "object" || !Object.hasOwn(cur, key)) return undefined;
    cur = (cur as Record<string | number, unknown>)[key];
  }
  return cur;
}

/** Fills the request template with a batch. */
export function renderTemplate(template: string, batch: readonly unknown[]): string {
  return template.split("$INPUT").join(JSON.stringify(batch));
}

/** A counting semaphore plus token bucket: at most `concurrency` in flight, at most `rps` starts per second. */
class Throttle {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private nextStart = 0;
  constructor(
    private readonly concurrency: number,
    private readonly rps: number,
  ) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.concurrency) await new Promise<void>((r) => this.waiting.push(r));
    else this.active++;
    try {
      const now = Date.now();
      const start = Math.max(now, this.nextStart);
      this.nextStart = start + 1000 / this.rps;
      if (start > now) await new Promise((r) => setTimeout(r, start - now));
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}

function validate(opts: HttpTargetOptions): Required<Omit<HttpTargetOptions, "numClasses" | "headers">> {
  let url: URL;
  try {
    url = new URL(opts.url);
  } catch {
    throw new WardenError("E_USAGE", `target URL "${opts.url}" is not a valid URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new WardenError("E_USAGE", `target URL must be http or https, got ${url.protocol}`);
  const template = opts.requestTemplate ?? '{"inputs": $INPUT}';
  if (!template.includes("$INPUT"))
    throw new WardenError("E_USAGE", 'request template must contain the $INPUT token, e.g. {"inputs": $INPUT}');
  try {
    JSON.parse(renderTemplate(template, []));
  } catch {
    throw new WardenError("E_USAGE", `request template is not valid JSON once $INPUT is filled in: ${template}`);
  }
  const positive = (v: number | undefined, dflt: number, name: string): number => {
    const x = v ?? dflt;
    if (!(Number.isFinite(x) && x > 0)) throw new WardenError("E_USAGE", `${name} must be a positive number, got ${v}`);
    return x;
  };
  url.username = "";
  url.password = "";
  return {
    url: url.href,
    requestTemplate: template,
    scoresPath: opts.scoresPath ?? "",
    concurrency: Math.floor(positive(opts.concurrency, 4, "concurrency")),
    rps: positive(opts.rps, 20, "rps"),
    batchSize: Math.floor(positive(opts.batchSize, 32, "batch size")),
    timeoutMs: positive(opts.timeoutMs, 30_000, "timeout"),
    retries: Math.max(0, Math.floor(opts.retries ?? 2)),
    maxResponseBytes: positive(opts.maxResponseBytes, 16 * 1024 * 1024, "max response bytes"),
  };
}

async function readCapped(res: Response, max: number, url: string): Promise<string> {
  const reader = res.body?.getReader();
  if (!reader) return "";
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel();
      throw new WardenError("E_REDTEAM_TARGET", `response from ${url} exceeds ${max} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** A client that posts batches of any JSON values and returns probability rows. */
function httpPredictor(opts: HttpTargetOptions): { predict(batch: unknown[]): Promise<number[][]>; name: string } {
  const o = validate(opts);
  const path = parseJsonPath(o.scoresPath);
  const throttle = new Throttle(o.concurrency, o.rps);
  const auth = new URL(opts.url);
  const basic =
    auth.username || auth.password
      ? {
          authorization: `Basic ${Buffer.from(`${decodeURIComponent(auth.username)}:${decodeURIComponent(auth.password)}`).toString("base64")}`,
        }
      : {};
  const headers = { "content-type": "application/json", accept: "application/json", ...basic, ...(opts.headers ?? {}) };
  const post = async (chunk: unknown[]): Promise<number[][]> => {
    for (let attempt = 0; ; attempt++) {
      const res = await throttle.run(async () => {
        try {
          const r = await fetch(o.url, {
            method: "POST",
            headers,
            body: renderTemplate(o.requestTemplate, chunk),
            signal: AbortSignal.timeout(o.timeoutMs),
          });
          return { status: r.status, body: await readCapped(r, o.maxResponseBytes, o.url) };
        } catch (e) {
          if (e instanceof WardenError) throw e;
          throw new WardenError("E_REDTEAM_TARGET", `request to ${o.url} failed: ${(e as Error).message}`, {
            cause: e,
          });
        }
      });
      const retryable = res.status === 429 || res.status >= 500;
      if (retryable && attempt < o.retries) {
        await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
        continue;
      }
      if (res.status < 200 || res.status >= 300)
        throw new WardenError("E_REDTEAM_TARGET", `${o.url} answered HTTP ${res.status}`, {
          details: { status: res.status },
        });
      let body: unknown;
      try {
        body = JSON.parse(res.body);
      } catch {
        throw new WardenError("E_REDTEAM_TARGET", `${o.url} did not answer JSON`);
      }
      const scores = readJsonPath(body, path);
      if (scores === undefined)
        throw new WardenError("E_REDTEAM_TARGET", `no value at scores path "${o.scoresPath}" in the response`);
      return normaliseOutputs(scores, chunk.length, opts.numClasses);
    }
  };
  return {
    name: `http:${o.url}`,
    async predict(batch) {
      const chunks: unknown[][] = [];
      for (let i = 0; i < batch.length; i += o.batchSize) chunks.push(batch.slice(i, i + o.batchSize));
      const results = await Promise.all(chunks.map(post));
      return results.flat();
    },
  };
}

/** A numeric Target behind an HTTP endpoint. */
export function httpTarget(opts: HttpTargetOptions, output: "scores" | "labels" = "scores"): Target {
  const p = httpPredictor(opts);
  return { name: p.name, output, maxBatch: 4096, predict: (batch) => p.predict(batch) };
}

/** A text classifier behind an HTTP endpoint. */
export function httpTextTarget(opts: HttpTargetOptions, output: "scores" | "labels" = "scores"): TextTarget {
  const p = httpPredictor(opts);
  return { name: p.name, output, predict: (batch) => p.predict(batch) };
}
