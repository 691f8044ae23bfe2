// The live stream: one conversationEvents subscription over graphql-sse,
// resumed from its last cursor (typing events carry none, so they leave it
// where it is: api.ts). graphql-sse retries a dropped connection by itself
// with `after` at the last cursor (api.ts); this module also restarts it when
// the browser comes back online (having ended it when the browser went
// offline) or a page that slept becomes visible again (a laptop's lid: the
// old connection may be dead without an error), and
// after an error graphql-sse does not retry. A start without a cursor asks
// the state modules to read their snapshots again (live/events.ts onResync):
// the stream only carries what happens from its start.
import { client, errorCode, type StreamContext } from "../api";
import { ConversationEventsDocument, type ConversationEventsSubscription } from "../gql/graphql";
import { online } from "../state/ui";
import { emitLiveEvent, emitResync, type LiveEvent } from "./events";

type Subscription = ReturnType<ReturnType<typeof client.subscription>["subscribe"]>;

let cursor = "";
let current: Subscription | null = null;
let generation = 0;
let retryTimer: ReturnType<typeof setTimeout> | undefined;
let hiddenSince = 0;
let onUnauthenticated: () => void = () => {};

/** The cursor of the last event received ("" before the first). */
export function lastCursor(): string {
  return cursor;
}

function start(): void {
  clearTimeout(retryTimer);
  current?.unsubscribe();
  const mine = ++generation;
  const fromCursor = cursor !== "";
  const context: StreamContext = {
    onCursor: (c) => {
      if (mine === generation) cursor = c;
    },
    onConnected: (reconnected) => {
      if (mine !== generation) return;
      online.value = true;
      // Resumed from a cursor: the server replays what was missed.
      if (!(fromCursor || (reconnected && cursor))) emitResync();
    },
  };
  current = client.subscription(ConversationEventsDocument, { after: cursor || null }, context).subscribe((result) => {
    if (mine !== generation) return;
    if (result.error) {
      online.value = false;
      const code = errorCode(result.error);
      const status = (result.error.networkError as { response?: Response } | undefined)?.response?.status;
      if (code === "UNAUTHENTICATED" || status === 401) return onUnauthenticated();
      retryTimer = setTimeout(start, 3_000); // graphql-sse gave up: start again
      return;
    }
    const event = result.data && translate(result.data.conversationEvents);
    if (event) emitLiveEvent(event);
  });
}

/** The API's event as the state modules see it (null for a kind this app does not know). */
function translate(e: ConversationEventsSubscription["conversationEvents"]): LiveEvent | null {
  switch (e.__typename) {
    case "MessageCreatedEvent":
      return { type: "messageCreated", message: e.message };
    case "MessageEditedEvent":
      return { type: "messageEdited", message: e.message };
    case "MessageDeletedEvent":
      return { type: "messageDeleted", message: e.message };
    case "ReadMarkerMovedEvent":
      return {
        type: "read",
        conversationId: e.conversationId,
        userId: e.marker.user.id,
        lastReadSeq: e.marker.lastReadSeq,
        unreadCount: e.unreadCount,
      };
    case "ParticipantsChangedEvent":
      return {
        type: "members",
        conversationId: e.conversationId,
        conversation: e.conversation ?? null,
        added: e.added,
        removed: e.removed,
        by: e.by,
      };
    case "ConversationRenamedEvent":
      return { type: "renamed", conversationId: e.conversationId, title: e.title };
    case "TypingEvent": {
      // The server's own clock on both ends: this tab's clock may be off.
      const ms = Date.parse(e.expiresAt) - Date.parse(e.at);
      return {
        type: "typing",
        conversationId: e.conversationId,
        user: e.user,
        ms: Number.isFinite(ms) && ms > 0 ? ms : 5_000,
      };
    }
    default:
      return null;
  }
}

let running = false;

function restartIfRunning(): void {
  if (running) start();
}

/**
 * The browser says it lost the network: the open response may still look
 * alive (Chromium keeps it open, a dead TCP connection may take minutes to
 * error), so end it now and resume from the cursor when "online" comes.
 */
function onOffline(): void {
  generation++;
  clearTimeout(retryTimer);
  current?.unsubscribe();
  current = null;
  online.value = false;
}

function onVisibility(): void {
  if (document.visibilityState === "hidden") {
    hiddenSince = Date.now();
  } else if (hiddenSince && Date.now() - hiddenSince > 60_000) {
    restartIfRunning(); // the connection may have died in the sleep
  }
}

/** Starts the stream from now; unauthenticated is called if the session ended. */
export function startStream(unauthenticated: () => void): void {
  onUnauthenticated = unauthenticated;
  cursor = "";
  running = true;
  window.addEventListener("online", restartIfRunning);
  window.addEventListener("offline", onOffline);
  document.addEventListener("visibilitychange", onVisibility);
  start();
}

export function stopStream(): void {
  running = false;
  generation++;
  clearTimeout(retryTimer);
  current?.unsubscribe();
  current = null;
  cursor = "";
  window.removeEventListener("online", restartIfRunning);
  window.removeEventListener("offline", onOffline);
  document.removeEventListener("visibilitychange", onVisibility);
}
