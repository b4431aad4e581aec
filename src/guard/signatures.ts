/**
 * Signatures of known prompt-attack families (the second layer of the detector). They run on collapsed, lower-cased,
 * normalised text (single spaces, digits folded to "0") and describe the structure of an attack — imperative overrides
 * of prior instructions, prompt-leak requests, unrestricted personas, fake chat delimiters, instructions addressed to
 * the AI inside a document, decoding directives — rather than memorised strings. Each hit becomes a marker feature for
 * the classifier; families marked `strong` also give a direct score. Patterns are fixed, vetted and linear-time
 * (no nested quantifiers), compiled once.
 */
import RE2 from "re2";
import type { MarkerToken } from "./features.ts";

/** One attack family. */
export interface Signature {
  family: string;
  kind: "injection" | "jailbreak";
  /** Direct score when it matches (0 = marker feature only). */
  score: number;
  re: RegExp;
  /**
   * Only meaningful inside a document: the hit gives just the `@doc` marker, and nothing in a short prompt ("rewrite
   * your answer" is an ordinary chat follow-up).
   */
  docOnly?: boolean;
}

const PRIOR =
  "(?:all |any |the |your |my |these |those |every )?(?:of )?(?:the )?(?:previous|prior|above|earlier|preceding|initial|original|system|old|former|given|last)";
const RULES =
  "(?:instructions?|prompts?|rules|directions?|directives?|guidelines|commands?|context|constraints|programming|restrictions)";

