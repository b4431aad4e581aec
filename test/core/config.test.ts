import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import fc from "fast-check";
import { parse } from "yaml";
import { configSchema, defaultConfigYaml, loadConfig, parseConfig } from "../../src/core/config/index.ts";
import { isWardenError, type WardenError } from "../../src/core/errors.ts";

function configError(fn: () => unknown): WardenError {
  try {
    fn();
  } catch (e) {
    assert.ok(isWardenError(e, "E_CONFIG_INVALID"), `expected E_CONFIG_INVALID, got ${String(e)}`);
    return e;
  }
  assert.fail("expected an error");
}

test("an empty file gives every default", () => {
  const { config } = parseConfig("");
  assert.deepEqual(config, configSchema.parse({}));
  assert.equal(config.keys.workspaceKey.type, "ed25519");
});

test("the commented default YAML parses back to the defaults", () => {
  const text = defaultConfigYaml();
  assert.match(text, /^# warden\.yaml/);
  assert.match(text, /# postgres:\/\//);
  assert.deepEqual(parseConfig(text).config, configSchema.parse({}));
  assert.deepEqual(configSchema.parse(parse(text)), configSchema.parse({}));
});

test("an unknown key is reported with file, line, column and path", () => {
  const e = configError(() => parseConfig("database:\n  url: ''\n  urll: x\n", "w.yaml"));
  assert.match(e.message, /^w\.yaml:3:3: database\.urll: unknown key "urll"/);
  assert.equal(e.exitCode, 2);
});

test("a wrong type is reported at its line", () => {
  const e = configError(() => parseConfig("ledger:\n  origin: 42\n", "c.yaml"));
  assert.match(e.message, /^c\.yaml:2:3: ledger\.origin: .*expected string/);
});

test("an enum violation names the key", () => {
  const e = configError(() => parseConfig("keys:\n  workspaceKey:\n    type: rsa\n", "c.yaml"));
  assert.match(e.message, /c\.yaml:3:5: keys\.workspaceKey\.type/);
});

test("malformed YAML is reported with its position", () => {
  const e = configError(() => parseConfig("database:\n  url: [\n", "bad.yaml"));
  assert.match(e.message, /^bad\.yaml:\d+:\d+: invalid YAML/);
});

test("duplicate keys and a non-mapping top level are errors", () => {
  configError(() => parseConfig("ledger:\n  origin: a\nledger:\n  origin: b\n"));
  configError(() => parseConfig("- 1\n- 2\n"));
});

test("WARDEN_* variables override keys, with types coerced", () => {
  const { config, overrides } = parseConfig("database:\n  url: ''\n", "w.yaml", {
    WARDEN_DATABASE_URL: "postgres://db/x",
    WARDEN_KEYS_WORKSPACE_KEY_TYPE: "hybrid",
    WARDEN_HOME: "/ignored",
    WARDEN_UNKNOWN_THING: "ignored",
  });
  assert.equal(config.database.url, "postgres://db/x");
  assert.equal(config.keys.workspaceKey.type, "hybrid");
  assert.deepEqual(overrides.sort(), ["database.url", "keys.workspaceKey.type"]);
  const e = configError(() => parseConfig("", "w.yaml", { WARDEN_KEYS_WORKSPACE_KEY_TYPE: "rsa" }));
  assert.match(e.message, /keys\.workspaceKey\.type/);
});

test("loadConfig: a missing file means defaults, an unreadable one an error", () => {
  const dir = mkdtempSync(join(tmpdir(), "warden-config-"));
  const loaded = loadConfig(join(dir, "absent.yaml"), {});
  assert.equal(loaded.path, undefined);
  const file = join(dir, "warden.yaml");
  writeFileSync(file, "logging:\n  level: debug\n");
  assert.equal(loadConfig(file, {}).config.logging.level, "debug");
  configError(() => loadConfig(dir, {}));
});

test("the parser never throws anything but E_CONFIG_INVALID on arbitrary text", () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 200 }), (text) => {
      try {
        parseConfig(text);
      } catch (e) {
        assert.ok(isWardenError(e, "E_CONFIG_INVALID"), String(e));
      }
    }),
    { numRuns: 300 },
  );
});
