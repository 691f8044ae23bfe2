// The messages of the conversations opened in this tab: the newest page when
// one is opened, older pages on demand (Relay: last/before the page's
// startCursor), live messages merged in. Each conversation's list stays in
// ascending seq with every message once, however it arrived (page, stream,
// or the answer to our own send). An edit or a delete replaces the message
// in place (a tombstone keeps its seq), never with an older state of it.
import { client, errorCode } from "../api";
import { DeleteMessageDocument, EditMessageDocument, MessagesDocument } from "../gql/graphql";
import { emitLiveEvent, onLiveEvent, onResync } from "../live/events";
import { state, update, type Message, type MessagePage } from "../store";
import { loadReaders } from "./receipts";

export const PAGE_SIZE = 30;

function page(conversationId: string): MessagePage {
  let p = state.messages.get(conversationId);
  if (!p) {
    p = { items: [], hasPrevious: false, startCursor: null, loading: false, loadingOlder: false };
    state.messages.set(conversationId, p);
  }
  return p;
}

/**
 * The newer of two states of one message: a tombstone stays one, and a later
 * edit wins over an earlier one (a page read before an event may arrive
 * after it).
 */
export function fresher(a: Message, b: Message): Message {
  if (a.deletedAt || b.deletedAt) return a.deletedAt ? a : b;
  return (b.editedAt ?? "") >= (a.editedAt ?? "") ? b : a;
}

/** Merges messages into the conversation's list: by id, in seq order. */
export function mergeMessages(conversationId: string, messages: Message[]): void {
  if (messages.length === 0) return;
  update(() => {
    const p = page(conversationId);
    const byId = new Map(p.items.map((m) => [m.id, m]));
    for (const m of messages) {
      const old = byId.get(m.id);
      byId.set(m.id, old ? fresher(old, m) : m);
    }
    p.items = [...byId.values()].sort((a, b) => a.seq - b.seq);
  });
}

/** Replaces a message this tab shows with its new state (an edit or a tombstone). */
function replaceMessage(m: Message): void {
  const p = state.messages.get(m.conversationId);
  if (p?.items.some((x) => x.id === m.id)) mergeMessages(m.conversationId, [m]);
}

function failure(what: string, error: Parameters<typeof errorCode>[0] & { message: string } | undefined): void {
  const code = error ? errorCode(error) : "ERROR";
  const why = code === "NETWORK" ? "no network" : (error?.graphQLErrors?.[0] as { message?: string } | undefined)?.message ?? code;
  update((s) => {
    s.notice = `Could not ${what}: ${why}.`;
  });
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
  if (!p || (p.items.length === 0 && !p.loading)) {
    void loadLatest(conversationId);
    void loadReaders(conversationId);
  }
}

onLiveEvent((e) => {
  switch (e.type) {
    case "messageCreated":
      // Only the conversations this tab has opened keep their messages.
      if (state.messages.has(e.message.conversationId)) mergeMessages(e.message.conversationId, [e.message]);
      break;
    case "messageEdited":
    case "messageDeleted":
      replaceMessage(e.message);
      break;
    case "members":
      if (!e.conversation) update((s) => void s.messages.delete(e.conversationId)); // no longer ours
      break;
  }
});
onResync(() => {
  for (const id of state.messages.keys()) void loadLatest(id);
});
