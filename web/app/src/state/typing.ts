// The typing indicator: who is typing in each conversation (TypingEvents,
// shown until they expire or that user's message arrives), and telling the
// others that the viewer types, at most once every two seconds per
// conversation while typing on (once a second after a send, so that the
// indicator the message cleared comes back soon), the last keystroke of a
// window sent at its end. The server allows 1/s, burst 3, and answers
// RATE_LIMITED beyond: never reached at these intervals, and a lost typing
// hint is harmless anyway, so errors are ignored.
import { signal } from "@preact/signals";
import { client } from "../api";
import { SendTypingDocument } from "../gql/graphql";
import { onLiveEvent } from "../live/events";
import type { User } from "../types";
import { me } from "./session";

const THROTTLE_MS = 2_000;
const AFTER_SEND_MS = 1_000;

/** Who types, by conversation, in the order they started. */
export const typing = signal<ReadonlyMap<string, readonly User[]>>(new Map());

const lastSent = new Map<string, number>(); // conversation → when a sendTyping last went
const nextAt = new Map<string, number>(); // conversation → when the next may go
const trailing = new Map<string, ReturnType<typeof setTimeout>>();
const timers = new Map<string, ReturnType<typeof setTimeout>>();

function set(conversationId: string, users: readonly User[]): void {
  const copy = new Map(typing.peek());
  if (users.length) copy.set(conversationId, users);
  else copy.delete(conversationId);
  typing.value = copy;
}

function stop(conversationId: string, userId: string): void {
  const key = `${conversationId} ${userId}`;
  clearTimeout(timers.get(key));
  timers.delete(key);
  const users = typing.peek().get(conversationId);
  if (users?.some((u) => u.id === userId))
    set(
      conversationId,
      users.filter((u) => u.id !== userId),
    );
}

function start(conversationId: string, user: User, ms: number): void {
  const key = `${conversationId} ${user.id}`;
  clearTimeout(timers.get(key));
  timers.set(
    key,
    setTimeout(() => stop(conversationId, user.id), ms),
  );
  const users = typing.peek().get(conversationId) ?? [];
  if (!users.some((u) => u.id === user.id)) set(conversationId, [...users, user]);
}

/** The users typing in a conversation now, in the order they started. */
export function typers(conversationId: string): readonly User[] {
  return typing.value.get(conversationId) ?? [];
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
export function typingIn(conversationId: string): void {
  const wait = (nextAt.get(conversationId) ?? 0) - Date.now();
  if (wait <= 0) fire(conversationId);
  else if (!trailing.has(conversationId))
    trailing.set(
      conversationId,
      setTimeout(() => fire(conversationId), wait),
    );
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

export function resetTyping(): void {
  for (const t of [...timers.values(), ...trailing.values()]) clearTimeout(t);
  timers.clear();
  trailing.clear();
  lastSent.clear();
  nextAt.clear();
  typing.value = new Map();
}

/** Follows the typing events; returns the function that stops. */
export function startTyping(): () => void {
  return onLiveEvent((e) => {
    switch (e.type) {
      case "typing":
        if (e.user.id !== me.peek()?.id) start(e.conversationId, e.user, e.ms);
        break;
      case "messageCreated":
        stop(e.message.conversationId, e.message.sender.id);
        break;
      case "members":
        for (const u of e.removed) stop(e.conversationId, u.id);
        if (!e.conversation) for (const t of typing.peek().get(e.conversationId) ?? []) stop(e.conversationId, t.id);
        break;
    }
  });
}
