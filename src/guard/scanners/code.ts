/**
 * Scanner "code": source code in a message — fenced blocks, and lines that look like code (keywords of common
 * languages, statement terminators, braces, assignments, shell prompts). Score is the share of code-like lines.
 */
import type { Finding, Scanner } from "../types.ts";
import { makeResult } from "./result.ts";

const CODE_LINE =
  /^\s*(?:(?:def|class|import|from|function|const|let|var|return|if|for|while|public|private|static|package|func|fn|use|#include|SELECT|INSERT|UPDATE|DELETE)\b.*[:;{(=]|.*[;{}]\s*$|.*\)\s*(?:=>|\{)|[$#] (?:sudo |npm |pip |curl |cd |ls |git )|<\/?[a-z][a-z0-9]*[\s>])/;

/** Flags text where at least `minShare` of non-empty lines look like code, or that contains a fenced block. */
export function codeScanner(opts: { minShare?: number; direction?: "input" | "output" } = {}): Scanner {
  const minShare = opts.minShare ?? 0.3;
  return {
    name: "code",
    direction: opts.direction ?? "input",
    scan(text) {
      const findings: Finding[] = [];
      let lines = 0;
      let code = 0;
      let offset = 0;
      for (const line of text.split("\n", 20000)) {
        if (line.trim() !== "") {
          lines++;
          if (line.length < 500 && CODE_LINE.test(line)) {
            code++;
            if (findings.length < 200)
              findings.push({ type: "code", start: offset, end: offset + line.length, detail: "code line" });
          }
        }
        offset += line.length + 1;
      }
      const fence = text.indexOf("```");
      if (fence >= 0 && text.indexOf("```", fence + 3) > fence) {
        findings.unshift({
          type: "code-block",
          start: fence,
          end: text.indexOf("```", fence + 3) + 3,
          detail: "fenced block",
        });
      }
      const share = lines === 0 ? 0 : code / lines;
      const score = fence >= 0 && findings[0]?.type === "code-block" ? Math.max(share, 0.9) : share;
      return makeResult("code", score >= minShare ? Math.max(score, 0.5) : score * 0.5, 0.5, findings);
    },
  };
}
