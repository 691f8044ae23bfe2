// A conversation's timeline as it is drawn: messages (and our optimistic
// bubbles after them) split into days, each day under its separator, and
// consecutive messages of one sender within GROUP_GAP_MS grouped (one name
// and avatar at the start, the time at the end). Pure, unit tested
// (test/unit/timeline.test.mjs).
import type { Message, Pending } from "../types";
import { dayKey, dayLabel, parseTime } from "./time";

export const GROUP_GAP_MS = 5 * 60_000;

export type Entry =
  | { kind: "message"; key: string; message: Message; groupStart: boolean; groupEnd: boolean }
  | { kind: "pending"; key: string; pending: Pending; groupStart: boolean; groupEnd: boolean };

export interface Day {
  key: string;
  label: string;
  entries: Entry[];
}

/** The days of a conversation: messages in seq order, then the pending ones; now labels the days. */
export function buildTimeline(
  messages: readonly Message[],
  pending: readonly Pending[],
  meId: string,
  now: number,
  locale?: string,
): Day[] {
  const items: { entry: Entry; sender: string; at: number }[] = [];
  for (const m of messages) {
    const entry: Entry = { kind: "message", key: m.id, message: m, groupStart: true, groupEnd: true };
    items.push({ entry, sender: m.sender.id, at: parseTime(m.createdAt) });
  }
  for (const p of pending) {
    const entry: Entry = { kind: "pending", key: p.clientMessageId, pending: p, groupStart: true, groupEnd: true };
    items.push({ entry, sender: meId, at: parseTime(p.createdAt) });
  }
  const days: Day[] = [];
  for (let i = 0; i < items.length; i++) {
    const { entry, sender } = items[i];
    const at = Number.isFinite(items[i].at) ? items[i].at : now;
    const key = dayKey(at);
    let day = days[days.length - 1];
    if (!day || day.key !== key) days.push((day = { key, label: dayLabel(at, now, locale), entries: [] }));
    const before = day.entries.length > 0 ? items[i - 1] : undefined;
    const beforeAt = before && Number.isFinite(before.at) ? before.at : now;
    entry.groupStart = !before || before.sender !== sender || Math.abs(at - beforeAt) > GROUP_GAP_MS;
    if (before && entry.groupStart) before.entry.groupEnd = true;
    if (before && !entry.groupStart) before.entry.groupEnd = false;
    day.entries.push(entry);
  }
  return days;
}
