/** `warden config show|schema`: the effective configuration and its JSON Schema. */
import type { Command } from "commander";
import { stringify } from "yaml";
import { configJsonSchema, loadConfig } from "../core/config/index.ts";
import { workspacePaths } from "../workspace/index.ts";
import { addJsonOption, output } from "./shared.ts";

export function registerConfigCommands(program: Command): void {
  const config = program.command("config").description("show the effective configuration and its schema");
  addJsonOption(
    config
      .command("show")
      .description("print the configuration in effect: warden.yaml, defaults and WARDEN_* overrides"),
  ).action((opts: { json?: boolean }) => {
    const paths = workspacePaths();
    const loaded = loadConfig(paths.config);
    output(opts, { path: loaded.path ?? null, overrides: loaded.overrides, config: loaded.config }, () => {
      const head = `# ${loaded.path ?? `${paths.config} (absent: defaults)`}${loaded.overrides.length ? `\n# from the environment: ${loaded.overrides.join(", ")}` : ""}`;
      return `${head}\n${stringify(loaded.config)}`;
    });
  });
  addJsonOption(config.command("schema").description("print the JSON Schema of warden.yaml")).action(() => {
    process.stdout.write(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
  });
}
