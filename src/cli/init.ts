/** `warden init`: writes a commented default warden.yaml, creates the workspace (database, keyring, workspace key). */
import type { Command } from "commander";
import { initWorkspace } from "../workspace/index.ts";
import { addJsonOption, output } from "./shared.ts";

export function registerInitCommand(program: Command): void {
  addJsonOption(
    program
      .command("init")
      .description(
        "create the workspace in WARDEN_HOME (default ./.warden): warden.yaml, database, keyring and workspace key",
      )
      .option("--key-type <type>", "type of the workspace signing key (ed25519 or hybrid); default from warden.yaml"),
  ).action(async (opts: { keyType?: string; json?: boolean }) => {
    const r = await initWorkspace(opts.keyType === undefined ? {} : { keyType: opts.keyType });
    output(opts, r, () =>
      [
        r.created ? `initialised workspace ${r.home}` : `workspace ${r.home} already initialised`,
        `  config          ${r.config}${r.configWritten ? " (written)" : ""}`,
        `  database        ${r.database}`,
        `  workspace key   ${r.workspaceKey.name} (${r.workspaceKey.type}, key id ${r.workspaceKey.keyId})`,
        r.keyFileCreated
          ? `  key-encryption  key file ${r.keyFileCreated} created (no WARDEN_PASSPHRASE was set): keep it secret; a passphrase or a key file stored elsewhere is stronger`
          : "  key-encryption  from WARDEN_PASSPHRASE or keys.keyFile",
        `  ledger          ${r.ledgerSize} entries`,
      ].join("\n"),
    );
  });
}
