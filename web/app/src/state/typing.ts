// The typing indicator: who is typing in each conversation (TypingEvents,
// shown until they expire or that user's message arrives), and telling the
// others that the viewer types, at most once every two seconds per
// conversation (the server allows 1/s, burst 3, and answers RATE_LIMITED
// beyond: a lost typing hint is harmless, so errors are ignored).
import { client } from "../api";
import { SendTypingDocument } from "../gql/graphql";
import { onLiveEvent } from "../live/events";
import { state, update, type User } from "../store";

const THROTTLE_MS = 2_000;
const lastSent = new Map<string, number>();
const timers = new Map<string, ReturnType<typeof setTimeout>>();

function stop(conversationId: string, userId: string): void {
  const key = `${conversationId} ${userId}`;
  clearTimeout(timers.get(key));
  timers.delete(key);
  if (!state.typing.get(conversationId)?.has(userId)) return;
  update((s) => {
    const m = s.typing.get(conversationId);
    m?.delete(userId);
    if (m?.size === 0) s.typing.delete(conversationId);
  });
}

function start(conversationId: string, user: User, ms: number): void {
  const key = `${conversationId} ${user.id}`;
  clearTimeout(timers.get(key));
  timers.set(key, setTimeout(() => stop(conversationId, user.id), ms));
  update((s) => {
    let m = s.typing.get(conversationId);
    if (!m) s.typing.set(conversationId, (m = new Map()));
    m.set(user.id, { user, until: Date.now() + ms });
  });
}

/** The users typing in a conversation now, in the order they started. */
export function typers(conversationId: string): User[] {
  return [...(state.typing.get(conversationId)?.values() ?? [])].map((t) => t.user);
}

/** Called as the viewer types in a conversation: tells the others, throttled. */
export function typing(conversationId: string): void {
  const now = Date.now();
  if (now - (lastSent.get(conversationId) ?? 0) < THROTTLE_MS || !navigator.onLine) return;
  lastSent.set(conversationId, now);
  void client.mutation(SendTypingDocument, { conversationId }).toPromise(); // errors ignored: a hint only
}

/** The viewer sent a message: the next keystroke is typing again. */
export function sent(conversationId: string): void {
  lastSent.delete(conversationId);
}

onLiveEvent((e) => {
  switch (e.type) {
    case "typing":
      if (e.user.id !== state.me?.id) start(e.conversationId, e.user, e.ms);
      break;
    case "messageCreated":
      stop(e.message.conversationId, e.message.sender.id);
      break;
    case "members":
      for (const u of e.removed) stop(e.conversationId, u.id);
      if (!e.conversation) for (const t of typers(e.conversationId)) stop(e.conversationId, t.id);
      break;
  }
});
