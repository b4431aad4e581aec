/**
 * Adapter for the official `openai` client: a `fetch` that guards Chat Completions traffic. Requests have their user
 * and tool messages scanned (blocked requests get an HTTP 400 `guard_blocked` error, which the client raises as a
 * BadRequestError and does not retry; redactions are applied to the request); responses have each choice's content
 * scanned, and streamed (SSE) responses pass through a StreamGuard per choice with a hold-back window.
 * Use `new OpenAI({ fetch: guardFetch() })` or `guardOpenAIClient(client)`.
 */
import { StreamGuard } from "../stream.ts";
import { blockMessage, type GuardSession, type GuardSessionOptions, guardTexts, makeSession } from "./session.ts";

export interface GuardOpenAIOptions extends GuardSessionOptions {
  /** The underlying fetch (default: globalThis.fetch). */
  fetch?: typeof fetch;
}

type Part = { type?: string; text?: string };
type Message = { role?: string; content?: string | Part[] | null };

const SCANNED_ROLES = new Set(["user", "tool", "function"]);

function blockedResponse(blockedBy: string[], status = 400): Response {
  const body = {
    error: { message: blockMessage(blockedBy), type: "guard_blocked", code: "guard_blocked", param: null },
  };
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

/** Guards the messages of a chat-completions body in place; returns the blocking scanners (empty: allowed). */
function guardRequest(session: GuardSession, body: { messages?: Message[] }): string[] {
  const slots: Array<{ set: (t: string) => void; text: string }> = [];
  for (const m of body.messages ?? []) {
    if (!SCANNED_ROLES.has(m.role ?? "")) continue;
    if (typeof m.content === "string") {
      const msg = m;
      slots.push({ text: m.content, set: (t) => (msg.content = t) });
    } else if (Array.isArray(m.content)) {
      for (const p of m.content) {
        if (p.type === "text" && typeof p.text === "string") slots.push({ text: p.text, set: (t) => (p.text = t) });
      }
    }
  }
  const g = guardTexts(
    session,
    slots.map((s) => s.text),
  );
  if (!g.allowed) return g.blockedBy;
  for (const [i, s] of slots.entries()) s.set(g.texts[i] as string);
  return [];
}

function guardJsonResponse(session: GuardSession, json: { choices?: Array<Record<string, unknown>> }): void {
  for (const choice of json.choices ?? []) {
    const message = choice.message as { content?: unknown } | undefined;
    if (!message || typeof message.content !== "string") continue;
    const r = session.output.scan(message.content, session.ctx);
    message.content = r.text;
    if (!r.allowed) choice.finish_reason = "content_filter";
  }
}

function sseStream(session: GuardSession, upstream: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  const guards = new Map<number, StreamGuard>();
  let buffer = "";
  let template: Record<string, unknown> | null = null;
  const guardFor = (i: number) => {
    let g = guards.get(i);
    if (!g) {
      g = new StreamGuard(session.output, session.ctx, session.stream);
      guards.set(i, g);
    }
    return g;
  };
  const event = (obj: unknown) => encoder.encode(`data: ${JSON.stringify(obj)}\n\n`);
  const chunkFor = (index: number, content: string, finish: string | null) => ({
    ...(template ?? { object: "chat.completion.chunk" }),
    choices: [{ index, delta: content ? { content } : {}, finish_reason: finish }],
  });
  const flush = (controller: TransformStreamDefaultController<Uint8Array>) => {
    for (const [index, g] of guards) {
      const end = g.end();
      if (end.text) controller.enqueue(event(chunkFor(index, end.text, null)));
      if (end.blocked) controller.enqueue(event(chunkFor(index, "", "content_filter")));
    }
  };
  const handle = (data: string, controller: TransformStreamDefaultController<Uint8Array>) => {
    if (data === "[DONE]") {
      flush(controller);
      guards.clear();
      controller.enqueue(encoder.encode("data: [DONE]\n\n"));
      return;
    }
    let obj: { choices?: Array<{ index?: number; delta?: { content?: unknown }; finish_reason?: unknown }> };
    try {
      obj = JSON.parse(data);
    } catch {
      return;
    }
    const { choices, ...rest } = obj;
    template = rest;
    for (const c of choices ?? []) {
      const index = c.index ?? 0;
      const g = guardFor(index);
      if (g.isBlocked) continue;
      const step = typeof c.delta?.content === "string" ? g.push(c.delta.content) : g.push("");
      if (step.blocked) {
        controller.enqueue(event(chunkFor(index, "", "content_filter")));
        continue;
      }
      if (c.finish_reason != null) {
        const end = g.end();
        const text = step.text + end.text;
        controller.enqueue(
          event({
            ...obj,
            choices: [
              {
                ...c,
                delta: text ? { ...c.delta, content: text } : {},
                finish_reason: end.blocked ? "content_filter" : c.finish_reason,
              },
            ],
          }),
        );
        guards.delete(index);
        continue;
      }
      const delta = { ...(c.delta ?? {}) };
      if (step.text) delta.content = step.text;
      else delete delta.content;
      if (Object.keys(delta).length > 0) controller.enqueue(event({ ...obj, choices: [{ ...c, delta }] }));
    }
  };
  return upstream.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(bytes, controller) {
        buffer += decoder.decode(bytes, { stream: true });
        let sep = buffer.indexOf("\n\n");
        while (sep >= 0) {
          const raw = buffer.slice(0, sep);
          buffer = buffer.slice(sep + 2);
          const data = raw
            .split("\n")
            .filter((l) => l.startsWith("data:"))
            .map((l) => l.slice(5).trimStart())
            .join("\n");
          if (data) handle(data, controller);
          sep = buffer.indexOf("\n\n");
        }
      },
      flush(controller) {
        flush(controller);
      },
    }),
  );
}

/** A fetch that guards `POST …/chat/completions`; other requests pass through untouched. */
export function guardFetch(opts: GuardOpenAIOptions = {}): typeof fetch {
  const session = makeSession(opts);
  const base = opts.fetch ?? globalThis.fetch;
  return async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    if (!/\/chat\/completions(?:\?|$)/.test(url) || typeof init?.body !== "string") return base(input, init);
    let body: { messages?: Message[]; stream?: boolean };
    try {
      body = JSON.parse(init.body);
    } catch {
      return base(input, init);
    }
    const blockedBy = guardRequest(session, body);
    if (blockedBy.length > 0) return blockedResponse(blockedBy);
    const res = await base(input, { ...init, body: JSON.stringify(body) });
    if (!res.ok || res.body === null) return res;
    const headers = new Headers(res.headers);
    headers.delete("content-length");
    headers.delete("content-encoding");
    if ((res.headers.get("content-type") ?? "").includes("text/event-stream")) {
      return new Response(sseStream(session, res.body), { status: res.status, headers });
    }
    const json = (await res.json()) as { choices?: Array<Record<string, unknown>> };
    guardJsonResponse(session, json);
    return new Response(JSON.stringify(json), { status: res.status, headers });
  };
}

/** Returns a copy of an OpenAI client whose chat-completions traffic is guarded. */
export function guardOpenAIClient<C extends { withOptions(o: { fetch: typeof fetch }): C }>(
  client: C,
  opts: GuardOpenAIOptions = {},
): C {
  return client.withOptions({ fetch: guardFetch(opts) });
}
