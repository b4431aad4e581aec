/** Configuration: the `warden.yaml` schema, its loader with `WARDEN_*` overrides, and the commented default. */
export { defaultConfigYaml } from "./default-yaml.ts";
export { type LoadedConfig, loadConfig, parseConfig } from "./load.ts";
export { configJsonSchema, configSchema, type WardenConfig } from "./schema.ts";
