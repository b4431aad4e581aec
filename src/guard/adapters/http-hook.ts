/**
 * A request hook for HTTP servers in the Fastify style (`app.addHook("preHandler", guardRequestHook())`), with the
 * framework-free core `guardBody` for Express or Hono handlers. It scans the prompt texts of a JSON body — chat
 * `messages` (user and tool roles), `prompt`, `input` or `text` — rejects blocked requests with 403 and a JSON error
 * naming the scanners, and writes redactions back into the body.
 */
import { blockMessage, type GuardSession, type GuardSessionOptions, guardTexts, makeSession } from "./session.ts";

export type GuardHookOptions = GuardSessionOptions;

type Slot = { text: string; set: (t: string) => void };

function slotsOf(body: unknown): Slot[] {
  const slots: Slot[] = [];
  if (typeof body !== "object" || body === null) return slots;
  const b = body as Record<string, unknown>;
  const direct = (key: string) => {
    const v = b[key];
    if (typeof v === "string") slots.push({ text: v, set: (t) => (b[key] = t) });
    else if (Array.isArray(v)) {
      v.forEach((item, i) => {
        if (typeof item === "string") slots.push({ text: item, set: (t) => (v[i] = t) });
      });
    }
  };
  direct("prompt");
  direct("input");
  direct("text");
  if (Array.isArray(b.messages)) {
    for (const m of b.messages as Array<Record<string, unknown>>) {
      if (typeof m !== "object" || m === null || !["user", "tool", "function"].includes(String(m.role))) continue;
      if (typeof m.content === "string") slots.push({ text: m.content, set: (t) => (m.content = t) });
      else if (Array.isArray(m.content)) {
        for (const p of m.content as Array<Record<string, unknown>>) {
          if (p && p.type === "text" && typeof p.text === "string")
            slots.push({ text: p.text, set: (t) => (p.text = t) });
        }
      }
    }
  }
  return slots;
}

/** Guards a parsed JSON body in place. */
export function guardBody(session: GuardSession, body: unknown): { allowed: boolean; blockedBy: string[] } {
  const slots = slotsOf(body);
  const g = guardTexts(
    session,
    slots.map((s) => s.text),
  );
  if (g.allowed) for (const [i, s] of slots.entries()) s.set(g.texts[i] as string);
  return { allowed: g.allowed, blockedBy: g.blockedBy };
}

interface HookRequest {
  body?: unknown;
}
interface HookReply {
  code(status: number): { send(payload: unknown): unknown };
}

/** A Fastify `preHandler` hook (async; replies 403 on a block). */
export function guardRequestHook(
  opts: GuardHookOptions = {},
): (request: HookRequest, reply: HookReply) => Promise<void> {
  const session = makeSession(opts);
  return async (request, reply) => {
    const r = guardBody(session, request.body);
    if (!r.allowed) {
      await reply
        .code(403)
        .send({ error: { code: "E_GUARD_BLOCKED", message: blockMessage(r.blockedBy), blockedBy: r.blockedBy } });
    }
  };
}
