/**
 * The `warden` command. Composes the command groups; maps errors to exit codes: 0 ok, 1 a finding, a failed
 * verification or a policy violation, 2 bad usage or configuration, 3 runtime failure.
 */
import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { toWardenError, WardenError } from "../core/errors.ts";

const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };

type Register = (program: Command) => void;

/**
 * The command groups, by top-level command name, in help order. Each is imported only when needed: a command loads
 * just its own group (and what that group uses), so `warden model scan` does not pay for the red team or the data
 * engines; help and unknown commands load them all.
 */
const GROUPS: Record<string, () => Promise<Register>> = {
  init: async () => (await import("./init.ts")).registerInitCommand,
  config: async () => (await import("./config.ts")).registerConfigCommands,
  keys: async () => (await import("./keys.ts")).registerKeysCommands,
  ledger: async () => (await import("./ledger.ts")).registerLedgerCommands,
  data: async () => (await import("./data.ts")).registerDataCommands,
  model: async () => (await import("./model.ts")).registerModelCommands,
  guard: async () => (await import("./guard.ts")).registerGuardCommands,
  redteam: async () => (await import("./redteam.ts")).registerRedteamCommands,
  tour: async () => (await import("./tour.ts")).registerTourCommand,
};

/** Builds the command tree: only the group `argv` invokes when it names one, else every group. */
export async function buildProgram(argv: readonly string[] = []): Promise<Command> {
  const program = new Command("warden")
    .description("Warden: AI security for data, models, deployment, runtime, assurance and governance")
    .version(pkg.version)
    .showHelpAfterError("(run with --help for usage)")
    .addHelpText(
      "after",
      "\nEnvironment:\n  WARDEN_HOME        workspace folder (default ./.warden)\n  WARDEN_PASSPHRASE  passphrase that encrypts private keys at rest\n  WARDEN_ACTOR       principal recorded in the ledger (default: OS user)\n\nExit codes: 0 ok, 1 finding or failed verification, 2 usage or configuration error, 3 runtime failure.",
    );
  const first = argv.slice(2).find((a) => !a.startsWith("-"));
  const names = first !== undefined && first in GROUPS ? [first] : Object.keys(GROUPS);
  for (const register of await Promise.all(names.map((n) => (GROUPS[n] as () => Promise<Register>)()))) {
    register(program);
  }
  return program;
}

/** Runs the CLI with `argv` and returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  const program = await buildProgram(argv);
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

// A reader that stops early (`warden --help | head`) is not an error.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw e;
});
process.exitCode = await run(process.argv);
