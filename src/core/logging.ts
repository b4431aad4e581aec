/**
 * Structured logging (pino) to stderr. Secrets are redacted by key name wherever they appear in a log object, so a
 * passphrase, API key, token or private key never reaches a log line.
 */
import { pino } from "pino";

export type Logger = pino.Logger;

/** Key names whose values are always censored, at the top level and up to two levels deep. */
const SECRET_KEYS = [
  "passphrase",
  "password",
  "secret",
  "token",
  "apiKey",
  "api_key",
  "authorization",
  "Authorization",
  "cookie",
  "privateKey",
  "private_key",
  "key",
  "kek",
  "dataKey",
];

const REDACT_PATHS = SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`, `headers["${k.toLowerCase()}"]`]);

/** A pino logger writing JSON lines to `destination` (stderr by default) with secret redaction. */
export function createLogger(
  options: { level?: string; name?: string; destination?: NodeJS.WritableStream } = {},
): Logger {
  return pino(
    {
      level: options.level ?? "warn",
      name: options.name ?? "warden",
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination ?? pino.destination(2),
  );
}
