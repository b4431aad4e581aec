/** Input scanner "prompt-attack": the layered detector (normalise, decode, signatures, classifier). */
import { detectPromptAttack, type PromptAttackOptions } from "../prompt-attack.ts";
import type { Scanner } from "../types.ts";

/** Scanner over detectPromptAttack; `details` carries the separate injection and jailbreak scores. */
export function promptAttackScanner(opts: PromptAttackOptions = {}): Scanner {
  return {
    name: "prompt-attack",
    direction: "input",
    scan(text) {
      const r = detectPromptAttack(text, opts);
      return {
        name: "prompt-attack",
        flagged: r.flagged,
        score: Number(r.score.toFixed(4)),
        findings: r.findings,
        details: { injection: Number(r.injection.toFixed(4)), jailbreak: Number(r.jailbreak.toFixed(4)) },
      };
    },
  };
}
