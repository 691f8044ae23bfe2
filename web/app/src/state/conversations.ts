// The conversation list: loaded from the API, kept current by live events
// (last message, activity order, unread counts), marked read when on screen,
// and the unread total in the tab's title. Tabs of the same browser tell
// each other of their reads over a BroadcastChannel, since the API has no
// read event yet (issue 10 adds one: then apply it here instead).
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
import { onLiveEvent, onResync } from "../live/events";
import { state, update, type Conversation, type Message } from "../store";

const channel = typeof BroadcastChannel === "function" ? new BroadcastChannel("messenger-reads") : null;

type ReadNews = { userId: string | undefined; conversationId: string; lastReadSeq: number };

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
    const newer = c.lastSeq >= old.lastSeq ? c : old;
    s.conversations.set(c.id, {
      ...c,
      lastSeq,
      lastReadSeq,
      unreadCount: lastSeq - lastReadSeq,
      lastMessage: newer.lastMessage,
      lastActivityAt: newer.lastActivityAt > c.lastActivityAt ? newer.lastActivityAt : c.lastActivityAt,
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
  channel?.postMessage({ userId: state.me?.id, conversationId, lastReadSeq: read.lastReadSeq } satisfies ReadNews);
}

function setRead(conversationId: string, lastReadSeq: number): void {
  update((s) => {
    const c = s.conversations.get(conversationId);
    if (!c || lastReadSeq <= c.lastReadSeq) return;
    const read = Math.min(lastReadSeq, c.lastSeq);
    s.conversations.set(conversationId, { ...c, lastReadSeq: read, unreadCount: c.lastSeq - read });
  });
}

channel?.addEventListener("message", (e: MessageEvent<ReadNews>) => {
  if (e.data.userId === state.me?.id) setRead(e.data.conversationId, e.data.lastReadSeq);
});

async function fetchConversation(id: string): Promise<void> {
  const res = await client.query(ConversationDocument, { id }).toPromise();
  if (res.data?.conversation) applyConversation(res.data.conversation);
}

function onMessage(m: Message): void {
  const c = state.conversations.get(m.conversationId);
  if (!c) {
    void fetchConversation(m.conversationId); // new to this tab: read it whole
    return;
  }
  if (m.seq > c.lastSeq) {
    // The sender's own message marks the conversation read for them.
    const lastReadSeq = m.mine ? m.seq : c.lastReadSeq;
    update((s) =>
      s.conversations.set(c.id, {
        ...c,
        lastMessage: m,
        lastSeq: m.seq,
        lastReadSeq,
        unreadCount: m.seq - lastReadSeq,
        lastActivityAt: m.createdAt > c.lastActivityAt ? m.createdAt : c.lastActivityAt,
      }),
    );
  }
  if (isOnScreen(m.conversationId)) void markRead(m.conversationId);
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
  if (e.type === "messageCreated") onMessage(e.message);
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
