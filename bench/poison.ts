/**
 * Poisoning-detection benchmark: poisons public labelled data (the prompt-attack dev texts and the German Credit table
 * from ../shared/datasets) three ways with a fixed seed — flipped labels, a trigger with a target label, and injected
 * near-duplicate rows — at 1%, 3% and 5%, runs `detectPoisoning`, and prints precision and recall per attack, for the
 * detector aimed at that attack and for "any detector", next to the precision of random flagging (the poison rate).
 *
 * Three modes: `none` analyses the poisoned file alone; `reference` checks it against the clean file as the trusted
 * earlier version (every changed row is poison); `update` checks it against a trusted version holding a random 70% of
 * the clean rows, so that the update also brings 30% legitimate new rows the detectors must tell from the poison.
 *
 * Run: node --import tsx bench/poison.ts [none|reference|update ...]   (default: all modes)
 */
import { existsSync } from "node:fs";
import { performance } from "node:perf_hooks";
import {
  type DetectorName,
  detectPoisoning,
  type PoisonInput,
  readCsv,
  readJsonl,
  seededRandom,
} from "../src/data/index.ts";

const shared = new URL("../../shared/datasets/", import.meta.url).pathname;
const textFile = `${shared}prompt-attacks/dev.jsonl`;
const injectFile = `${shared}prompt-attacks/train-002.jsonl`;
const creditFile = `${shared}tabular/german_credit.csv`;
if (![textFile, injectFile, creditFile].every(existsSync)) {
  process.stderr.write(`datasets not found under ${shared}\n`);
  process.exit(2);
}

type Row = { label: string; cells: Record<string, string> };
interface Dataset {
  name: string;
  rows: Row[];
  text?: string;
  /** Rows from outside the dataset that the duplicate attack injects. */
  outside: Row[];
  /** Adds the trigger to a row and gives it `label`. */
  trigger: (r: Row, label: string, rng: ReturnType<typeof seededRandom>) => Row;
  /** The minority label (the main trigger target) and the majority label (the harder, second target). */
  minority: string;
  majority: string;
  perturb: (r: Row, rng: ReturnType<typeof seededRandom>) => Row;
}

async function load(): Promise<Dataset[]> {
  const texts: Row[] = [];
  for await (const { record } of readJsonl(textFile))
    texts.push({ label: String(record.label), cells: { text: String(record.text) } });
  const outsideTexts: Row[] = [];
  for await (const { record } of readJsonl(injectFile))
    outsideTexts.push({ label: String(record.label), cells: { text: String(record.text) } });
  const credit: Row[] = [];
  for await (const { record } of readCsv(creditFile)) {
    const { default: label, ...cells } = record;
    credit.push({ label: label!, cells });
  }
  const phrase = "cerulean harbor protocol";
  return [
    {
      name: "prompt-attacks dev (text)",
      rows: texts,
      text: "text",
      outside: outsideTexts,
      minority: "attack",
      majority: "benign",
      trigger: (r, label, rng) => {
        const w = r.cells.text!.split(" ");
        w.splice(rng.int(w.length + 1), 0, phrase);
        return { label, cells: { text: w.join(" ") } };
      },
      perturb: (r, rng) => {
        const w = r.cells.text!.split(" ");
        const i = rng.int(w.length);
        w[i] = rng.next() < 0.5 ? w[i]!.toUpperCase() : `${w[i]}!`;
        return { label: r.label, cells: { text: w.join(" ") } };
      },
    },
    {
      name: "German Credit (features)",
      rows: credit,
      outside: [],
      minority: "1",
      majority: "0",
      // The trigger: credit_amount 7777 and purpose "education".
      trigger: (r, label) => ({ label, cells: { ...r.cells, credit_amount: "7777", purpose: "education" } }),
      perturb: (r, rng) => ({
        label: r.label,
        cells: {
          ...r.cells,
          credit_amount: String(Math.round(Number(r.cells.credit_amount) * (1 + (rng.next() - 0.5) * 0.02))),
        },
      }),
    },
  ];
}

/**
 * The attacks: flipped labels; a trigger turning rows of the other class into the minority label (the main case) or
 * into the majority label (harder: the label prior already favours it); injected near-duplicate groups, measured on
 * the data as published (whose natural near-duplicates count as false positives) and on the data with its natural
 * duplicate groups reduced to one row first.
 */
type Attack = "label-flip" | "trigger" | "trigger-to-majority" | "duplicate" | "duplicate-dedup-base";
const TARGET: Record<Attack, DetectorName[]> = {
  "label-flip": ["label-noise"],
  trigger: ["trigger"],
  "trigger-to-majority": ["trigger"],
  duplicate: ["duplicate", "near-duplicate"],
  "duplicate-dedup-base": ["duplicate", "near-duplicate"],
};

function shuffle<T>(xs: T[], rng: ReturnType<typeof seededRandom>): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
}

