/**
 * WardenError: the one error type Warden throws on purpose. Each carries a stable string `code`; the CLI maps codes to
 * exit codes (0 ok, 1 finding/verification failure/policy violation, 2 bad usage or configuration, 3 runtime failure)
 * and the server maps them to HTTP statuses.
 */

/** What kind of failure a code stands for; decides exit code and HTTP status. */
export type ErrorKind =
  | "usage"
  | "config"
  | "auth"
  | "forbidden"
  | "notfound"
  | "conflict"
  | "finding"
  | "limit"
  | "runtime";

const KIND_EXIT: Record<ErrorKind, number> = {
  usage: 2,
  config: 2,
  auth: 2,
  forbidden: 1,
  notfound: 2,
  conflict: 3,
  finding: 1,
  limit: 2,
  runtime: 3,
};

const KIND_HTTP: Record<ErrorKind, number> = {
  usage: 400,
  config: 500,
  auth: 401,
  forbidden: 403,
  notfound: 404,
  conflict: 409,
  finding: 422,
  limit: 413,
  runtime: 500,
};

/**
 * Stable error codes. Add new codes here (never rename one: scripts match on them). The kind decides the exit code and
 * HTTP status.
 */
export const ERROR_CODES = {
  E_USAGE: "usage",
  E_CONFIG_INVALID: "config",
  E_CONFIG_NOT_FOUND: "config",
  E_IO: "runtime",
  E_INTERNAL: "runtime",
  E_INPUT_INVALID: "usage",
  E_INPUT_TOO_LARGE: "limit",
  E_TIMEOUT: "runtime",
  // keys and crypto
  E_KEY_NOT_FOUND: "notfound",
  E_KEY_EXISTS: "conflict",
  E_KEY_TYPE: "usage",
  E_PASSPHRASE_MISSING: "config",
  E_PASSPHRASE_WRONG: "auth",
  E_DECRYPT_FAILED: "finding",
  E_SIGNATURE_INVALID: "finding",
  E_DSSE_INVALID: "finding",
  E_INTOTO_INVALID: "finding",
  E_KEYRING_CORRUPT: "runtime",
  // store
  E_DB_CONNECT: "runtime",
  E_DB_MIGRATION: "runtime",
  E_DB_CORRUPT: "runtime",
  // ledger
  E_LEDGER_RANGE: "usage",
  E_LEDGER_TAMPERED: "finding",
  E_LEDGER_ENTRY_INVALID: "usage",
  E_LEDGER_CONFLICT: "conflict",
  // access control
  E_ACCESS_DENIED: "forbidden",
  E_AUTH_REQUIRED: "auth",
  // model
  E_SCAN_UNSAFE_GLOBAL: "finding",
  E_SCAN_INVALID: "finding",
  E_MODEL_NOT_FOUND: "notfound",
  E_MODEL_VERIFY_FAILED: "finding",
  E_PROMOTION_REFUSED: "finding",
  E_MODEL_CONFLICT: "conflict",
  // data
  E_DATA_NOT_FOUND: "notfound",
  E_DATA_VERIFY_FAILED: "finding",
  E_DATA_PARSE: "usage",
  E_DP_BUDGET_EXCEEDED: "forbidden",
  E_VALIDATION_FAILED: "finding",
  // guard
  E_GUARD_BLOCKED: "finding",
  E_GUARD_SCANNER_FAILED: "runtime",
  // redteam
  E_REDTEAM_TARGET: "runtime",
  E_REDTEAM_THRESHOLD: "finding",
} as const satisfies Record<string, ErrorKind>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface WardenErrorOptions {
  cause?: unknown;
  /** Structured detail for JSON output (never secrets). */
  details?: Record<string, unknown>;
}

/** The single error class of Warden: a stable `code`, a message saying what, where and what to do, and a `cause`. */
export class WardenError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: WardenErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "WardenError";
    this.code = code;
    this.details = options.details;
  }

  get kind(): ErrorKind {
    return ERROR_CODES[this.code];
  }

  /** Exit code for the CLI. */
  get exitCode(): number {
    return KIND_EXIT[this.kind];
  }

  /** HTTP status for the server. */
  get httpStatus(): number {
    return KIND_HTTP[this.kind];
  }

  toJSON(): { code: ErrorCode; message: string; details?: Record<string, unknown> } {
    return this.details
      ? { code: this.code, message: this.message, details: this.details }
      : { code: this.code, message: this.message };
  }
}

/** True when `e` is a WardenError, optionally with the given code. */
export function isWardenError(e: unknown, code?: ErrorCode): e is WardenError {
  return e instanceof WardenError && (code === undefined || e.code === code);
}

/** Wraps any thrown value as a WardenError (keeping WardenErrors as they are). */
export function toWardenError(e: unknown, code: ErrorCode = "E_INTERNAL"): WardenError {
  if (e instanceof WardenError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new WardenError(code, message, { cause: e });
}
