// The conversation list's rules: merging what the server says of a
// conversation with what this tab knows (counters never go back), the last
// message, activity order, unread counts, names and previews. Pure
// functions, unit tested (test/unit/conversations.test.mjs).
import type { Conversation, Message } from "../types";
import { fresher } from "./messages";

/** The newer of two last messages: the one of higher seq, or the fresher state of the same one. */
export function newerLast(a: Message | null | undefined, b: Message | null | undefined): Message | null {
  if (!a || !b) return a ?? b ?? null;
  if (a.id === b.id) return fresher(a, b);
  return b.seq > a.seq ? b : a;
}

/**
 * What the server said of c, merged with what this tab knew of it (old):
 * counters never go back. old itself when that changes nothing (a list read
 * again on a tab's return), so that its row is not drawn again.
 */
export function mergeConversation(old: Conversation | undefined, c: Conversation): Conversation {
  if (!old) return c;
  const lastSeq = Math.max(old.lastSeq, c.lastSeq);
  const lastReadSeq = Math.min(lastSeq, Math.max(old.lastReadSeq, c.lastReadSeq));
  const merged = {
    ...c,
    lastSeq,
    lastReadSeq,
    unreadCount: lastSeq - lastReadSeq,
    lastMessage: newerLast(old.lastMessage, c.lastMessage),
    lastActivityAt: old.lastActivityAt > c.lastActivityAt ? old.lastActivityAt : c.lastActivityAt,
  };
  return JSON.stringify(merged) === JSON.stringify(old) ? old : merged;
}

/** c read up to lastReadSeq (never backwards, never past its newest message); c itself if that changes nothing. */
export function withRead(c: Conversation, lastReadSeq: number): Conversation {
  if (lastReadSeq <= c.lastReadSeq) return c;
  const read = Math.min(lastReadSeq, c.lastSeq);
  if (read === c.lastReadSeq) return c;
  return { ...c, lastReadSeq: read, unreadCount: c.lastSeq - read };
}

/**
 * The viewer's own marker moved (in this tab, another or another device):
 * the event's unreadCount is the count after it, so the server's newest seq
 * then was lastReadSeq + unreadCount.
 */
export function withOwnRead(c: Conversation, lastReadSeq: number, unreadCount: number): Conversation {
  const lastSeq = Math.max(c.lastSeq, lastReadSeq + unreadCount);
  const read = Math.max(c.lastReadSeq, lastReadSeq);
  return { ...c, lastSeq, lastReadSeq: read, unreadCount: lastSeq - read };
}

/**
 * A new message (created) or a new state of one (an edit, a tombstone): the
 * last message may be it; a new one moves the activity time, and the
 * sender's own marks the conversation read for them.
 */
export function withMessage(c: Conversation, m: Message, created: boolean): Conversation {
  const lastSeq = Math.max(c.lastSeq, m.seq);
  const lastReadSeq = created && m.mine ? Math.max(c.lastReadSeq, m.seq) : c.lastReadSeq;
  return {
    ...c,
    lastMessage: newerLast(c.lastMessage, m),
    lastSeq,
    lastReadSeq,
    unreadCount: lastSeq - lastReadSeq,
    lastActivityAt: created && m.createdAt > c.lastActivityAt ? m.createdAt : c.lastActivityAt,
  };
}

/** Most recent activity first; ties by id, so that the order is stable. */
export function byActivity(a: Conversation, b: Conversation): number {
  if (a.lastActivityAt === b.lastActivityAt) return b.id.localeCompare(a.id);
  return a.lastActivityAt < b.lastActivityAt ? 1 : -1;
}

export function sortConversations(cs: Iterable<Conversation>): Conversation[] {
  return [...cs].sort(byActivity);
}

export function totalUnread(cs: Iterable<Conversation>): number {
  let n = 0;
  for (const c of cs) n += c.unreadCount;
  return n;
}

/** The name of c as the viewer sees it. */
export function conversationName(c: Conversation): string {
  if (c.title) return c.title;
  if (c.otherParticipant) return c.otherParticipant.displayName;
  return c.participants.map((p) => p.displayName).join(", ");
}

/**
 * The conversation list's preview of c's last message: "You: " before the
 * viewer's own, the sender's name before another's in a group, nothing in a
 * direct conversation; one line.
 */
export function preview(c: Conversation): { prefix: string; text: string } {
  const m = c.lastMessage;
  if (!m) return { prefix: "", text: "No messages yet" };
  const prefix = m.mine ? "You: " : c.kind === "GROUP" ? `${m.sender.displayName}: ` : "";
  return { prefix, text: m.deletedAt ? "message deleted" : m.content.replace(/\s+/g, " ") };
}
