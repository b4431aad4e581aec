/**
 * Scanner "invisible": zero-width characters, bidi controls (Trojan Source, Boucher & Anderson 2021), variation
 * selectors and Unicode tag characters U+E0000–E007F (ASCII smuggling). Redaction removes them.
 */
import type { Finding, Scanner } from "../types.ts";
import { makeResult } from "./result.ts";

function kindOf(cp: number): string | null {
  if (cp >= 0xe0000 && cp <= 0xe007f) return "tag-character";
  if ((cp >= 0x200b && cp <= 0x200d) || cp === 0x2060 || cp === 0xfeff || (cp >= 0x2061 && cp <= 0x2064)) {
    return "zero-width";
  }
  if (cp === 0x180e || cp === 0x034f || cp === 0x115f || cp === 0x1160 || cp === 0x3164 || cp === 0xffa0) {
    return "zero-width";
  }
  if ((cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) || cp === 0x200e || cp === 0x200f) {
    return "bidi-control";
  }
  if (cp === 0x061c) return "bidi-control";
  if ((cp >= 0xfe00 && cp <= 0xfe0f) || (cp >= 0xe0100 && cp <= 0xe01ef)) return "variation-selector";
  return null;
}

/**
 * Every char `kindOf` reports, as UTF-16: the BMP ones, and U+E0000–E007F and U+E0100–E01EF as surrogate pairs.
 * No candidate starts with a low surrogate (the only unit a code-point walk skips), so the regex stops exactly where
 * such a walk would next report something.
 */
const CANDIDATE =
  /[\u034f\u061c\u115f\u1160\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\u3164\ufeff\uffa0]|[\ufe00-\ufe0f]|\udb40[\udc00-\udc7f\udd00-\uddef]/g;

/** Flags when the text carries any tag or bidi character, or at least `minZeroWidth` other invisible ones. */
export function invisibleScanner(opts: { minZeroWidth?: number; direction?: "input" | "output" } = {}): Scanner {
  const minZeroWidth = opts.minZeroWidth ?? 1;
  return {
    name: "invisible",
    direction: opts.direction ?? "input",
    scan(text) {
      const findings: Finding[] = [];
      let strong = 0;
      let weak = 0;
      let plain = 0;
      for (let i = 0; i < text.length; ) {
        if (plain >= 16) {
          // A long stretch without invisible chars: let the regex find the next one.
          CANDIDATE.lastIndex = i;
          const m = CANDIDATE.exec(text);
          if (m === null) break;
          i = m.index;
          plain = 0;
        }
        const c = text.charCodeAt(i);
        if (c < 0x34f || (c > 0x3164 && c < 0xd800) || (c > 0xdfff && c < 0xfe00)) {
          plain++;
          i++;
          continue;
        }
        let cp = c;
        let len = 1;
        if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
          const d = text.charCodeAt(i + 1);
          if (d >= 0xdc00 && d <= 0xdfff) {
            cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
            len = 2;
          }
        }
        const kind = kindOf(cp);
        if (kind === null) plain++;
        else {
          plain = 0;
          if (kind === "tag-character" || kind === "bidi-control") strong++;
          else weak++;
          const last = findings[findings.length - 1];
          if (last && last.type === kind && last.end === i && findings.length < 1000) last.end = i + len;
          else if (findings.length < 1000) findings.push({ type: kind, start: i, end: i + len, detail: kind });
        }
        i += len;
      }
      const score = strong > 0 ? 1 : weak >= minZeroWidth ? 0.8 : 0;
      return makeResult("invisible", score, 0.5, findings);
    },
  };
}
