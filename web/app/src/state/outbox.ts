// Sending: each message gets a clientMessageId and an optimistic bubble at
// once, then goes out in order, one at a time. A send that meets no network
// waits, and goes again with the same clientMessageId when the browser is
// back online (or after a backoff): the server stores it once however many
// times it arrives. The outbox is kept in localStorage, so a message typed
// offline survives a reload too.
import { client, errorCode } from "../api";
import { SendMessageDocument } from "../gql/graphql";
import { onLiveEvent } from "../live/events";
import { state, update, type Pending } from "../store";
import { applyConversation } from "./conversations";
import { mergeMessages } from "./messages";

const storageKey = () => `messenger.outbox.${state.me?.id ?? ""}`;
let flushing = false;
let retryTimer: ReturnType<typeof setTimeout> | undefined;
let attempt = 0;
let listening = false;

function persist(): void {
  try {
    const kept = state.outbox.filter((p) => p.status !== "failed");
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
  update((s) => {
    s.outbox.push({
      clientMessageId: newId(),
      conversationId,
      content: text,
      createdAt: new Date().toISOString(),
      status: "waiting",
    });
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
      const next = state.outbox.find((p) => p.status !== "failed");
      if (!next) break;
      if (!navigator.onLine) return; // the "online" event calls flush again
      update(() => {
        next.status = "sending";
      });
      const res = await client
        .mutation(SendMessageDocument, {
          input: { conversationId: next.conversationId, content: next.content, clientMessageId: next.clientMessageId },
        })
        .toPromise();
      const message = res.data?.createMessage;
      if (message) {
        attempt = 0;
        settle(next.clientMessageId);
        mergeMessages(message.conversationId, [message]);
        const c = state.conversations.get(message.conversationId);
        if (c) {
          const lastSeq = Math.max(c.lastSeq, message.seq);
          applyConversation({ ...c, lastMessage: message, lastSeq, lastReadSeq: lastSeq, lastActivityAt: message.createdAt });
        }
        continue;
      }
      const code = res.error ? errorCode(res.error) : "ERROR";
      if (code === "NETWORK" || code === "RATE_LIMITED" || code === "UNAVAILABLE") {
        update(() => {
          next.status = "waiting";
        });
        const retryAfter = Number(res.error?.graphQLErrors[0]?.extensions?.retryAfter ?? 0);
        const wait = retryAfter > 0 ? retryAfter * 1000 : Math.min(1000 * 2 ** attempt++, 30_000);
        retryTimer = setTimeout(() => void flush(), wait);
        return;
      }
      update(() => {
        next.status = "failed";
        next.error = res.error?.graphQLErrors[0]?.message ?? res.error?.message ?? "not sent";
      });
      persist();
    }
  } finally {
    flushing = false;
    persist();
  }
}

/** Removes the bubble of clientMessageId: the stored message replaces it. */
function settle(clientMessageId: string): void {
  update((s) => {
    s.outbox = s.outbox.filter((p) => p.clientMessageId !== clientMessageId);
  });
  persist();
}

/** Drops a message the server refused. */
export function discard(p: Pending): void {
  settle(p.clientMessageId);
}

/** Sends a refused message again, as it was. */
export function retry(p: Pending): void {
  update(() => {
    p.status = "waiting";
    p.error = undefined;
  });
  void flush();
}

/** Takes back the outbox this user left in this browser, and sends it. */
export function restoreOutbox(): void {
  try {
    const saved = JSON.parse(localStorage.getItem(storageKey()) ?? "[]") as Pending[];
    update((s) => {
      s.outbox = saved.map((p) => ({ ...p, status: "waiting" }));
    });
  } catch {
    // nothing usable saved
  }
  if (!listening) window.addEventListener("online", () => void flush());
  listening = true;
  void flush();
}

// Our own message, stored, may come back over the stream before the answer
// to our request: the bubble goes either way.
onLiveEvent((e) => {
  if (e.type === "messageCreated" && e.message.mine && e.message.clientMessageId) {
    const cmid = e.message.clientMessageId;
    // (In flight, it stays until the answer; the view hides a bubble whose
    // message is shown.)
    if (state.outbox.some((p) => p.clientMessageId === cmid && p.status !== "sending")) settle(cmid);
  }
});
