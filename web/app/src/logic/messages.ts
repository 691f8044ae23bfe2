// Merging the states of messages, whatever their order of arrival (a page,
// the live stream, the answer to our own request): by id, in seq order, an
// edit or a tombstone never replaced by an older state. Pure functions, unit
// tested (test/unit/messages.test.mjs).
import type { Message } from "../types";

/**
 * The newer of two states of one message: a tombstone stays one, and a later
 * edit wins over an earlier one (a page read before an event may arrive
 * after it). With nothing to tell them apart, b (the one that came last).
 */
export function fresher(a: Message, b: Message): Message {
  if (a.deletedAt || b.deletedAt) {
    if (a.deletedAt && b.deletedAt) return b.deletedAt >= a.deletedAt ? b : a;
    return a.deletedAt ? a : b;
  }
  return (b.editedAt ?? "") >= (a.editedAt ?? "") ? b : a;
}

/**
 * items with incoming merged in: each id once, ascending seq. Returns items
 * itself when nothing changed, so that a caller can skip a render.
 */
export function mergeMessages(items: readonly Message[], incoming: readonly Message[]): readonly Message[] {
  if (incoming.length === 0) return items;
  const byId = new Map(items.map((m) => [m.id, m]));
  let changed = false;
  for (const m of incoming) {
    const old = byId.get(m.id);
    const next = old ? fresher(old, m) : m;
    if (next !== old) {
      byId.set(m.id, next);
      changed = true;
    }
  }
  if (!changed) return items;
  return [...byId.values()].sort((a, b) => a.seq - b.seq);
}

/** items with m's new state (an edit, a tombstone) if items holds m; items itself otherwise. */
export function replaceMessage(items: readonly Message[], m: Message): readonly Message[] {
  return items.some((x) => x.id === m.id) ? mergeMessages(items, [m]) : items;
}

/** The viewer's newest message that can still be edited (stored, not deleted), if any. */
export function lastEditable(items: readonly Message[]): Message | undefined {
  for (let i = items.length - 1; i >= 0; i--) if (items[i].mine && !items[i].deletedAt) return items[i];
  return undefined;
}
