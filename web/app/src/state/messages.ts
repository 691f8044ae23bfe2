// The messages of the conversations opened in this tab: the newest page when
// one is opened, older pages on demand (Relay: last/before the page's
// startCursor), live messages merged in. Each conversation's page is a
// signal of its own, so that a new message re-renders its conversation only.
// The merge rules (by id, seq order, never an older state) are
// logic/messages.ts.
import { effect, signal, untracked, type Signal } from "@preact/signals";
import { client, errorMessage, type Failure } from "../api";
import { DeleteMessageDocument, EditMessageDocument, MessagesDocument } from "../gql/graphql";
import { emitLiveEvent, onLiveEvent, onResync } from "../live/events";
import { mergeMessages, replaceMessage } from "../logic/messages";
import type { Message, MessagePage } from "../types";
import { loadReaders } from "./receipts";
import { me } from "./session";
import { notice, openId } from "./ui";

export const PAGE_SIZE = 30;

const empty: MessagePage = { items: [], hasPrevious: false, startCursor: null, loading: false, loadingOlder: false };
const pages = new Map<string, Signal<MessagePage>>();

/** The page of a conversation (from now on kept current by live events). */
export function pageOf(conversationId: string): Signal<MessagePage> {
  let p = pages.get(conversationId);
  if (!p) pages.set(conversationId, (p = signal(empty)));
  return p;
}

function patch(conversationId: string, f: (p: MessagePage) => MessagePage): void {
  const p = pageOf(conversationId);
  p.value = f(p.value);
}

/** Merges messages into the conversation's page: by id, in seq order. */
export function mergeInto(conversationId: string, messages: readonly Message[]): void {
  patch(conversationId, (p) => {
    const items = mergeMessages(p.items, messages);
    return items === p.items ? p : { ...p, items };
  });
}

function failure(what: string, error: Failure | undefined): void {
  notice.value = `Could not ${what}: ${errorMessage(error)}`;
}

/** Changes the content of one of the viewer's messages; false if the server refused. */
export async function editMessage(m: Message, content: string): Promise<boolean> {
  const text = content.trim();
  if (!text || text === m.content) return true;
  const res = await client.mutation(EditMessageDocument, { id: m.id, content: text }).toPromise();
  const edited = res.data?.editMessage;
  if (!edited) {
    failure("edit the message", res.error);
    return false;
  }
  emitLiveEvent({ type: "messageEdited", message: edited }); // the stream brings it too: both are idempotent
  return true;
}

/** Deletes one of the viewer's messages, leaving its tombstone. */
export async function deleteMessage(m: Message): Promise<void> {
  const res = await client.mutation(DeleteMessageDocument, { id: m.id }).toPromise();
  const deleted = res.data?.deleteMessage;
  if (!deleted) return failure("delete the message", res.error);
  emitLiveEvent({ type: "messageDeleted", message: deleted });
}

/** Loads the newest page of a conversation (again, after a resync). */
export async function loadLatest(conversationId: string): Promise<void> {
  if (pageOf(conversationId).peek().loading) return;
  patch(conversationId, (p) => ({ ...p, loading: true }));
  const res = await client.query(MessagesDocument, { conversationId, last: PAGE_SIZE }).toPromise();
  patch(conversationId, (p) => {
    const next = { ...p, loading: false, error: res.error ? errorMessage(res.error) : undefined };
    if (!res.data) return next;
    if (p.startCursor === null) {
      // The first answer (a live message may have come before it); a later one keeps the older pages' cursor.
      next.hasPrevious = res.data.messages.pageInfo.hasPreviousPage;
      next.startCursor = res.data.messages.pageInfo.startCursor ?? null;
    }
    next.items = mergeMessages(
      p.items,
      res.data.messages.edges.map((e) => e.node),
    );
    return next;
  });
}

/** Loads the page before the oldest one shown. */
export async function loadOlder(conversationId: string): Promise<void> {
  const p = pageOf(conversationId).peek();
  if (p.loadingOlder || !p.hasPrevious || !p.startCursor) return;
  patch(conversationId, (x) => ({ ...x, loadingOlder: true }));
  const res = await client
    .query(MessagesDocument, { conversationId, last: PAGE_SIZE, before: p.startCursor })
    .toPromise();
  patch(conversationId, (x) => {
    if (!res.data) return { ...x, loadingOlder: false, error: errorMessage(res.error) };
    return {
      ...x,
      loadingOlder: false,
      hasPrevious: res.data.messages.pageInfo.hasPreviousPage,
      startCursor: res.data.messages.pageInfo.startCursor ?? x.startCursor,
      items: mergeMessages(
        x.items,
        res.data.messages.edges.map((e) => e.node),
      ),
    };
  });
}

/** Opens a conversation: its newest page and read markers, unless this tab has them already. */
export function openMessages(conversationId: string): void {
  const p = pages.get(conversationId)?.peek();
  if (!p || (p.items.length === 0 && !p.loading)) {
    void loadLatest(conversationId);
    void loadReaders(conversationId);
  }
}

export function resetMessages(): void {
  pages.clear();
}

/** Opens the conversation on screen, and keeps the opened ones current; returns the function that stops. */
export function startMessages(): () => void {
  const stopOpening = effect(() => {
    const id = openId.value;
    if (id && me.value) untracked(() => openMessages(id));
  });
  const stopEvents = onLiveEvent((e) => {
    switch (e.type) {
      case "messageCreated":
        // Only the conversations this tab has opened keep their messages.
        if (pages.has(e.message.conversationId)) mergeInto(e.message.conversationId, [e.message]);
        break;
      case "messageEdited":
      case "messageDeleted":
        if (pages.has(e.message.conversationId))
          patch(e.message.conversationId, (p) => {
            const items = replaceMessage(p.items, e.message);
            return items === p.items ? p : { ...p, items };
          });
        break;
      case "members":
        if (!e.conversation) pages.delete(e.conversationId); // no longer ours
        break;
    }
  });
  const stopResync = onResync(() => {
    for (const id of pages.keys()) void loadLatest(id);
  });
  return () => {
    stopOpening();
    stopEvents();
    stopResync();
  };
}
