/** The public door of the PII engine (engine.ts): `detectPii`. */
import { detectWith } from "./engine.ts";
import type { DetectOptions, PiiEntity } from "./types.ts";

/**
 * Detects PII in `text` (email, phone, card, IBAN, US SSN, IP, MAC, URL, crypto wallet, dates, passport and licence
 * numbers, API keys and secrets, person names and locations). Returns entities sorted by start, non-overlapping, with
 * UTF-16 offsets and scores at or above `minScore` (default 0.5).
 */
export function detectPii(text: string, opts: DetectOptions = {}): PiiEntity[] {
  return detectWith(text, opts, typeof text === "string" && text.length >= WINDOWED_FROM);
}

/**
 * Texts at least this long (UTF-16 units) are scanned through the candidate-window prefilter; shorter ones (a chat
 * prompt, a table cell) scan faster whole. Both paths find the same entities.
 */
const WINDOWED_FROM = 2048;
