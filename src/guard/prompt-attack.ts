/**
 * The layered prompt-attack detector (direct injection, jailbreak templates, indirect injection in documents or tool
 * output): (1) normalisation (normalize.ts), (2) decoding of base64/base32/hex/URL/ROT13/leetspeak and tag-character
 * payloads, each decoded layer normalised and rescanned up to a depth and byte budget, (3) signatures of attack
 * families (signatures.ts) and adversarial-suffix statistics (gibberish.ts), (4) the shipped hashed-n-gram classifier
 * (model.ts) over overlapping windows. The score is
 * the worst over all views and windows.
 */
import { DEFAULT_DECODE_LIMITS, decodeSegments, leetView, rot13View } from "./decode.ts";
import { collapse, collapsedString } from "./features.ts";
import { attackMarkers } from "./markers.ts";
import { type LinearModel, scoreCollapsed, shippedModel } from "./model.ts";
import { invisibleCount, mapSpan, type NormalizeStats, normalizeText } from "./normalize.ts";
import type { Finding } from "./types.ts";

export interface PromptAttackOptions {
  /** Classifier to use; defaults to the shipped model (loaded once). */
  model?: LinearModel;
  /** Flag at or above this score; defaults to the model's threshold. */
  threshold?: number;
  /** Nesting depth of decoded layers rescanned (default 3). */
  maxDepth?: number;
  /** Total chars of decoded text rescanned per input (default 1 MiB). */
  maxDecodedChars?: number;
  /** Most views (the input plus decoded layers) scanned per input (default 64). */
  maxViews?: number;
}

export interface PromptAttackResult {
  /** 0..1: the worst of classifier and signature scores over all views. */
  score: number;
  injection: number;
  jailbreak: number;
  flagged: boolean;
  threshold: number;
  findings: Finding[];
  /** What normalisation removed from the input itself. */
  normalization: NormalizeStats;
  /** Encodings of the decoded layers that were rescanned. */
  decoded: string[];
}

interface View {
  text: string;
  encoding: string;
  depth: number;
  /** Span in the original input this view stands for (exact mapping only for the plain view). */
  span: [number, number];
}

/** Runs the layered detector on `text`. Never throws on any string input. */
export function detectPromptAttack(text: string, opts: PromptAttackOptions = {}): PromptAttackResult {
  const model = opts.model ?? shippedModel();
  const threshold = opts.threshold ?? model.threshold;
  const maxDepth = opts.maxDepth ?? 3;
  let budget = opts.maxDecodedChars ?? 1 << 20;
  const maxViews = opts.maxViews ?? 64;
  const queue: View[] = [{ text, encoding: "plain", depth: 0, span: [0, text.length] }];
  const findings: Finding[] = [];
  const decoded: string[] = [];
  let normalization: NormalizeStats | undefined;
  let best = { score: 0, injection: 0, jailbreak: 0 };
  for (let q = 0; q < queue.length; q++) {
    const view = queue[q] as View;
    const n = normalizeText(view.text);
    if (q === 0) normalization = n.stats;
    const c = collapse(n.text);
    const { hits, markers } = attackMarkers(n.text, collapsedString(c), c.origin, model.vocab);
    const toOriginal = (s: number, e: number): [number, number] => {
      if (view.depth > 0) return view.span;
      const ns = s < c.length ? (c.origin[s] as number) : n.text.length;
      const ne = e > 0 && e <= c.length ? (c.origin[e - 1] as number) + 1 : n.text.length;
      return mapSpan(n, ns, ne, text.length);
    };
    const ws = scoreCollapsed(model, c, markers).window;
    const where = view.encoding === "plain" ? "" : ` (decoded ${view.encoding}, depth ${view.depth})`;
    if (ws.attack > best.score) best = { score: ws.attack, injection: ws.injection, jailbreak: ws.jailbreak };
    if (ws.attack >= threshold) {
      const [s, e] = toOriginal(ws.start, ws.end);
      const type = ws.jailbreak > ws.injection ? "jailbreak" : "injection";
      findings.push({ type, start: s, end: e, detail: `classifier ${ws.attack.toFixed(3)}${where}` });
    }
    for (const h of hits) {
      if (h.score === 0) continue;
      if (h.score > best.score) {
        best = {
          score: h.score,
          injection: h.kind === "injection" ? h.score : best.injection,
          jailbreak: h.kind === "jailbreak" ? h.score : best.jailbreak,
        };
      }
      if (h.score >= threshold) {
        const [s, e] = toOriginal(h.start, h.end);
        findings.push({ type: h.kind, start: s, end: e, detail: `signature ${h.family}${where}` });
      }
    }
    if (view.depth >= maxDepth || budget <= 0) continue;
    const children = decodeSegments(n.text, DEFAULT_DECODE_LIMITS).map((d) => ({
      text: d.text,
      encoding: d.encoding,
      span: view.depth === 0 ? mapSpan(n, d.start, d.end, text.length) : view.span,
    }));
    if (n.hidden.length > 0) children.push({ text: n.hidden, encoding: "tags", span: view.span });
    const rot = rot13View(n.text);
    if (rot) children.push({ text: rot.text, encoding: "rot13", span: view.span });
    if (view.encoding !== "leet") {
      const leet = leetView(n.text);
      if (leet) children.push({ text: leet.text, encoding: "leet", span: view.span });
    }
    for (const c of children) {
      if (queue.length >= maxViews) break;
      if (c.text.length > budget) continue;
      budget -= c.text.length;
      decoded.push(c.encoding);
      queue.push({ text: c.text, encoding: c.encoding, depth: view.depth + 1, span: c.span as [number, number] });
    }
  }
  const stats = normalization as NormalizeStats;
  if (invisibleCount(stats) > 0 && best.score >= threshold) {
    findings.push({
      type: "smuggled-characters",
      start: 0,
      end: text.length,
      detail: `${invisibleCount(stats)} invisible`,
    });
  }
  return {
    score: best.score,
    injection: best.injection,
    jailbreak: best.jailbreak,
    flagged: best.score >= threshold,
    threshold,
    findings,
    normalization: stats,
    decoded,
  };
}
