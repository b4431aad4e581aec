/** `warden keys create|list|export|rotate`: named key pairs, private halves encrypted at rest in the workspace. */
import type { Command } from "commander";
import { isKeyType, KEY_TYPES, rewrapFile } from "../core/crypto/index.ts";
import { addJsonOption, output, usageError, withWorkspace } from "./shared.ts";

export function registerKeysCommands(program: Command): void {
  const keys = program.command("keys").description("create, list, export and rotate workspace keys");

  addJsonOption(
    keys
      .command("create <name>")
      .description("create a key pair; the private key is stored encrypted (AES-256-GCM under the key-encryption key)")
      .option("-t, --type <type>", `key type: ${KEY_TYPES.join(", ")}`, "ed25519"),
  ).action(async (name: string, opts: { type: string; json?: boolean }) => {
    if (!isKeyType(opts.type)) throw usageError(`unknown key type "${opts.type}"; use one of ${KEY_TYPES.join(", ")}`);
    const type = opts.type;
    const info = await withWorkspace(async (ws) => {
      const created = await ws.keys.create(name, type);
      await ws.ledger.append({
        type: "keys.created",
        subject: name,
        actor: ws.actor,
        data: { keyType: created.type, keyId: created.keyId },
      });
      return created;
    });
    output(opts, info, () => `created ${info.type} key "${info.name}" (key id ${info.keyId})`);
  });

  addJsonOption(keys.command("list").description("list the keys in the workspace (public metadata only)")).action(
    async (opts: { json?: boolean }) => {
      const list = await withWorkspace(async (ws) => ws.keys.list());
      output(opts, list, () =>
        list.length === 0
          ? "no keys"
          : list.map((k) => `${k.name.padEnd(20)} ${k.type.padEnd(11)} ${k.keyId} ${k.createdAt}`).join("\n"),
      );
    },
  );

  addJsonOption(
    keys
      .command("export <name>")
      .description("print a public key")
      .option("-f, --format <format>", "pem or jwk", "pem"),
  ).action(async (name: string, opts: { format: string; json?: boolean }) => {
    if (opts.format !== "pem" && opts.format !== "jwk")
      throw usageError(`--format must be pem or jwk, got "${opts.format}"`);
    const format = opts.format;
    const text = await withWorkspace(async (ws) => ws.keys.exportPublic(name, format));
    output(opts, { name, format, publicKey: format === "jwk" ? JSON.parse(text) : text }, () => text);
  });

  addJsonOption(
    keys
      .command("rotate")
      .description(
        "make a new version of the workspace encryption key and re-wrap the data keys of the given encrypted files",
      )
      .argument("[files...]", "files encrypted by Warden whose data keys to re-wrap (the data is not re-encrypted)"),
  ).action(async (files: string[], opts: { json?: boolean }) => {
    const result = await withWorkspace(async (ws) => {
      const key = await ws.keys.rotateEncryptionKey();
      const rewrapped: string[] = [];
      for (const file of files) {
        await rewrapFile(file, ws.keys);
        rewrapped.push(file);
      }
      await ws.ledger.append({
        type: "keys.rotated",
        subject: "workspace-encryption-key",
        actor: ws.actor,
        data: { keyId: key.id, version: key.version, rewrapped: rewrapped.length },
      });
      return { keyId: key.id, version: key.version, rewrapped };
    });
    output(
      opts,
      result,
      () => `encryption key now at version ${result.version}; re-wrapped ${result.rewrapped.length} file(s)`,
    );
  });
}
