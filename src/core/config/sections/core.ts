/** Configuration sections for the foundation: database, Redis, keys, ledger and logging. */
import { z } from "zod";

export const databaseSection = z
  .strictObject({
    url: z
      .string()
      .default("")
      .describe("postgres://user@host:5432/db for PostgreSQL; empty for the embedded SQLite file in WARDEN_HOME"),
    sqliteFile: z.string().default("warden.db").describe("SQLite file name, relative to WARDEN_HOME"),
    schema: z
      .string()
      .regex(/^[a-z_][a-z0-9_]{0,62}$/)
      .optional()
      .describe("PostgreSQL only: schema holding Warden's tables (created if missing); default: the search_path"),
  })
  .prefault({});

export const redisSection = z
  .strictObject({
    url: z
      .string()
      .default("")
      .describe("redis://host:6379 for counters shared by several instances; empty: in memory"),
  })
  .prefault({});

const keyType = z.enum(["ed25519", "ecdsa-p256", "ecdsa-p384", "ml-dsa-65", "hybrid"]);

export const keysSection = z
  .strictObject({
    dir: z.string().default("keys").describe("Keyring folder, relative to WARDEN_HOME"),
    keyFile: z
      .string()
      .default("")
      .describe("Path of a 32-byte key-encryption key file; empty: derive it by scrypt from WARDEN_PASSPHRASE"),
    workspaceKey: z
      .strictObject({
        name: z.string().default("workspace").describe("Name of the key that signs ledger checkpoints"),
        type: keyType
          .default("ed25519")
          .describe("Type of the workspace key: ed25519, or hybrid for an added ML-DSA-65 cosignature"),
      })
      .prefault({}),
  })
  .prefault({});

export const ledgerSection = z
  .strictObject({
    origin: z
      .string()
      .min(1)
      .default("warden.local/ledger")
      .describe("Origin line of signed checkpoints (C2SP tlog-checkpoint): a unique name for this log"),
  })
  .prefault({});

export const loggingSection = z
  .strictObject({
    level: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("warn").describe("Log level"),
  })
  .prefault({});
