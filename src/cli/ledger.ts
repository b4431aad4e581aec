/**
 * `warden ledger append|entry|proof|consistency|checkpoint|verify`: the tamper-evident RFC 6962 Merkle log.
 * JSON shapes are stable (scripts depend on them); hashes are lower-case hex except inside the signed note.
 */
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { WardenError } from "../core/errors.ts";
import { addJsonOption, interactive, output, parseIndex, usageError, withWorkspace } from "./shared.ts";

function parseData(opts: { data?: string; dataFile?: string }): unknown {
  if (opts.data !== undefined && opts.dataFile !== undefined) throw usageError("give --data or --data-file, not both");
  const text = opts.dataFile !== undefined ? readFileSync(opts.dataFile, "utf8") : opts.data;
  if (text === undefined) return {};
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new WardenError(
      "E_LEDGER_ENTRY_INVALID",
      `${opts.dataFile ?? "--data"}: not valid JSON (${(e as Error).message})`,
      { cause: e },
    );
  }
}

export function registerLedgerCommands(program: Command): void {
  const ledger = program
    .command("ledger")
    .description("the tamper-evident ledger: an RFC 6962 Merkle log of every security-relevant event");

  addJsonOption(
    ledger
      .command("append")
      .description("append an entry {type, subject, actor, time, data}; prints {index, leafHash, treeSize}")
      .requiredOption("--type <type>", "event type, e.g. note.manual (lower case, dots)")
      .requiredOption("--subject <subject>", "what the event is about")
      .option("--data <json>", "event data as JSON")
      .option("--data-file <file>", "read event data from a JSON file"),
  ).action(async (opts: { type: string; subject: string; data?: string; dataFile?: string; json?: boolean }) => {
    const data = parseData(opts);
    const r = await withWorkspace((ws) =>
      ws.ledger.append({ type: opts.type, subject: opts.subject, actor: ws.actor, data }),
    );
    output(opts, r, () => `appended entry ${r.index} (leaf ${r.leafHash}); tree size ${r.treeSize}`);
  });

  addJsonOption(ledger.command("entry <index>").description("print one entry with its leaf hash")).action(
    async (index: string, opts: { json?: boolean }) => {
      const i = parseIndex(index, "index");
      const r = await withWorkspace((ws) => ws.ledger.entry(i));
      output(opts, r, () => `#${r.index} ${r.leafHash}\n${JSON.stringify(r.entry, null, 2)}`);
    },
  );

  addJsonOption(
    ledger
      .command("proof")
      .description("inclusion proof (RFC 9162 §2.1.3) of entry --index in the tree of --size entries (default: now)")
      .requiredOption("--index <i>", "entry index")
      .option("--size <n>", "tree size (default: the current size)"),
  ).action(async (opts: { index: string; size?: string; json?: boolean }) => {
    const index = parseIndex(opts.index, "--index");
    const size = opts.size === undefined ? undefined : parseIndex(opts.size, "--size");
    const r = await withWorkspace((ws) => ws.ledger.inclusionProof(index, size));
    output(opts, r, () =>
      [
        `entry ${r.index} in tree of ${r.treeSize}`,
        `leaf ${r.leafHash}`,
        `root ${r.rootHash}`,
        ...r.hashes.map((h, k) => `  ${k}: ${h}`),
      ].join("\n"),
    );
  });

  addJsonOption(
    ledger
      .command("consistency")
      .description("consistency proof (RFC 9162 §2.1.4) that the tree of --to entries extends the tree of --from")
      .requiredOption("--from <m>", "older tree size")
      .option("--to <n>", "newer tree size (default: the current size)"),
  ).action(async (opts: { from: string; to?: string; json?: boolean }) => {
    const from = parseIndex(opts.from, "--from");
    const r = await withWorkspace(async (ws) => {
      const to = opts.to === undefined ? await ws.ledger.size() : parseIndex(opts.to, "--to");
      return ws.ledger.consistencyProof(from, to);
    });
    output(opts, r, () =>
      [
        `${r.from} -> ${r.to}`,
        `old root ${r.oldRoot}`,
        `new root ${r.newRoot}`,
        ...r.hashes.map((h, k) => `  ${k}: ${h}`),
      ].join("\n"),
    );
  });

  addJsonOption(
    ledger.command("checkpoint").description("sign and print a checkpoint of the current tree (C2SP signed note)"),
  ).action(async (opts: { json?: boolean }) => {
    const r = await withWorkspace((ws) => ws.ledger.checkpoint());
    output(opts, r, () => r.note);
  });

  addJsonOption(
    ledger
      .command("verify")
      .description("recompute every leaf, node and root and check issued checkpoints; names the first bad entry"),
  ).action(async (opts: { json?: boolean }) => {
    const progress = interactive() && !opts.json;
    const r = await withWorkspace((ws) =>
      ws.ledger.verify(
        progress ? (done: number, total: number) => process.stderr.write(`\rverified ${done}/${total}`) : undefined,
      ),
    );
    if (progress) process.stderr.write("\n");
    output(opts, r, () =>
      r.ok ? `ledger ok: ${r.treeSize} entries verified` : `LEDGER TAMPERED at entry ${r.firstBadIndex}: ${r.reason}`,
    );
    if (!r.ok) process.exitCode = 1;
  });
}
