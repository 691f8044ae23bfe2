// The outbox's rules: messages go out in the order they were written, one at
// a time; a refused one stays (failed) until retried or discarded and does
// not hold the others back; what survives a reload is what was not refused,
// in its order, each clientMessageId once. Pure functions, unit tested
// (test/unit/outbox.test.mjs).
import type { Pending } from "../types";

export function enqueue(list: readonly Pending[], p: Pending): readonly Pending[] {
  return list.some((x) => x.clientMessageId === p.clientMessageId) ? list : [...list, p];
}

/** The next message to send: the oldest one not refused. */
export function nextToSend(list: readonly Pending[]): Pending | undefined {
  return list.find((p) => p.status !== "failed");
}

export function setStatus(
  list: readonly Pending[],
  clientMessageId: string,
  status: Pending["status"],
  error?: string,
): readonly Pending[] {
  return list.map((p) => (p.clientMessageId === clientMessageId ? { ...p, status, error } : p));
}

export function without(list: readonly Pending[], clientMessageId: string): readonly Pending[] {
  const next = list.filter((p) => p.clientMessageId !== clientMessageId);
  return next.length === list.length ? list : next;
}

/** What is kept in storage: every message not refused, in order. */
export function persistable(list: readonly Pending[]): Pending[] {
  return list.filter((p) => p.status !== "failed");
}

/** The outbox read back from storage (anything), each message waiting to go again, in order of writing. */
export function restore(saved: unknown): Pending[] {
  if (!Array.isArray(saved)) return [];
  const seen = new Set<string>();
  const out: Pending[] = [];
  for (const p of saved as Partial<Pending>[]) {
    if (!p || typeof p.clientMessageId !== "string" || typeof p.conversationId !== "string") continue;
    if (typeof p.content !== "string" || typeof p.createdAt !== "string" || seen.has(p.clientMessageId)) continue;
    seen.add(p.clientMessageId);
    out.push({
      clientMessageId: p.clientMessageId,
      conversationId: p.conversationId,
      content: p.content,
      createdAt: p.createdAt,
      status: "waiting",
    });
  }
  // Stable: equal times keep their order.
  return out.sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
}

/** The optimistic bubbles of one conversation: its pending messages whose stored message is not shown yet. */
export function pendingIn(
  list: readonly Pending[],
  conversationId: string,
  shown: ReadonlySet<string>,
): readonly Pending[] {
  return list.filter((p) => p.conversationId === conversationId && !shown.has(p.clientMessageId));
}
