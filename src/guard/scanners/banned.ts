/**
 * Scanner "banned": configured substrings (case-insensitive), regular expressions (run on RE2, so an untrusted
 * pattern cannot backtrack catastrophically) and topics (keyword lists; a topic matches when enough distinct keywords
 * of it occur). Patterns are compiled once, when the scanner is built.
 */
import RE2 from "re2";
import { WardenError } from "../../core/errors.ts";
import type { Finding, Scanner } from "../types.ts";
import { makeResult } from "./result.ts";

export interface Topic {
  name: string;
  keywords: string[];
  /** Distinct keywords needed (default 1). */
  minMatches?: number;
}

export interface BannedOptions {
  substrings?: string[];
  regexes?: string[];
  topics?: Topic[];
  direction?: "input" | "output";
}

function escapeRegex(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|]/g, "\\$&");
}

/** Builds the banned-content scanner; a regex RE2 cannot compile is a config error naming it. */
export function bannedScanner(opts: BannedOptions): Scanner {
  const regexes = (opts.regexes ?? []).map((source, i) => {
    try {
      return { source, re: new RE2(source, "gu") };
    } catch (e) {
      throw new WardenError(
        "E_CONFIG_INVALID",
        `guard banned.regexes[${i}] "${source}" is not valid RE2: ${String(e)}`,
      );
    }
  });
  const substrings = (opts.substrings ?? []).filter((s) => s.length > 0);
  const substringRe = substrings.length > 0 ? new RE2(substrings.map(escapeRegex).join("|"), "giu") : null;
  const topics = (opts.topics ?? []).map((t) => ({
    name: t.name,
    min: t.minMatches ?? 1,
    re: new RE2(`\\b(?:${t.keywords.map(escapeRegex).join("|")})\\b`, "giu"),
  }));
  return {
    name: "banned",
    direction: opts.direction ?? "input",
    scan(text) {
      const findings: Finding[] = [];
      const collect = (re: InstanceType<typeof RE2>, type: string, detail: (m: string) => string, max = 100) => {
        re.lastIndex = 0;
        let n = 0;
        for (let m = re.exec(text); m !== null && n < max; m = re.exec(text)) {
          if (m[0].length === 0) {
            re.lastIndex++;
            continue;
          }
          findings.push({ type, start: m.index, end: m.index + m[0].length, detail: detail(m[0]) });
          n++;
        }
        return n;
      };
      if (substringRe) collect(substringRe, "substring", (m) => `banned substring "${m}"`);
      for (const r of regexes) collect(r.re, "regex", () => `banned pattern ${r.source}`);
      for (const t of topics) {
        const before = findings.length;
        collect(t.re, "topic", () => `topic ${t.name}`);
        const distinct = new Set(findings.slice(before).map((f) => text.slice(f.start, f.end).toLowerCase()));
        if (distinct.size < t.min) findings.length = before;
      }
      return makeResult("banned", findings.length > 0 ? 1 : 0, 0.5, findings);
    },
  };
}
