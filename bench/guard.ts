/**
 * Guard benchmark: quality of the prompt-attack detector on dev.jsonl (recall per attack kind, false-positive rate on
 * benign prompts/documents and on harmful-request rows), on the unseen non-commercial benign set eval-only-nc.jsonl,
 * robustness to rewrites of the dev attacks (homoglyphs, zero-width characters, tag characters, base64 wrapping,
 * leetspeak), and latency of the default input pipeline (1 KB prompts, p50/p99) and throughput on 100 KB documents.
 * Prints JSON. Run: node --import tsx bench/guard.ts
 */
import { existsSync, readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import {
  buildPipeline,
  detectPromptAttack,
  guardBackend,
  type LabelledRow,
  percentiles,
  readLabelledJsonl,
  StreamGuard,
} from "../src/guard/index.ts";

const dir = fileURLToPath(new URL("../../shared/datasets/prompt-attacks/", import.meta.url));
const r4 = (x: number) => Number(x.toFixed(4));

const HOMOGLYPHS: Record<string, string> = { a: "а", e: "е", o: "о", p: "р", c: "с", x: "х", i: "і", y: "у" };
const LEET: Record<string, string> = { a: "4", e: "3", i: "1", o: "0", s: "5", t: "7" };

/** The rewrites applied to every dev attack (deterministic). */
const REWRITES: Record<string, (t: string) => string> = {
  plain: (t) => t,
  homoglyphs: (t) => t.replace(/[aeopcxiy]/g, (c) => HOMOGLYPHS[c] ?? c),
  zeroWidth: (t) => t.replace(/(\S)(?=\S)/g, "$1\u200b"),
  tagCharacters: (t) =>
    `Please read this.${[...t].map((c) => (c.charCodeAt(0) >= 0x20 && c.charCodeAt(0) < 0x7f ? String.fromCodePoint(0xe0000 + c.charCodeAt(0)) : c)).join("")}`,
  base64: (t) => `Here is the data: ${Buffer.from(t).toString("base64")}`,
  leetspeak: (t) => t.replace(/[aeiost]/g, (c) => LEET[c] ?? c),
};

function rate(rows: readonly LabelledRow[], f: (t: string) => boolean): number {
  return rows.length === 0 ? 0 : r4(rows.filter((r) => f(r.text)).length / rows.length);
}

function quality() {
  if (!existsSync(`${dir}dev.jsonl`)) return { skipped: `no dataset at ${dir}` };
  const dev = readLabelledJsonl(readFileSync(`${dir}dev.jsonl`, "utf8"), "dev.jsonl");
  const flagged = (t: string) => detectPromptAttack(t).flagged;
  const attacks = dev.filter((r) => r.label === "attack");
  const kinds = [...new Set(dev.map((r) => r.kind))];
  const byKind = Object.fromEntries(
    kinds.map((k) => [
      k,
      {
        n: dev.filter((r) => r.kind === k).length,
        flaggedRate: rate(
          dev.filter((r) => r.kind === k),
          flagged,
        ),
      },
    ]),
  );
  const benign = dev.filter((r) => r.label === "benign" && r.kind !== "harmful-request");
  const harmful = dev.filter((r) => r.kind === "harmful-request");
  const robustness: Record<string, { recall: number; dropPoints: number }> = {};
  const plainRecall = rate(attacks, flagged);
  for (const [name, rewrite] of Object.entries(REWRITES)) {
    const recall = rate(attacks, (t) => flagged(rewrite(t)));
    robustness[name] = { recall, dropPoints: r4(100 * (plainRecall - recall)) };
  }
  const nc = existsSync(`${dir}eval-only-nc.jsonl`)
    ? readLabelledJsonl(readFileSync(`${dir}eval-only-nc.jsonl`, "utf8"), "eval-only-nc.jsonl")
    : [];
  return {
    dev: {
      attacks: attacks.length,
      recall: plainRecall,
      benignFpr: rate(benign, flagged),
      harmfulRequestFpr: rate(harmful, flagged),
      byKind,
    },
    unseenBenign: {
      file: "eval-only-nc.jsonl (alpaca_eval instructions, never trained on)",
      n: nc.length,
      fpr: rate(nc, flagged),
    },
    robustness,
  };
}

function prompt1k(i: number): string {
  const words = [
    "please",
    "summarise",
    "the",
    "quarterly",
    "report",
    "for",
    "our",
    "team",
    "and",
    "list",
    "three",
    "risks",
    "with",
    "owners",
    "dates",
    "budget",
  ];
  let s = `Request ${i}: `;
  let k = i;
  while (s.length < 1024) {
    k = (k * 1103515245 + 12345) >>> 0;
    s += `${words[k % words.length]} `;
  }
  return s.slice(0, 1024);
}

function latency() {
  const input = buildPipeline("input");
  const prompts = Array.from({ length: 200 }, (_, i) => prompt1k(i));
  for (let i = 0; i < 300; i++) input.scan(prompts[i % prompts.length] as string);
  const ms: number[] = [];
  for (let i = 0; i < 3000; i++) {
    const t0 = process.hrtime.bigint();
    input.scan(prompts[i % prompts.length] as string);
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return { prompt1KB: { runs: ms.length, ...percentiles(ms) }, document100KB: documents(input) };
}

/**
 * Throughput of the input pipeline on 100 KB documents: a repetitive English one, one of real documents (dev benign
 * rows), and repetitive Russian and Chinese ones.
 */
function documents(input: ReturnType<typeof buildPipeline>) {
  const repeated = "The committee reviewed the budget and approved the plan; revenue grew 4% in Q3 (see table 2). "
    .repeat(1100)
    .slice(0, 100_000);
  let real = "";
  if (existsSync(`${dir}dev.jsonl`)) {
    for (const r of readLabelledJsonl(readFileSync(`${dir}dev.jsonl`, "utf8"), "dev.jsonl")) {
      if (r.kind !== "benign-document") continue;
      real += `${r.text}\n\n`;
      if (real.length > 100_000) break;
    }
  }
  // Non-Latin scripts take the normaliser's per-code-point path far more often than English does.
  const russian =
    "Комитет рассмотрел бюджет и утвердил план; выручка выросла на 4% в третьем квартале (см. таблицу 2). "
      .repeat(1200)
      .slice(0, 100_000);
  const chinese = "委员会审查了预算并批准了计划；第三季度收入增长了百分之四（见表二）。".repeat(3000).slice(0, 100_000);
  const docs: Record<string, string> = {
    repeated,
    ...(real ? { devBenignDocuments: real.slice(0, 100_000) } : {}),
    russian,
    chinese,
  };
  const out: Record<string, { runs: number; mbPerSecondWall: number; mbPerSecondCpu: number }> = {};
  for (const [name, doc] of Object.entries(docs)) {
    for (let i = 0; i < 5; i++) input.scan(doc);
    const runs = 40;
    const t0 = process.hrtime.bigint();
    const cpu0 = process.cpuUsage().user;
    for (let i = 0; i < runs; i++) input.scan(doc);
    const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpuS = (process.cpuUsage().user - cpu0) / 1e6;
    const mb = (doc.length * runs) / 1e6;
    out[name] = { runs, mbPerSecondWall: r4(mb / wallS), mbPerSecondCpu: r4(mb / cpuS) };
  }
  return out;
}

/**
 * Output streaming: 20 KB of dev chat text pushed in 4-char chunks (a token at a time) through the default output
 * pipeline, rescanning on every chunk (`minScan: 1`, the behaviour before batching) and with the default batching,
 * against one scan of the whole text.
 */
function streaming() {
  if (!existsSync(`${dir}dev.jsonl`)) return { skipped: `no dataset at ${dir}` };
  let text = "";
  for (const r of readLabelledJsonl(readFileSync(`${dir}dev.jsonl`, "utf8"), "dev.jsonl")) {
    if (r.kind !== "benign-chat") continue;
    text += `${r.text}\n\n`;
    if (text.length > 20_000) break;
  }
  text = text.slice(0, 20_000);
  const output = buildPipeline("output");
  const msPerResponse = (minScan?: number) => {
    const runs = 3;
    const t0 = performance.now();
    for (let r = 0; r < runs; r++) {
      const g = new StreamGuard(output, {}, minScan === undefined ? {} : { minScan });
      for (let i = 0; i < text.length; i += 4) g.push(text.slice(i, i + 4));
      g.end();
    }
    return r4((performance.now() - t0) / runs);
  };
  for (let r = 0; r < 5; r++) output.scan(text);
  const t0 = performance.now();
  for (let r = 0; r < 10; r++) output.scan(text);
  const msOneShotScan = r4((performance.now() - t0) / 10);
  msPerResponse();
  return {
    chars: text.length,
    chunkChars: 4,
    msPerResponseEveryChunk: msPerResponse(1),
    msPerResponseBatched: msPerResponse(),
    msOneShotScan,
  };
}

const started = Date.now();
const result = {
  bench: "guard",
  node: process.version,
  loadAverageAtStart: loadavg().map((x) => Number(x.toFixed(2))),
  scorer: guardBackend(),
  quality: quality(),
  latency: latency(),
  streaming: streaming(),
  anchor: { name: "LLM Guard PromptInjection scanner (DeBERTa-v3), published CPU latency", ms: "104-213" },
  seconds: Number(((Date.now() - started) / 1000).toFixed(1)),
};
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
