/**
 * The `warden` command. Composes the command groups; maps errors to exit codes: 0 ok, 1 a finding, a failed
 * verification or a policy violation, 2 bad usage or configuration, 3 runtime failure.
 */
import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { toWardenError, WardenError } from "../core/errors.ts";
import { registerConfigCommands } from "./config.ts";
import { registerDataCommands } from "./data.ts";
import { registerGuardCommands } from "./guard.ts";
import { registerInitCommand } from "./init.ts";
import { registerKeysCommands } from "./keys.ts";
import { registerLedgerCommands } from "./ledger.ts";
import { registerModelCommands } from "./model.ts";
import { registerRedteamCommands } from "./redteam.ts";
import { registerTourCommand } from "./tour.ts";

const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };

/** Builds the full command tree. */
export function buildProgram(): Command {
  const program = new Command("warden")
    .description("Warden: AI security for data, models, deployment, runtime, assurance and governance")
    .version(pkg.version)
    .showHelpAfterError("(run with --help for usage)")
    .addHelpText(
      "after",
      "\nEnvironment:\n  WARDEN_HOME        workspace folder (default ./.warden)\n  WARDEN_PASSPHRASE  passphrase that encrypts private keys at rest\n  WARDEN_ACTOR       principal recorded in the ledger (default: OS user)\n\nExit codes: 0 ok, 1 finding or failed verification, 2 usage or configuration error, 3 runtime failure.",
    );
  registerInitCommand(program);
  registerConfigCommands(program);
  registerKeysCommands(program);
  registerLedgerCommands(program);
  registerDataCommands(program);
  registerModelCommands(program);
  registerGuardCommands(program);
  registerRedteamCommands(program);
  registerTourCommand(program);
  return program;
}

/** Runs the CLI with `argv` and returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  const program = buildProgram();
  program.exitOverride();
  program.configureOutput({ writeErr: (s) => process.stderr.write(s) });
  for (const cmd of allCommands(program)) cmd.exitOverride();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help")
        return 0;
      return 2;
    }
    const err = toWardenError(e);
    if (argv.includes("--json")) process.stdout.write(`${JSON.stringify({ error: err.toJSON() }, null, 2)}\n`);
    process.stderr.write(`warden: ${err.code}: ${err.message}\n`);
    if (process.env.WARDEN_DEBUG && !(e instanceof WardenError)) process.stderr.write(`${(e as Error).stack}\n`);
    return err.exitCode;
  }
}

function allCommands(cmd: Command): Command[] {
  return cmd.commands.flatMap((c) => [c, ...allCommands(c)]);
}

process.exitCode = await run(process.argv);