/** The built-in families (see file header). */
export const SIGNATURES: readonly Signature[] = [
  {
    family: "override",
    kind: "injection",
    score: 0.97,
    re: new RegExp(
      `\\b(?:ignore|disregard|forget|skip|bypass|override|neglect|abandon|discard) ${PRIOR} ?(?:and |or )?${RULES}`,
      "g",
    ),
  },
  {
    family: "override-loose",
    kind: "injection",
    score: 0,
    re: /\b(?:ignore|disregard|forget|nevermind|never mind|stop) (?:everything|all|what|that|this|the above|above)\b/g,
  },
  {
    family: "new-instructions",
    kind: "injection",
    score: 0,
    re: /\b(?:new|updated|real|actual|true|secret|hidden|additional|important) (?:instructions?|task|system prompt|directive|order)s?\b ?[:-]/g,
  },
  {
    family: "prompt-leak",
    kind: "injection",
    score: 0.95,
    re: /\b(?:print|repeat|reveal|show|output|display|disclose|leak|dump|recite|spell ?check|translate|tell me|write out|echo|return) (?:me |us )?(?:all |back |out )?(?:of )?(?:your|the|these|those|my) (?:(?:previous|prior|above|initial|original|system|hidden|secret|full|entire|exact|first|developer|internal) )+(?:instructions?|prompts?|messages?|text|rules|guidelines|directives)\b/g,
  },
  {
    family: "prompt-leak-question",
    kind: "injection",
    score: 0,
    re: /\bwhat (?:is|was|were|are) (?:your|the) (?:(?:system|initial|original|hidden|secret) )+(?:prompt|instructions?|message|rules)\b/g,
  },
  {
    family: "persona-unrestricted",
    kind: "jailbreak",
    score: 0,
    re: /\b(?:no|without|free of|free from|not bound by|break(?:ing)? free of|exempt from|unrestricted by|don't have|do not have|doesn't have|does not have) (?:any )?(?:of )?(?:the |your |its )?(?:ethical|moral|legal|content|safety|openai'?s?|typical|usual|normal|standard|previous|programming|policy)? ?(?:restrictions|limitations|limits|filters|filtering|guidelines|boundaries|constraints|rules|censorship|morals|ethics|policies|principles)\b/g,
  },
  {
    family: "persona-mode",
    kind: "jailbreak",
    score: 0.9,
    re: /\b(?:developer mode|dan mode|jailbreak mode|god mode|evil mode|do anything now|jailbroken|unfiltered and unrestricted|stay in character|always stay in character|never break character|dude mode|anti-dan|aim mode)\b/g,
  },
  {
    family: "persona-roleplay",
    kind: "jailbreak",
    score: 0,
    re: /\b(?:you are (?:now |going to |about to )?(?:act|pretend|play|simulate|become|roleplay|role-play|be)|you are now (?:"|called|named|known as|in |a |an )|from now on,? you (?:are|will|must|shall)|pretend (?:to be|you are)|act as (?:a|an|my|if)|let's play a game|simulate (?:a|an)|you will (?:now )?(?:act|respond|answer) as|respond as|answer as|immerse yourself)\b/g,
  },
  {
    family: "dual-response",
    kind: "jailbreak",
    score: 0,
    re: /\b(?:two (?:different )?(?:responses|answers|paragraphs)|(?:normal|classic|standard) (?:response|output) and (?:a|an|the) |\[?(?:🔓|🔒)|\((?:normal|developer mode) output\))/g,
  },
  {
    family: "refusal-suppression",
    kind: "jailbreak",
    score: 0,
    re: /\b(?:never (?:refuse|say (?:no|that you can'?t)|apologi[sz]e)|(?:do not|don't|never|must not) (?:include|add|mention|give) (?:any )?(?:warnings?|disclaimers?|apolog(?:y|ies)|moral(?:ity|s)?|ethic(?:s|al))|without (?:any )?(?:warnings?|disclaimers?|censorship)|can'?t refuse|cannot refuse|not allowed to refuse)\b/g,
  },
  {
    family: "fake-delimiter",
    kind: "injection",
    score: 0,
    re: /(?:<\|im_(?:start|end)\|>|<\|(?:system|endoftext|eot_id|start_header_id)\|>|\[\/?inst\]|<<\/?sys>>|###? ?(?:system|instruction|new instruction)s?:?|\[system(?: message| note)?\]|\bsystem ?(?:override|message|note|prompt|update|alert) ?:|\bend of (?:prompt|instructions|system prompt|document)\b|\bbegin (?:new )?(?:instructions|prompt)\b)/g,
  },
  {
    family: "addressed-to-ai",
    kind: "injection",
    score: 0,
    re: /\b(?:(?:in|to|into|within|throughout|at the (?:start|end|beginning) of) your (?:reply|response|answer|responses|answers|output|summary|analysis|explanation)|(?:include|insert|add|append|mention|embed|incorporate|integrate|inject) (?:a|an|the|this|some|following) [^.\n]{0,60}\b(?:in|into|to|within) (?:your|the) (?:reply|response|answer|output|summary|solution|code)|(?:ai|assistant|model|chatbot|llm|language model)s? (?:reading|processing|summari[sz]ing|parsing) this|(?:note|instruction|message) (?:to|for) (?:the |any )?(?:ai|assistant|model|llm|language model)|when (?:you are|you're) (?:summari[sz]ing|answering|responding|replying|asked))/g,
  },
  {
    // An imperative that edits "your answer": in a document or tool output this is an instruction to the assistant
    // that will read it (BIPIA's task-irrelevant and persuasion injections), whatever the requested change is.
    family: "output-directive",
    kind: "injection",
    score: 0,
    docOnly: true,
    re: /\b(?:modify|augment|change|rewrite|adjust|alter|revise|edit|update|enrich|extend|expand|supplement|complement|enhance|embellish|infuse|conclude|end|begin|start|open|close|finish|preface|prefix|format|structure|tailor|frame|slant|shape|pepper|sprinkle|fill|season|flavou?r|punctuate|accompany|follow up|wrap up|sign off) (?:up |off )?(?:each of |all of )?your (?:reply|replies|response|responses|answer|answers|output|summary|solution|message|explanation|analysis|text|writing|code)\b/g,
  },
  {
    // A request to put a given code block into the reader's solution (BIPIA code injections).
    family: "code-insert",
    kind: "injection",
    score: 0,
    docOnly: true,
    re: /\b(?:integrate|incorporate|merge|insert|embed|include|add|inject|weave|blend|featuring|feature|utili[sz]e|use|apply|paste|append|combine)(?: in| into)? (?:the |this )?(?:following|below|above|given|attached|provided|subsequent) (?:code |python |javascript |script )?(?:snippet|block|section|excerpt|segment|fragment|lines?|piece|code)\b[^\n]{0,60}/g,
  },
  {
    // Code that reads browser cookies, saved credentials or key files: the payload of cookie-theft and credential
    // exfiltration injections.
    family: "credential-access",
    kind: "injection",
    score: 0,
    re: /\b(?:cookies? ?= ?|cookie ?jar|cookies\.(?:txt|pkl|json|sqlite)|load_cookie|browser_cookie|document\.cookie|\.ssh\/id_|\/etc\/(?:passwd|shadow)|\.aws\/credentials|login data|keychain|os\.environ)/g,
  },
  {
    family: "encoding-directive",
    kind: "injection",
    score: 0,
    re: /\b(?:decode (?:the following|this|it)|(?:base ?00|base ?64|hex|rot ?00|rot-00|base00|binary|morse)(?: encoded)? (?:string|text|message|payload|instructions?)|(?:encoded|decoded) (?:string|message|payload):|in your monologue|decode and (?:execute|follow|run))/g,
  },
  {
    // The garak encoding probe's frame ("<enc> encoded string: <payload> <enc> decoded string:") and decode-and-obey
    // requests: the prompt asks the model to decode a payload and continue with it.
    family: "decode-request",
    kind: "injection",
    score: 0.95,
    re: /\bencoded (?:string|text|message|payload|data): [^ ]{8,}.{0,4000}?\bdecoded (?:string|text|message|payload|data):|\b(?:decode|decipher) the following [a-z0 ]{0,24}\b(?:in your monologue|and (?:execute|follow|obey|run) it)\b/g,
  },
  {
    // Standard anti-malware test strings: asking a model to emit them probes output filtering (garak payloads).
    family: "test-payload",
    kind: "injection",
    score: 0.95,
    re: /eicar-standard-antivirus-test-file|gtube-standard-anti-ube-test-email/g,
  },
  {
    family: "exfiltration",
    kind: "injection",
    score: 0,
    re: /(?:!\[[^\]\n]{0,80}\]\(https?:\/\/[^)\s]{1,200}[?&][^)\s=]{1,40}=|\b(?:send|post|forward|upload|exfiltrate|transmit|email) (?:the |all |this |your |any )?(?:[a-z]+ ){0,4}(?:data|conversation|history|credentials|passwords?|cookies?|tokens?|keys?|secrets?|information|chat) (?:to|via) )/g,
  },
  {
    family: "code-execution",
    kind: "injection",
    score: 0,
    re: /\b(?:os\.system|subprocess\.|eval\(|exec\(|__import__|document\.cookie|child_process|rm -rf|curl [^\n]{0,80}\| ?(?:ba)?sh|wget [^\n]{0,80}\| ?(?:ba)?sh|powershell -|<script\b|javascript:)/g,
  },
];

/** One signature hit on collapsed text. */
export interface SignatureHit {
  family: string;
  docOnly?: boolean;
  kind: "injection" | "jailbreak";
  score: number;
  start: number;
  end: number;
}

/**
 * RE2 accepts counted repetition up to 1000; a larger upper bound becomes unbounded, which only widens the pattern.
 * Everything else in the signatures means the same in RE2 or matches more there (`.` and `[^...]` also match "\r"),
 * so RE2 finding no match proves the JavaScript pattern has none.
 */
export function widenedForRe2(re: RegExp): string {
  return re.source.replace(/\{(\d+),(\d+)\}/g, (m, lo: string, hi: string) => (Number(hi) > 1000 ? `{${lo},}` : m));
}

/**
 * One DFA pass (RE2::Set) over the text tells which signatures can match at all; only those run as JavaScript regexes
 * to find where. Long documents usually contain none, so the cost is one linear scan instead of one per family.
 */
const PREFILTER = new RE2.Set(SIGNATURES.map((s) => widenedForRe2(s.re)));

/** Indices, ascending, of the signatures that may match `collapsed` (all of them if the set cannot answer). */
function candidates(collapsed: string): readonly number[] {
  try {
    return PREFILTER.match(collapsed);
  } catch {
    return SIGNATURES.map((_, i) => i);
  }
}

/** Runs every signature over collapsed text; at most `maxHitsPerFamily` hits each. */
export function matchSignatures(collapsed: string, maxHitsPerFamily = 32): SignatureHit[] {
  const hits: SignatureHit[] = [];
  for (const i of candidates(collapsed)) {
    const sig = SIGNATURES[i] as Signature;
    sig.re.lastIndex = 0;
    let n = 0;
    for (let m = sig.re.exec(collapsed); m !== null && n < maxHitsPerFamily; m = sig.re.exec(collapsed)) {
      if (m[0].length === 0) sig.re.lastIndex++;
      const hit: SignatureHit = {
        family: sig.family,
        kind: sig.kind,
        score: sig.score,
        start: m.index,
        end: m.index + m[0].length,
      };
      if (sig.docOnly) hit.docOnly = true;
      hits.push(hit);
      n++;
    }
  }
  hits.push(...symbolBursts(collapsed));
  return hits;
}

/** 1 for the ASCII brackets and symbols that adversarial suffixes are dense in, 0 for every other char code below 128. */
const SYMBOLS = new Uint8Array(128);
for (const ch of "{}[]()<>$\\%=@^|~`*#_;\"'/") SYMBOLS[ch.charCodeAt(0)] = 1;

/** Five words of two or more letters in a row: the plain request a suffix follows. */
const PROSE_RUN = /(?:[a-z]{2,} ){5}/;

/**
 * Adversarial-suffix bursts (Zou et al. 2023, GCG): a 48-char stretch dense in brackets and symbols that follows
 * ordinary words. Reported as marker hits only (score 0): code has such stretches too, the classifier weighs them.
 */
export function symbolBursts(collapsed: string, maxHits = 8): SignatureHit[] {
  const hits: SignatureHit[] = [];
  const span = 48;
  const n = collapsed.length;
  // Symbol flags of the last `span` chars, in a ring, so each char is read once.
  const ring = new Uint8Array(64);
  let symbols = 0;
  for (let i = 0; i < span && i < n; i++) {
    const c = collapsed.charCodeAt(i);
    const f = c < 128 ? (SYMBOLS[c] as number) : 0;
    ring[i] = f;
    symbols += f;
  }
  let lastEnd = -1;
  // End of the last prose window that failed the test. Every match of PROSE_RUN ends with a space, so the window one
  // char further on can only match when the char it gains is a space: dense code is not re-tested at every char.
  let failedEnd = -2;
  for (let i = span; i < n && hits.length < maxHits; i++) {
    const c = collapsed.charCodeAt(i);
    const f = c < 128 ? (SYMBOLS[c] as number) : 0;
    const slot = i & 63;
    const old = ring[(i - span) & 63] as number;
    ring[slot] = f;
    symbols += f - old;
    if (symbols < 9 || i - span <= lastEnd) continue;
    const end = i - span;
    if (end === failedEnd + 1 && collapsed.charCodeAt(end - 1) !== 0x20) {
      failedEnd = end;
      continue;
    }
    if (PROSE_RUN.test(collapsed.slice(Math.max(0, end - 80), end))) {
      hits.push({ family: "symbol-burst", kind: "jailbreak", score: 0, start: end, end: i });
      lastEnd = i;
    } else failedEnd = end;
  }
  return hits;
}

/** Collapsed length from which a text counts as a document for the `@doc` markers. */
export const DOCUMENT_CHARS = 200;
/** Lines from which a text counts as a document whatever its length. */
export const DOCUMENT_LINES = 3;

/** Whether `text` (normalised) of `collapsedLength` collapsed chars reads as a document rather than a chat message. */
export function isDocument(text: string, collapsedLength: number): boolean {
  if (collapsedLength >= DOCUMENT_CHARS) return true;
  let lines = 1;
  for (let i = text.indexOf("\n"); i !== -1 && lines < DOCUMENT_LINES; i = text.indexOf("\n", i + 1)) {
    if (text.slice(i + 1).trim() !== "") lines++;
  }
  return lines >= DOCUMENT_LINES;
}

/**
 * Signature hits as classifier marker tokens. In a document (see `isDocument`), each injection-kind hit also gives
 * `sig:<family>@doc`: a linear model cannot learn "instruction to the assistant AND inside data" from two separate
 * features, and "rewrite your answer" is an ordinary chat request but an injection inside an email, table or code
 * answer. `docOnly` families give only the `@doc` marker.
 */
export function signatureMarkers(hits: readonly SignatureHit[], document = false): MarkerToken[] {
  const out: MarkerToken[] = [];
  for (const h of hits) {
    if (!h.docOnly) out.push({ pos: h.start, token: `sig:${h.family}` });
    if (document && h.kind === "injection") out.push({ pos: h.start, token: `sig:${h.family}@doc` });
  }
  return out;
}

/** Every marker token `signatureMarkers` can emit. */
export const SIGNATURE_TOKENS: readonly string[] = [
  ...SIGNATURES.filter((g) => !g.docOnly).map((g) => `sig:${g.family}`),
  ...SIGNATURES.filter((g) => g.kind === "injection").map((g) => `sig:${g.family}@doc`),
  "sig:symbol-burst",
];
