// Sending: each message gets a clientMessageId and an optimistic bubble at
// once, then goes out in order, one at a time. A send that meets no network
// waits, and goes again with the same clientMessageId when the browser is
// back online (or after a backoff): the server stores it once however many
// times it arrives. The outbox is kept in localStorage, so a message typed
// offline survives a reload too. The ordering rules are logic/outbox.ts.
import { signal } from "@preact/signals";
import { client, errorCode, errorMessage } from "../api";
import { SendMessageDocument } from "../gql/graphql";
import { onLiveEvent } from "../live/events";
import { enqueue, nextToSend, persistable, restore, setStatus, without } from "../logic/outbox";
import type { Pending } from "../types";
import { applyConversation, conversations } from "./conversations";
import { mergeInto } from "./messages";
import { me } from "./session";

/** The messages not yet stored by the server, in the order they were written. */
export const outbox = signal<readonly Pending[]>([]);

const storageKey = () => `messenger.outbox.${me.peek()?.id ?? ""}`;
let flushing = false;
let retryTimer: ReturnType<typeof setTimeout> | undefined;
let attempt = 0;

function persist(): void {
  try {
    const kept = persistable(outbox.peek());
    if (kept.length) localStorage.setItem(storageKey(), JSON.stringify(kept));
    else localStorage.removeItem(storageKey());
  } catch {
    // storage full or refused: the outbox still lives in this tab
  }
}

function newId(): string {
  return typeof crypto.randomUUID === "function"
    ? crypto.randomUUID()
    : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

/** Queues content for conversationId with an optimistic bubble. */
export function send(conversationId: string, content: string): void {
  const text = content.trim();
  if (!text) return;
  outbox.value = enqueue(outbox.peek(), {
    clientMessageId: newId(),
    conversationId,
    content: text,
    createdAt: new Date().toISOString(),
    status: "waiting",
  });
  persist();
  void flush();
}

/** Sends the queued messages in order until one cannot go. */
export async function flush(): Promise<void> {
  if (flushing) return;
  flushing = true;
  clearTimeout(retryTimer);
  try {
    for (;;) {
      const next = nextToSend(outbox.peek());
      if (!next) break;
      if (!navigator.onLine) return; // the "online" event calls flush again
      const cmid = next.clientMessageId;
      outbox.value = setStatus(outbox.peek(), cmid, "sending");
      const res = await client
        .mutation(SendMessageDocument, {
          input: { conversationId: next.conversationId, content: next.content, clientMessageId: cmid },
        })
        .toPromise();
      const message = res.data?.createMessage;
      if (message) {
        attempt = 0;
        settle(cmid);
        mergeInto(message.conversationId, [message]);
        const c = conversations.peek().get(message.conversationId);
        if (c) {
          const lastSeq = Math.max(c.lastSeq, message.seq);
          applyConversation({
            ...c,
            lastMessage: message,
            lastSeq,
            lastReadSeq: lastSeq,
            lastActivityAt: message.createdAt,
          });
        }
        continue;
      }
      if (!outbox.peek().some((p) => p.clientMessageId === cmid)) continue; // discarded meanwhile
      const code = res.error ? errorCode(res.error) : "ERROR";
      if (code === "NETWORK" || code === "RATE_LIMITED" || code === "UNAVAILABLE") {
        outbox.value = setStatus(outbox.peek(), cmid, "waiting");
        const retryAfter = Number(res.error?.graphQLErrors[0]?.extensions?.retryAfter ?? 0);
        const wait = retryAfter > 0 ? retryAfter * 1000 : Math.min(1000 * 2 ** attempt++, 30_000);
        retryTimer = setTimeout(() => void flush(), wait);
        return;
      }
      outbox.value = setStatus(outbox.peek(), cmid, "failed", errorMessage(res.error));
      persist();
    }
  } finally {
    flushing = false;
    persist();
  }
}

/** Removes the bubble of clientMessageId: the stored message replaces it. */
function settle(clientMessageId: string): void {
  outbox.value = without(outbox.peek(), clientMessageId);
  persist();
}

/** Drops a message the server refused. */
export function discard(p: Pending): void {
  settle(p.clientMessageId);
}

/** Sends a refused message again, as it was. */
export function retry(p: Pending): void {
  outbox.value = setStatus(outbox.peek(), p.clientMessageId, "waiting");
  void flush();
}

/** Takes back the outbox this user left in this browser, and sends it. */
export function restoreOutbox(): void {
  try {
    outbox.value = restore(JSON.parse(localStorage.getItem(storageKey()) ?? "[]"));
  } catch {
    // nothing usable saved
  }
  void flush();
}

export function resetOutbox(): void {
  clearTimeout(retryTimer);
  attempt = 0;
  outbox.value = [];
}

/**
 * Sends when the browser is back online, and drops the bubble of our own
 * message when the stream brings it back stored (it may come before the
 * answer to our request); returns the function that stops.
 */
export function startOutbox(): () => void {
  const onOnline = () => void flush();
  window.addEventListener("online", onOnline);
  const stopEvents = onLiveEvent((e) => {
    if (e.type === "messageCreated" && e.message.mine && e.message.clientMessageId) {
      const cmid = e.message.clientMessageId;
      // (In flight, it stays until the answer; the view hides a bubble whose message is shown.)
      if (outbox.peek().some((p) => p.clientMessageId === cmid && p.status !== "sending")) settle(cmid);
    }
  });
  return () => {
    window.removeEventListener("online", onOnline);
    stopEvents();
  };
}
