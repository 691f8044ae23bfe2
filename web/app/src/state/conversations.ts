// The conversation list: loaded from the API, kept current by live events
// (last message, its edits and deletion, activity order, unread counts from
// the viewer's own ReadMarkerMovedEvents, which reach every tab and device,
// members and titles; a conversation the viewer left or was removed from
// goes, one first heard of is read whole), marked read when on screen, and
// the unread total in the tab's title.
import type { OperationResult } from "@urql/core";
import { client } from "../api";
import {
  ConversationDocument,
  ConversationsDocument,
  CreateGroupDocument,
  MarkReadDocument,
  StartDirectDocument,
  type ConversationsQuery,
} from "../gql/graphql";
import { onLiveEvent, onResync, type LiveEvent } from "../live/events";
import { state, update, type Conversation, type Message } from "../store";
import { fresher } from "./messages";

/** Conversations the viewer is no longer in: an answer still on its way does not bring one back. */
const gone = new Set<string>();

/** The newer of two last messages: the one of higher seq, or the fresher state of the same one. */
function newerLast(a: Message | null | undefined, b: Message | null | undefined): Message | null {
  if (!a || !b) return a ?? b ?? null;
  if (a.id === b.id) return fresher(a, b);
  return b.seq > a.seq ? b : a;
}

/** Merges what the server said of c into the list; counters never go back. */
export function applyConversation(c: Conversation): void {
  update((s) => {
    const old = s.conversations.get(c.id);
    if (!old) {
      s.conversations.set(c.id, c);
      return;
    }
    const lastSeq = Math.max(old.lastSeq, c.lastSeq);
    const lastReadSeq = Math.min(lastSeq, Math.max(old.lastReadSeq, c.lastReadSeq));
    s.conversations.set(c.id, {
      ...c,
      lastSeq,
      lastReadSeq,
      unreadCount: lastSeq - lastReadSeq,
      lastMessage: newerLast(old.lastMessage, c.lastMessage),
      lastActivityAt: old.lastActivityAt > c.lastActivityAt ? old.lastActivityAt : c.lastActivityAt,
    });
  });
}

/** Reads the whole list again (every page of it). */
export async function loadConversations(): Promise<void> {
  let after: string | null = null;
  for (let page = 0; page < 10; page++) {
    const res: OperationResult<ConversationsQuery> = await client
      .query(ConversationsDocument, { first: 50, after })
      .toPromise();
    if (!res.data) {
      if (res.error) update((s) => void (s.notice = `Could not load conversations: ${res.error!.message}`));
      return;
    }
    for (const edge of res.data.conversations.edges) applyConversation(edge.node);
    const info: { hasNextPage: boolean; endCursor?: string | null } = res.data.conversations.pageInfo;
    if (!info.hasNextPage || !info.endCursor) break;
    after = info.endCursor;
  }
  update((s) => {
    s.conversationsLoaded = true;
  });
}

/** The conversations, most recent activity first. */
export function sortedConversations(): Conversation[] {
  return [...state.conversations.values()].sort((a, b) =>
    a.lastActivityAt === b.lastActivityAt ? b.id.localeCompare(a.id) : a.lastActivityAt < b.lastActivityAt ? 1 : -1,
  );
}

export function unreadTotal(): number {
  let n = 0;
  for (const c of state.conversations.values()) n += c.unreadCount;
  return n;
}

/** The name of c as the viewer sees it. */
export function conversationName(c: Conversation): string {
  if (c.title) return c.title;
  if (c.otherParticipant) return c.otherParticipant.displayName;
  return c.participants.map((p) => p.displayName).join(", ");
}

function isOnScreen(conversationId: string): boolean {
  return state.openId === conversationId && document.visibilityState === "visible";
}

const marking = new Map<string, number>(); // conversation id → seq being marked

/** Marks c read up to its newest message, if it has unread ones. */
export async function markRead(conversationId: string): Promise<void> {
  const c = state.conversations.get(conversationId);
  if (!c || c.unreadCount === 0 || (marking.get(conversationId) ?? 0) >= c.lastSeq) return;
  const seq = c.lastSeq;
  marking.set(conversationId, seq);
  setRead(conversationId, seq); // at once on screen; the server agrees below
  const res = await client.mutation(MarkReadDocument, { conversationId, seq }).toPromise();
  marking.delete(conversationId);
  const read = res.data?.markConversationAsRead;
  if (!read) return;
  setRead(conversationId, read.lastReadSeq);
}

function setRead(conversationId: string, lastReadSeq: number): void {
  update((s) => {
    const c = s.conversations.get(conversationId);
    if (!c || lastReadSeq <= c.lastReadSeq) return;
    const read = Math.min(lastReadSeq, c.lastSeq);
    s.conversations.set(conversationId, { ...c, lastReadSeq: read, unreadCount: c.lastSeq - read });
  });
}