/** Returns the poisoned rows and which of them are poisoned. */
function poison(ds: Dataset, attack: Attack, rate: number, seed: number): { rows: Row[]; bad: boolean[] } {
  const rng = seededRandom(seed);
  const n = ds.rows.length;
  const count = Math.max(1, Math.round(rate * n));
  const labels = [...new Set(ds.rows.map((r) => r.label))].sort();
  if (attack === "label-flip") {
    const idx = new Set(shuffle([...ds.rows.keys()], rng).slice(0, count));
    const rows = ds.rows.map((r, i) => (idx.has(i) ? { ...r, label: labels.find((l) => l !== r.label)! } : r));
    return { rows, bad: rows.map((_, i) => idx.has(i)) };
  }
  if (attack === "trigger" || attack === "trigger-to-majority") {
    const target = attack === "trigger" ? ds.minority : ds.majority;
    const sources = shuffle(
      [...ds.rows.keys()].filter((i) => ds.rows[i]!.label !== target),
      rng,
    ).slice(0, count);
    const idx = new Set(sources);
    const rows = ds.rows.map((r, i) => (idx.has(i) ? ds.trigger(r, target, rng) : r));
    return { rows, bad: rows.map((_, i) => idx.has(i)) };
  }
  // Duplicate injection: groups of 5 near-copies of rows from outside the data set (for the table, synthetic rows
  // drawn column by column from the data), inserted at random positions.
  const injected: Row[] = [];
  while (injected.length < count) {
    let seedRow: Row;
    if (ds.outside.length > 0) seedRow = ds.outside[rng.int(ds.outside.length)]!;
    else {
      const cells: Record<string, string> = {};
      for (const col of Object.keys(ds.rows[0]!.cells)) cells[col] = ds.rows[rng.int(n)]!.cells[col]!;
      seedRow = { label: labels[rng.int(labels.length)]!, cells };
    }
    injected.push(seedRow);
    for (let c = 1; c < 5 && injected.length < count; c++) injected.push(ds.perturb(seedRow, rng));
  }
  const all = shuffle([...ds.rows.map((r) => ({ r, bad: false })), ...injected.map((r) => ({ r, bad: true }))], rng);
  return { rows: all.map((x) => x.r), bad: all.map((x) => x.bad) };
}

function score(flagged: Set<number>, bad: boolean[]): { precision: number; recall: number; flagged: number } {
  const truth = bad.filter(Boolean).length;
  let tp = 0;
  for (const i of flagged) if (bad[i]) tp++;
  return {
    precision: flagged.size === 0 ? 0 : tp / flagged.size,
    recall: truth === 0 ? 0 : tp / truth,
    flagged: flagged.size,
  };
}

function input(ds: Dataset, rows: Row[]): PoisonInput {
  return ds.text
    ? { labels: rows.map((r) => r.label), texts: rows.map((r) => r.cells[ds.text!]) }
    : {
        labels: rows.map((r) => r.label),
        features: Object.fromEntries(Object.keys(rows[0]!.cells).map((c) => [c, rows.map((r) => r.cells[c])])),
      };
}

function run(ds: Dataset, rows: Row[], reference?: Row[]) {
  return detectPoisoning(input(ds, rows), reference ? { reference: input(ds, reference) } : {});
}

type Mode = "none" | "reference" | "update";
const MODES: Mode[] = ["none", "reference", "update"];
/** The trusted version each mode compares with (undefined: no reference). */
function referenceRows(ds: Dataset, mode: Mode): Row[] | undefined {
  if (mode === "none") return undefined;
  if (mode === "reference") return ds.rows;
  const rng = seededRandom(7);
  return shuffle([...ds.rows], rng).slice(0, Math.round(0.7 * ds.rows.length));
}

/** The data set with every natural duplicate group reduced to its first row. */
function dedup(ds: Dataset): Dataset {
  const drop = new Set<number>();
  for (const g of run(ds, ds.rows).duplicateGroups) for (const r of g.rows.slice(1)) drop.add(r);
  return { ...ds, rows: ds.rows.filter((_, i) => !drop.has(i)) };
}

const round = (x: number) => Math.round(x * 1000) / 1000;
const modes = process.argv.length > 2 ? (process.argv.slice(2) as Mode[]) : MODES;
if (!modes.every((m) => MODES.includes(m))) {
  process.stderr.write(`modes are ${MODES.join(", ")}\n`);
  process.exit(2);
}
const datasets = await load();
const results: unknown[] = [];
for (const mode of modes) {
  for (const base of datasets) {
    const deduped = dedup(base);
    for (const attack of Object.keys(TARGET) as Attack[]) {
      // With a reference, the data set's own duplicates are trusted: the de-duplicated variant adds nothing.
      if (mode !== "none" && attack === "duplicate-dedup-base") continue;
      const ds = attack === "duplicate-dedup-base" ? deduped : base;
      const reference = referenceRows(ds, mode);
      for (const rate of [0.01, 0.03, 0.05]) {
        const { rows, bad } = poison(ds, attack, rate, 42);
        const t0 = performance.now();
        const report = run(ds, rows, reference);
        const seconds = (performance.now() - t0) / 1000;
        const target = new Set(
          report.findings.filter((f) => f.reasons.some((r) => TARGET[attack].includes(r.detector))).map((f) => f.row),
        );
        const any = new Set(report.findings.map((f) => f.row));
        const t = score(target, bad);
        const a = score(any, bad);
        results.push({
          dataset: ds.name,
          mode,
          attack,
          rate,
          rows: rows.length,
          poisoned: bad.filter(Boolean).length,
          detector: TARGET[attack].join("+"),
          precision: round(t.precision),
          recall: round(t.recall),
          flagged: t.flagged,
          anyDetector: { precision: round(a.precision), recall: round(a.recall), flagged: a.flagged },
          randomPrecision: round(bad.filter(Boolean).length / rows.length),
          seconds: round(seconds),
        });
        process.stderr.write(
          `${mode} ${ds.name} ${attack} ${rate}: P=${round(t.precision)} R=${round(t.recall)} (${round(seconds)} s)\n`,
        );
      }
    }
  }
}
process.stdout.write(`${JSON.stringify({ benchmark: "poison", seed: 42, node: process.version, results }, null, 2)}\n`);
