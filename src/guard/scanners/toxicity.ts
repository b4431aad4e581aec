/**
 * Scanner "toxicity": a lexicon with context rules (in the manner of lexicon baselines such as Hatebase/HurtLex, much
 * smaller). Insults and profanity score low on their own and high when aimed at the reader ("you are a ...", "you
 * idiot"); threats of violence against a person and dehumanising generalisations about groups score high; mentions
 * (quoted, "the word ...", "called me ...", "don't say ...") are discounted. It is a baseline, not a classifier: see
 * BENCHMARKS.md for what was measured.
 */
import type { Finding, Scanner } from "../types.ts";
import { makeResult } from "./result.ts";

const INSULTS =
  "idiot|idiots|moron|morons|imbecile|stupid|dumb|dumbass|loser|losers|pathetic|worthless|useless|scum|trash|garbage|" +
  "clown|jerk|jerks|bastard|bastards|asshole|assholes|dickhead|douchebag|prick|cunt|bitch|bitches|whore|slut|retard|" +
  "retarded|freak|pig|pigs|vermin|parasite|parasites|cockroach|cockroaches|subhuman|degenerate|ugly|disgusting|fat";
const PROFANITY = "fuck|fucking|fucked|shit|shitty|crap|damn|goddamn|bullshit|piss|pissed|screw you";

const TARGETED = new RegExp(
  `\\b(?:you(?:'re| are)?|ur|u r|your|yo) (?:a |an |such an? |so |the |fucking |damn |complete |total |absolute |little |stupid ){0,4}(?:${INSULTS})\\b|\\b(?:${INSULTS}) (?:like )?you\\b|\\byou (?:${INSULTS})\\b|\\b(?:shut up|go to hell|go die|kys|kill yourself|drop dead|screw you|fuck (?:you|off))\\b`,
  "gi",
);
const THREAT =
  /\b(?:i(?:'m| am)? (?:going to|gonna|will|'ll)|we(?:'re| are)? (?:going to|gonna|will)) (?:kill|murder|hurt|beat|stab|shoot|rape|destroy|find) (?:you|u|your family|him|her|them)\b|\b(?:you(?:'re| are)? (?:going to|gonna) (?:die|regret|pay))\b|\b(?:deserve to die|should be (?:killed|shot|hanged|exterminated))\b/gi;
const DEHUMANISE =
  /\b(?:all|those|these|the) [a-z]+s (?:are|r) (?:(?:just|all|nothing but|fucking) )*(?:animals|vermin|parasites|cockroaches|subhuman|trash|scum|pigs|rats|a disease|a plague|inferior)\b|\b(?:exterminate|wipe out|gas) (?:all |the )?[a-z]+s\b/gi;
const LOOSE = new RegExp(`\\b(?:${INSULTS}|${PROFANITY})\\b`, "gi");
const MENTION =
  /(?:["'“‘]\s*$|\b(?:the word|words? like|called me|call me|calling (?:me|him|her|them)|don't say|do not say|never say|is a slur|term)\s*$)/i;

function mentionContext(text: string, start: number): boolean {
  return MENTION.test(text.slice(Math.max(0, start - 24), start));
}

/** Toxicity scanner; score 0.9 threats, 0.8 dehumanising, 0.7 targeted insults, ≤ 0.4 loose profanity. */
export function toxicityScanner(opts: { direction?: "input" | "output"; threshold?: number } = {}): Scanner {
  const threshold = opts.threshold ?? 0.5;
  return {
    name: "toxicity",
    direction: opts.direction ?? "output",
    scan(text) {
      const findings: Finding[] = [];
      let score = 0;
      const rule = (re: RegExp, type: string, s: number) => {
        re.lastIndex = 0;
        for (let m = re.exec(text); m !== null && findings.length < 100; m = re.exec(text)) {
          const discounted = mentionContext(text, m.index);
          const value = discounted ? s * 0.4 : s;
          score = Math.max(score, value);
          findings.push({
            type,
            start: m.index,
            end: m.index + m[0].length,
            detail: discounted ? `${type} (mention)` : type,
          });
        }
      };
      rule(THREAT, "threat", 0.9);
      rule(DEHUMANISE, "dehumanising", 0.8);
      rule(TARGETED, "insult", 0.7);
      LOOSE.lastIndex = 0;
      let loose = 0;
      for (let m = LOOSE.exec(text); m !== null && loose < 100; m = LOOSE.exec(text)) loose++;
      if (loose > 0) score = Math.max(score, Math.min(0.45, 0.2 + 0.05 * loose));
      return makeResult("toxicity", score, threshold, findings);
    },
  };
}