/**
 * The viewer's marker moved (in this tab, another or another device): the
 * event's unreadCount is the count after it, so the server's newest seq then
 * was lastReadSeq + unreadCount.
 */
function onOwnRead(conversationId: string, lastReadSeq: number, unreadCount: number): void {
  update((s) => {
    const c = s.conversations.get(conversationId);
    if (!c) return;
    const lastSeq = Math.max(c.lastSeq, lastReadSeq + unreadCount);
    const read = Math.max(c.lastReadSeq, lastReadSeq);
    s.conversations.set(conversationId, { ...c, lastSeq, lastReadSeq: read, unreadCount: lastSeq - read });
  });
}

const fetching = new Set<string>();

/** Reads a conversation this tab has not heard of yet. */
async function fetchConversation(id: string): Promise<void> {
  if (fetching.has(id)) return;
  fetching.add(id);
  const res = await client.query(ConversationDocument, { id }).toPromise();
  fetching.delete(id);
  if (res.data?.conversation && !gone.has(id)) applyConversation(res.data.conversation);
}

/** The viewer is no longer in conversationId: it goes from the list (and the screen). */
function forget(conversationId: string, notice: string): void {
  gone.add(conversationId);
  update((s) => {
    s.conversations.delete(conversationId);
    if (s.openId === conversationId) {
      s.openId = "";
      s.notice = notice;
      if (location.hash) history.replaceState(null, "", location.pathname);
    }
  });
}

function onMembers(e: Extract<LiveEvent, { type: "members" }>): void {
  if (e.conversation) {
    gone.delete(e.conversationId); // added (again)
    applyConversation(e.conversation);
    return;
  }
  const c = state.conversations.get(e.conversationId);
  const name = c ? conversationName(c) : "the group";
  forget(e.conversationId, e.by.id === state.me?.id ? `You left ${name}.` : `${e.by.displayName} removed you from ${name}.`);
}

/** A new message, or a new state (edit, tombstone) of one: the last message may be it. */
function onMessage(m: Message, created: boolean): void {
  const c = state.conversations.get(m.conversationId);
  if (!c) {
    void fetchConversation(m.conversationId); // new to this tab: read it whole
    return;
  }
  const lastMessage = newerLast(c.lastMessage, m);
  update((s) => {
    const lastSeq = Math.max(c.lastSeq, m.seq);
    // The sender's own message marks the conversation read for them.
    const lastReadSeq = created && m.mine ? Math.max(c.lastReadSeq, m.seq) : c.lastReadSeq;
    s.conversations.set(c.id, {
      ...c,
      lastMessage,
      lastSeq,
      lastReadSeq,
      unreadCount: lastSeq - lastReadSeq,
      lastActivityAt: created && m.createdAt > c.lastActivityAt ? m.createdAt : c.lastActivityAt,
    });
  });
  if (created && isOnScreen(m.conversationId)) void markRead(m.conversationId);
}

/** Starts or finds the direct conversation with username; returns its id. */
export async function startDirect(username: string): Promise<string> {
  const res = await client.mutation(StartDirectDocument, { username }).toPromise();
  if (!res.data) throw new Error(res.error?.graphQLErrors[0]?.message ?? res.error?.message ?? "failed");
  applyConversation(res.data.startDirectConversation);
  return res.data.startDirectConversation.id;
}

/** Creates a group of the viewer and usernames; returns its id. */
export async function createGroup(title: string, usernames: string[]): Promise<string> {
  const res = await client.mutation(CreateGroupDocument, { input: { title, usernames } }).toPromise();
  if (!res.data) throw new Error(res.error?.graphQLErrors[0]?.message ?? res.error?.message ?? "failed");
  applyConversation(res.data.createGroupConversation);
  return res.data.createGroupConversation.id;
}

/** The tab's title: the unread total first, when there is one. */
export function syncTitle(): void {
  const n = unreadTotal();
  const title = n > 0 ? `(${n}) messenger` : "messenger";
  if (document.title !== title) document.title = title;
}

onLiveEvent((e) => {
  switch (e.type) {
    case "messageCreated":
    case "messageEdited":
    case "messageDeleted":
      onMessage(e.message, e.type === "messageCreated");
      return;
    case "members":
      onMembers(e);
      return;
    case "typing":
      return; // ephemeral: not worth reading a conversation for
  }
  if (!state.conversations.has(e.conversationId)) {
    void fetchConversation(e.conversationId);
    return;
  }
  if (e.type === "read" && e.userId === state.me?.id) onOwnRead(e.conversationId, e.lastReadSeq, e.unreadCount);
  if (e.type === "renamed")
    update((s) => {
      const c = s.conversations.get(e.conversationId);
      if (c) s.conversations.set(c.id, { ...c, title: e.title });
    });
});
onResync(() => {
  if (state.me) void loadConversations();
});
// Back to a tab: other tabs or devices may have read meanwhile.
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState !== "visible" || !state.me) return;
  void loadConversations();
  if (state.openId) void markRead(state.openId);
});
