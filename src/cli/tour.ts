/**
 * `warden tour` (what `npm start` runs): initialises the workspace if needed and walks through the ledger every other
 * part of Warden writes its evidence to: append, inclusion proof, signed checkpoint, consistency proof, verification.
 */
import type { Command } from "commander";
import pc from "picocolors";
import { verifyConsistency, verifyInclusion } from "../ledger/index.ts";
import { initWorkspace } from "../workspace/index.ts";
import { withWorkspace } from "./shared.ts";

function step(n: number, title: string): void {
  process.stdout.write(`\n${pc.bold(pc.cyan(`${n}. ${title}`))}\n`);
}

export function registerTourCommand(program: Command): void {
  program
    .command("tour")
    .description("initialise the workspace if needed and take a short guided tour of the tamper-evident ledger")
    .action(async () => {
      step(1, "Workspace");
      const init = await initWorkspace();
      process.stdout.write(
        `${init.created ? "created" : "using"} ${init.home}; workspace key ${init.workspaceKey.name} (${init.workspaceKey.type})\n`,
      );
      if (init.keyFileCreated) {
        process.stdout.write(
          `${pc.yellow("note")}: no WARDEN_PASSPHRASE was set, so a key-encryption key file was generated at ${init.keyFileCreated}\n`,
        );
      }
      await withWorkspace(async (ws) => {
        step(2, "Every security event is appended to the ledger (RFC 6962 Merkle log)");
        const before = await ws.ledger.size();
        const events = [
          { type: "tour.dataset_registered", subject: "credit-applications@1", data: { files: 3 } },
          { type: "tour.model_scanned", subject: "credit-model@1", data: { verdict: "safe" } },
          { type: "tour.request_blocked", subject: "gateway", data: { scanner: "prompt-attack", score: 0.97 } },
        ];
        let last = { index: 0, leafHash: "", treeSize: 0 };
        for (const e of events) {
          last = await ws.ledger.append({ ...e, actor: ws.actor });
          process.stdout.write(`  #${last.index} ${e.type.padEnd(24)} leaf ${last.leafHash.slice(0, 16)}…\n`);
        }

        step(3, "An inclusion proof shows an entry is in the log, with O(log n) hashes");
        const proof = await ws.ledger.inclusionProof(last.index);
        const included = verifyInclusion(proof.leafHash, proof.index, proof.treeSize, proof.hashes, proof.rootHash);
        process.stdout.write(
          `  entry ${proof.index} of ${proof.treeSize}: ${proof.hashes.length} hashes, root ${proof.rootHash.slice(0, 16)}… ${included ? pc.green("verified") : pc.red("FAILED")}\n`,
        );

        step(4, "A signed checkpoint commits to the whole log (C2SP signed note)");
        const checkpoint = await ws.ledger.checkpoint();
        process.stdout.write(`${checkpoint.note.replace(/^/gm, "  ")}\n`);

        if (before > 0) {
          step(5, "A consistency proof shows the log only grew since an earlier size");
          const c = await ws.ledger.consistencyProof(before, checkpoint.treeSize);
          const consistent = verifyConsistency(c.from, c.to, c.oldRoot, c.newRoot, c.hashes);
          process.stdout.write(
            `  ${c.from} → ${c.to}: ${consistent ? pc.green("consistent") : pc.red("INCONSISTENT")}\n`,
          );
        }

        step(6, "Verification recomputes every hash and names the first entry that does not match");
        const v = await ws.ledger.verify();
        process.stdout.write(
          v.ok ? `  ${pc.green("ok")}: ${v.treeSize} entries\n` : `  ${pc.red("tampered")} at ${v.firstBadIndex}\n`,
        );
      });
      process.stdout.write(
        `\n${pc.bold("Next")}: warden --help · warden ledger verify · warden keys list · warden model scan PATH · warden guard scan --text "..."\n`,
      );
    });
}
