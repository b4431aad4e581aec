/**
 * Middleware for the Vercel AI SDK (`wrapLanguageModel({ model, middleware: guardMiddleware() })`), written to the
 * LanguageModelV3 middleware specification that ai@6 uses. User and tool-result text in the prompt is scanned
 * (a block throws a WardenError E_GUARD_BLOCKED; redactions are applied to the prompt), generated text is scanned and
 * redacted, and streamed text deltas pass through a StreamGuard per text part with a hold-back window.
 */
import type { LanguageModelMiddleware } from "ai";
import { WardenError } from "../../core/errors.ts";
import { StreamGuard } from "../stream.ts";
import { blockMessage, type GuardSession, type GuardSessionOptions, guardTexts, makeSession } from "./session.ts";

export type GuardMiddlewareOptions = GuardSessionOptions;

type Params = Parameters<NonNullable<LanguageModelMiddleware["transformParams"]>>[0]["params"];
type StreamPart = { type: string; id?: string; delta?: string; [k: string]: unknown };

function guardPrompt(session: GuardSession, params: Params): Params {
  const slots: Array<{ text: string; set: (t: string) => void }> = [];
  const prompt = params.prompt.map((m) => {
    if (m.role === "user") {
      const content = m.content.map((p) => ({ ...p }));
      for (const p of content) if (p.type === "text") slots.push({ text: p.text, set: (t) => (p.text = t) });
      return { ...m, content };
    }
    if (m.role === "tool") {
      const content = m.content.map((p) => {
        if (p.type !== "tool-result" || p.output.type !== "text") return p;
        const copy = { ...p, output: { ...p.output } };
        slots.push({ text: copy.output.value, set: (t) => (copy.output.value = t) });
        return copy;
      });
      return { ...m, content };
    }
    return m;
  });
  const g = guardTexts(
    session,
    slots.map((s) => s.text),
  );
  if (!g.allowed) {
    throw new WardenError("E_GUARD_BLOCKED", blockMessage(g.blockedBy), { details: { blockedBy: g.blockedBy } });
  }
  for (const [i, s] of slots.entries()) s.set(g.texts[i] as string);
  return { ...params, prompt: prompt as Params["prompt"] };
}

/** The guard as AI SDK language-model middleware (specification v3). */
export function guardMiddleware(opts: GuardMiddlewareOptions = {}): LanguageModelMiddleware {
  const session = makeSession(opts);
  return {
    specificationVersion: "v3",
    transformParams: async ({ params }) => guardPrompt(session, params),
    wrapGenerate: async ({ doGenerate }) => {
      const result = await doGenerate();
      let blocked = false;
      const content = result.content.map((part) => {
        if (part.type !== "text") return part;
        const r = session.output.scan(part.text, session.ctx);
        if (!r.allowed) blocked = true;
        return { ...part, text: r.text };
      });
      return blocked
        ? { ...result, content, finishReason: { unified: "content-filter", raw: "guard_blocked" } }
        : { ...result, content };
    },
    wrapStream: async ({ doStream }) => {
      const { stream, ...rest } = await doStream();
      const guards = new Map<string, StreamGuard>();
      let blocked = false;
      const transform = new TransformStream<StreamPart, StreamPart>({
        transform(part, controller) {
          if (blocked && part.type !== "finish") return;
          if (part.type === "text-start" && part.id !== undefined) {
            guards.set(part.id, new StreamGuard(session.output, session.ctx, session.stream));
            controller.enqueue(part);
            return;
          }
          if (part.type === "text-delta" && part.id !== undefined) {
            const step = guards.get(part.id)?.push(part.delta ?? "");
            if (!step) return controller.enqueue(part);
            if (step.blocked) blocked = true;
            else if (step.text) controller.enqueue({ ...part, delta: step.text });
            return;
          }
          if (part.type === "text-end" && part.id !== undefined) {
            const end = guards.get(part.id)?.end();
            guards.delete(part.id);
            if (end?.blocked) blocked = true;
            else if (end?.text) controller.enqueue({ type: "text-delta", id: part.id, delta: end.text });
            if (!blocked) controller.enqueue(part);
            return;
          }
          if (part.type === "finish" && blocked) {
            controller.enqueue({ ...part, finishReason: { unified: "content-filter", raw: "guard_blocked" } });
            return;
          }
          controller.enqueue(part);
        },
      });
      return { ...rest, stream: (stream as ReadableStream<StreamPart>).pipeThrough(transform) as typeof stream };
    },
  };
}
