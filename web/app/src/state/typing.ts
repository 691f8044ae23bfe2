// The typing indicator: who is typing in each conversation (TypingEvents,
// shown until they expire or that user's message arrives), and telling the
// others that the viewer types, at most once every two seconds per
// conversation while typing on (once a second after a send, so that the
// indicator the message cleared comes back soon), the last keystroke of a
// window sent at its end. The server allows 1/s, burst 3, and answers
// RATE_LIMITED beyond: never reached at these intervals, and a lost typing
// hint is harmless anyway, so errors are ignored.
import { client } from "../api";
import { SendTypingDocument } from "../gql/graphql";
import { onLiveEvent } from "../live/events";
import { state, update, type User } from "../store";

const THROTTLE_MS = 2_000;
const AFTER_SEND_MS = 1_000;
const lastSent = new Map<string, number>(); // conversation → when a sendTyping last went
const nextAt = new Map<string, number>(); // conversation → when the next may go
const trailing = new Map<string, ReturnType<typeof setTimeout>>();
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

function fire(conversationId: string): void {
  trailing.delete(conversationId);
  if (!navigator.onLine) return;
  const now = Date.now();
  lastSent.set(conversationId, now);
  nextAt.set(conversationId, now + THROTTLE_MS);
  void client.mutation(SendTypingDocument, { conversationId }).toPromise(); // errors ignored: a hint only
}

/** Called as the viewer types in a conversation: tells the others, throttled. */
export function typing(conversationId: string): void {
  const wait = (nextAt.get(conversationId) ?? 0) - Date.now();
  if (wait <= 0) fire(conversationId);
  else if (!trailing.has(conversationId)) trailing.set(conversationId, setTimeout(() => fire(conversationId), wait));
}

/** The viewer emptied the message box: nothing more to announce. */
export function stoppedTyping(conversationId: string): void {
  clearTimeout(trailing.get(conversationId));
  trailing.delete(conversationId);
}

/** The viewer sent a message (which ends their indicator): typing on shows it again soon. */
export function sent(conversationId: string): void {
  stoppedTyping(conversationId);
  const last = lastSent.get(conversationId);
  if (last !== undefined) nextAt.set(conversationId, last + AFTER_SEND_MS);
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
