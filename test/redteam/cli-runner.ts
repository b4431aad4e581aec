/** Runs `warden redteam ...` in a child process for the CLI tests (main.ts wiring is the lead's; this mirrors it). */
import { Command, CommanderError } from "commander";
import { registerRedteamCommands } from "../../src/cli/redteam.ts";
import { toWardenError } from "../../src/core/errors.ts";

const program = new Command("warden").exitOverride();
registerRedteamCommands(program);
for (const c of program.commands) c.exitOverride();
try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) process.exitCode = e.exitCode === 0 ? 0 : 2;
  else {
    const err = toWardenError(e);
    process.stderr.write(`warden: ${err.code}: ${err.message}\n`);
    process.exitCode = err.exitCode;
  }
}
