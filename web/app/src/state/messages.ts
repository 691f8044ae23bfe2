// The messages of the conversations opened in this tab: the newest page when
// one is opened, older pages on demand (Relay: last/before the page's
// startCursor), live messages merged in. Each conversation's list stays in
// ascending seq with every message once, however it arrived (page, stream,
// or the answer to our own send).
import { client } from "../api";
import { MessagesDocument } from "../gql/graphql";
import { onLiveEvent, onResync } from "../live/events";
import { state, update, type Message, type MessagePage } from "../store";

export const PAGE_SIZE = 30;

function page(conversationId: string): MessagePage {
  let p = state.messages.get(conversationId);
  if (!p) {
    p = { items: [], hasPrevious: false, startCursor: null, loading: false, loadingOlder: false };
    state.messages.set(conversationId, p);
  }
  return p;
}

/** Merges messages into the conversation's list: by id, in seq order. */
export function mergeMessages(conversationId: string, messages: Message[]): void {
  if (messages.length === 0) return;
  update(() => {
    const p = page(conversationId);
    const byId = new Map(p.items.map((m) => [m.id, m]));
    for (const m of messages) byId.set(m.id, m);
    p.items = [...byId.values()].sort((a, b) => a.seq - b.seq);
  });
}

/** Loads the newest page of a conversation (again, after a resync). */
export async function loadLatest(conversationId: string): Promise<void> {
  const p = page(conversationId);
  if (p.loading) return;
  update(() => {
    p.loading = true;
  });
  const res = await client.query(MessagesDocument, { conversationId, last: PAGE_SIZE }).toPromise();
  update(() => {
    p.loading = false;
    p.error = res.error ? res.error.message : undefined;
    if (!res.data) return;
    const firstLoad = p.items.length === 0 && p.startCursor === null;
    if (firstLoad || !p.items.length) {
      p.hasPrevious = res.data.messages.pageInfo.hasPreviousPage;
      p.startCursor = res.data.messages.pageInfo.startCursor ?? null;
    }
  });
  if (res.data) mergeMessages(conversationId, res.data.messages.edges.map((e) => e.node));
}

/** Loads the page before the oldest one shown. */
export async function loadOlder(conversationId: string): Promise<void> {
  const p = page(conversationId);
  if (p.loadingOlder || !p.hasPrevious || !p.startCursor) return;
  update(() => {
    p.loadingOlder = true;
  });
  const res = await client
    .query(MessagesDocument, { conversationId, last: PAGE_SIZE, before: p.startCursor })
    .toPromise();
  update(() => {
    p.loadingOlder = false;
    if (!res.data) {
      p.error = res.error?.message;
      return;
    }
    p.hasPrevious = res.data.messages.pageInfo.hasPreviousPage;
    p.startCursor = res.data.messages.pageInfo.startCursor ?? p.startCursor;
  });
  if (res.data) mergeMessages(conversationId, res.data.messages.edges.map((e) => e.node));
}

/** Opens a conversation: its newest page, unless this tab has it already. */
export function openMessages(conversationId: string): void {
  const p = state.messages.get(conversationId);
  if (!p || (p.items.length === 0 && !p.loading)) void loadLatest(conversationId);
}

onLiveEvent((e) => {
  if (e.type !== "messageCreated") return;
  // Only the conversations this tab has opened keep their messages.
  if (state.messages.has(e.message.conversationId)) mergeMessages(e.message.conversationId, [e.message]);
});
onResync(() => {
  for (const id of state.messages.keys()) void loadLatest(id);
});
