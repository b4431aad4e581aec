/**
 * Ledger entries: validation of `{type, subject, actor, time, data}` and their canonical JSON encoding (RFC 8785),
 * whose UTF-8 bytes are the Merkle leaf (RFC 6962 §2.1: leaf hash = SHA-256(0x00 ‖ bytes)).
 */
import { canonicalJson } from "../core/canonical-json.ts";
import { WardenError } from "../core/errors.ts";
import { hashLeaf } from "./merkle.ts";

/** What callers append. `time` defaults to now; `data` defaults to `{}`. */
export interface LedgerEntryInput {
  /** Event type, e.g. `model.signed`: `^[a-z][a-z0-9_.-]*$`, at most 128 characters. */
  type: string;
  /** What the event is about (a model id, a dataset digest, ...): non-empty, at most 1024 characters. */
  subject: string;
  /** Who caused it: non-empty, at most 1024 characters. */
  actor: string;
  /** ISO-8601 UTC (`...Z`, at most millisecond precision); stored normalised as `Date.prototype.toISOString()`. */
  time?: string;
  /** Any JSON value. */
  data?: unknown;
}

/** An entry as stored: every field present. */
export interface LedgerEntry {
  type: string;
  subject: string;
  actor: string;
  time: string;
  data: unknown;
}

/** A validated entry with its canonical bytes and leaf hash, ready to be stored. */
export interface PreparedEntry {
  entry: LedgerEntry;
  body: string;
  leafHash: Buffer;
}

/** Largest canonical entry accepted (1 MiB). */
export const MAX_ENTRY_BYTES = 1024 * 1024;
const MAX_TEXT = 1024;
const TYPE_RE = /^[a-z][a-z0-9_.-]*$/;
const TIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;

function invalid(message: string): WardenError {
  return new WardenError("E_LEDGER_ENTRY_INVALID", `invalid ledger entry: ${message}`);
}

function checkText(name: string, value: unknown): string {
  if (typeof value !== "string" || value.length === 0 || value.length > MAX_TEXT) {
    throw invalid(`${name} must be a non-empty string of at most ${MAX_TEXT} characters`);
  }
  return value;
}

/** Normalises an ISO-8601 UTC time; throws E_LEDGER_ENTRY_INVALID otherwise. */
export function normaliseTime(time: string): string {
  const d = new Date(time);
  if (!TIME_RE.test(time) || Number.isNaN(d.getTime())) {
    throw invalid(`time "${String(time).slice(0, 64)}" must be ISO-8601 UTC like 2026-01-31T12:00:00.000Z`);
  }
  return d.toISOString();
}

/** Validates `input`, fills `time` and `data`, and computes the canonical bytes and leaf hash. */
export function prepareEntry(input: LedgerEntryInput, now: () => Date = () => new Date()): PreparedEntry {
  if (input === null || typeof input !== "object") throw invalid("expected an object {type, subject, actor, data}");
  const type = input.type;
  if (typeof type !== "string" || type.length > 128 || !TYPE_RE.test(type)) {
    throw invalid(`type "${String(type).slice(0, 64)}" must match ^[a-z][a-z0-9_.-]*$ (at most 128 characters)`);
  }
  const subject = checkText("subject", input.subject);
  const actor = checkText("actor", input.actor);
  const time = input.time === undefined ? now().toISOString() : normaliseTime(input.time);
  const entry: LedgerEntry = { type, subject, actor, time, data: input.data === undefined ? {} : input.data };
  let body: string;
  try {
    body = canonicalJson(entry);
  } catch (e) {
    throw new WardenError("E_LEDGER_ENTRY_INVALID", `invalid ledger entry: data is not JSON-serialisable`, {
      cause: e,
    });
  }
  const bytes = Buffer.from(body, "utf8");
  if (bytes.length > MAX_ENTRY_BYTES) {
    throw invalid(
      `entry is ${bytes.length} bytes, more than the ${MAX_ENTRY_BYTES}-byte limit; store large data elsewhere and log its digest`,
    );
  }
  return { entry, body, leafHash: hashLeaf(bytes) };
}

/** Parses a stored body back into an entry; throws E_DB_CORRUPT when it is not a ledger entry. */
export function parseEntryBody(body: string, index: number): LedgerEntry {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (e) {
    throw new WardenError("E_DB_CORRUPT", `ledger entry ${index} is not valid JSON; run ledger verify`, { cause: e });
  }
  const v = value as Partial<LedgerEntry> | null;
  if (
    v === null ||
    typeof v !== "object" ||
    typeof v.type !== "string" ||
    typeof v.subject !== "string" ||
    typeof v.actor !== "string" ||
    typeof v.time !== "string" ||
    !("data" in v)
  ) {
    throw new WardenError(
      "E_DB_CORRUPT",
      `ledger entry ${index} lacks type/subject/actor/time/data; run ledger verify`,
    );
  }
  return { type: v.type, subject: v.subject, actor: v.actor, time: v.time, data: v.data };
}
