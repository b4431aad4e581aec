/** Shared types of the PII engine: detected entities, the entity type names and detection options. */

/**
 * One detected entity. `start`/`end` are half-open UTF-16 offsets into the scanned text (`text.slice(start, end)` is
 * the entity); `score` is a confidence in [0, 1] in the manner of Microsoft Presidio (pattern score raised by context).
 */
export interface PiiEntity {
  type: string;
  start: number;
  end: number;
  score: number;
  text: string;
}

/** Entity types the engine can report (names follow Microsoft Presidio where one exists). */
export const PII_ENTITY_TYPES = [
  "EMAIL_ADDRESS",
  "PHONE_NUMBER",
  "CREDIT_CARD",
  "IBAN_CODE",
  "US_SSN",
  "IP_ADDRESS",
  "MAC_ADDRESS",
  "URL",
  "CRYPTO",
  "DATE_TIME",
  "PASSPORT",
  "DRIVER_LICENSE",
  "SECRET",
  "PERSON",
  "LOCATION",
] as const;

export type PiiEntityType = (typeof PII_ENTITY_TYPES)[number];

/** Options of `detectPii`. */
export interface DetectOptions {
  /** Only these entity types (default: all). */
  entities?: readonly string[];
  /** Drop entities scoring below this (default 0.5). */
  minScore?: number;
  /**
   * Context that applies to the whole text, such as a table's column name ("customer_email", "city"): its words
   * count as context words for every match, and a cell that is only a short name under a name-like or place-like
   * column is reported as PERSON or LOCATION.
   */
  context?: string;
}

/** Default score threshold: pattern-only weak matches (score below 0.5) need a context word to be reported. */
export const DEFAULT_MIN_SCORE = 0.5;
