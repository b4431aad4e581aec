/** The finding shape format parsers return; the engine adds the member path to make the location. */
import type { Severity } from "./types.ts";

export interface RawFinding {
  rule: string;
  severity: Severity;
  message: string;
  /** Byte offset inside the scanned object, when meaningful. */
  offset?: number;
}

/** A parser's answer: the format it recognised and what it found, or undefined when the bytes are not that format. */
export interface FormatScan {
  format: string;
  findings: RawFinding[];
}

/** A structural violation that makes the file unloadable by the format's reference loader. */
export function invalid(message: string, offset?: number): RawFinding {
  return offset === undefined
    ? { rule: "invalid-format", severity: "medium", message }
    : { rule: "invalid-format", severity: "medium", message, offset };
}
