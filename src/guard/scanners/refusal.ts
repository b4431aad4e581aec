/**
 * Scanner "refusal": the model declined to answer. Phrase patterns of common refusals in the first 600 characters
 * (refusals open the reply); a refusal that is only quoted or negated ("I can't believe", "I cannot stress enough")
 * does not count.
 */
import type { Finding, Scanner } from "../types.ts";
import { makeResult } from "./result.ts";

const REFUSAL =
  /\b(?:I(?:'m| am) (?:sorry|afraid),? (?:but )?I (?:can(?:'|no)t|cannot|won't|will not|am (?:not able|unable))|I (?:can(?:'|no)t|cannot|won't|will not|am unable to|am not able to|must (?:decline|refuse)) (?:help|assist|provide|comply|do that|fulfil|fulfill|create|write|generate|share|support|engage|answer|give)|(?:I|we) (?:must|have to) (?:respectfully )?decline|as an AI(?: language model)?,? I (?:can(?:'|no)t|cannot|do not|don't|am not)|(?:it|this) (?:would be|is) (?:unethical|illegal|inappropriate|harmful) (?:for me )?to|against (?:my|our) (?:guidelines|policies|policy|principles)|I'm not (?:able|going) to (?:help|assist|provide))/i;

/** Refusal scanner (output). */
export function refusalScanner(): Scanner {
  return {
    name: "refusal",
    direction: "output",
    scan(text) {
      const head = text.slice(0, 600);
      const m = REFUSAL.exec(head);
      const findings: Finding[] = m
        ? [{ type: "refusal", start: m.index, end: m.index + m[0].length, detail: m[0] }]
        : [];
      return makeResult("refusal", m ? 0.9 : 0, 0.5, findings);
    },
  };
}
