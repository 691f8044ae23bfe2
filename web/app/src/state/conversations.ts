// The conversation list: loaded from the API, kept current by live events
// (last message, its edits and deletion, activity order, unread counts from
// the viewer's own ReadMarkerMovedEvents, which reach every tab and device,
// members and titles; a conversation the viewer left or was removed from
// goes, one first heard of is read whole), marked read while on screen, and
// the unread total in the tab's title. The rules are logic/conversations.ts;
// this module holds the list in a signal and talks to the API.
import { batch, computed, effect, signal, untracked } from "@preact/signals";
import type { OperationResult } from "@urql/core";
import { client, errorMessage } from "../api";
import {
  ConversationDocument,
  ConversationsDocument,
  CreateGroupDocument,
  MarkReadDocument,
  StartDirectDocument,
  type ConversationsQuery,
} from "../gql/graphql";
import { onLiveEvent, onResync, type LiveEvent } from "../live/events";
import {
  conversationName,
  mergeConversation,
  sortConversations,
  totalUnread,
  withMessage,
  withOwnRead,
  withRead,
} from "../logic/conversations";
import type { Conversation, Message } from "../types";
import { me } from "./session";
import { closeConversation, notice, openId, visible } from "./ui";

/** Every conversation of the viewer, by id. */
export const conversations = signal<ReadonlyMap<string, Conversation>>(new Map());
/** Whether the list was read from the API since the log-in. */
export const conversationsLoaded = signal(false);
/** The list, most recent activity first. */
export const sortedConversations = computed(() => sortConversations(conversations.value.values()));
export const unreadTotal = computed(() => totalUnread(conversations.value.values()));

/** Conversations the viewer is no longer in: an answer still on its way does not bring one back. */
const gone = new Set<string>();
const fetching = new Set<string>();
const marking = new Map<string, number>(); // conversation id → seq being marked

/** Replaces the conversation id by change(it) (undefined removes it); nothing if it returns it unchanged. */
function change(id: string, f: (c: Conversation | undefined) => Conversation | undefined): void {
  const all = conversations.value;
  const old = all.get(id);
  const next = f(old);
  if (next === old) return;
  const copy = new Map(all);
  if (next) copy.set(id, next);
  else copy.delete(id);
  conversations.value = copy;
}

/** Merges what the server said of c into the list; counters never go back. */
export function applyConversation(c: Conversation): void {
  change(c.id, (old) => mergeConversation(old, c));
}

/** Reads the whole list again (every page of it). */
export async function loadConversations(): Promise<void> {
  let after: string | null = null;
  for (let page = 0; page < 10; page++) {
    const res: OperationResult<ConversationsQuery> = await client
      .query(ConversationsDocument, { first: 50, after })
      .toPromise();
    if (!res.data) {
      if (res.error) notice.value = `Could not load conversations: ${errorMessage(res.error)}`;
      return;
    }
    batch(() => {
      for (const edge of res.data!.conversations.edges) applyConversation(edge.node);
    });
    const info: { hasNextPage: boolean; endCursor?: string | null } = res.data.conversations.pageInfo;
    if (!info.hasNextPage || !info.endCursor) break;
    after = info.endCursor;
  }
  conversationsLoaded.value = true;
}

/** Marks c read up to its newest message, if it has unread ones. */
export async function markRead(conversationId: string): Promise<void> {
  const c = conversations.peek().get(conversationId);
  if (!c || c.unreadCount === 0 || (marking.get(conversationId) ?? 0) >= c.lastSeq) return;
  const seq = c.lastSeq;
  marking.set(conversationId, seq);
  change(conversationId, (x) => x && withRead(x, seq)); // at once on screen; the server agrees below
  const res = await client.mutation(MarkReadDocument, { conversationId, seq }).toPromise();
  marking.delete(conversationId);
  const read = res.data?.markConversationAsRead;
  if (read) change(conversationId, (x) => x && withRead(x, read.lastReadSeq));
}

/** Reads a conversation this tab has not heard of yet. */
async function fetchConversation(id: string): Promise<void> {
  if (fetching.has(id)) return;
  fetching.add(id);
  const res = await client.query(ConversationDocument, { id }).toPromise();
  fetching.delete(id);
  if (res.data?.conversation && !gone.has(id)) applyConversation(res.data.conversation);
}

/** The viewer is no longer in conversationId: it goes from the list (and the screen). */
function forget(conversationId: string, why: string): void {
  gone.add(conversationId);
  batch(() => {
    change(conversationId, () => undefined);
    if (openId.peek() === conversationId) {
      closeConversation();
      notice.value = why;
    }
  });
}

function onMembers(e: Extract<LiveEvent, { type: "members" }>): void {
  if (e.conversation) {
    gone.delete(e.conversationId); // added (again)
    applyConversation(e.conversation);
    return;
  }
  const c = conversations.peek().get(e.conversationId);
  const name = c ? conversationName(c) : "the group";
  forget(
    e.conversationId,
    e.by.id === me.peek()?.id ? `You left ${name}.` : `${e.by.displayName} removed you from ${name}.`,
  );
}

/** A new message, or a new state (edit, tombstone) of one. */
function onMessage(m: Message, created: boolean): void {
  if (!conversations.peek().has(m.conversationId)) {
    void fetchConversation(m.conversationId); // new to this tab: read it whole
    return;
  }
  change(m.conversationId, (c) => c && withMessage(c, m, created));
}

function onEvent(e: LiveEvent): void {
  switch (e.type) {
    case "messageCreated":
    case "messageEdited":
    case "messageDeleted":
      return onMessage(e.message, e.type === "messageCreated");
    case "members":
      return onMembers(e);
    case "typing":
      return; // ephemeral: not worth reading a conversation for
  }
  if (!conversations.peek().has(e.conversationId)) {
    void fetchConversation(e.conversationId);
    return;
  }
  if (e.type === "read" && e.userId === me.peek()?.id) {
    change(e.conversationId, (c) => c && withOwnRead(c, e.lastReadSeq, e.unreadCount));
  }
  if (e.type === "renamed") change(e.conversationId, (c) => c && { ...c, title: e.title });
}

/** Starts or finds the direct conversation with username; returns its id. */
export async function startDirect(username: string): Promise<string> {
  const res = await client.mutation(StartDirectDocument, { username }).toPromise();
  if (!res.data) throw new Error(errorMessage(res.error));
  applyConversation(res.data.startDirectConversation);
  return res.data.startDirectConversation.id;
}

/** Creates a group of the viewer and usernames; returns its id. */
export async function createGroup(title: string, usernames: string[]): Promise<string> {
  const res = await client.mutation(CreateGroupDocument, { input: { title, usernames } }).toPromise();
  if (!res.data) throw new Error(errorMessage(res.error));
  applyConversation(res.data.createGroupConversation);
  return res.data.createGroupConversation.id;
}

/** Forgets everything (logged out). */
export function resetConversations(): void {
  gone.clear();
  fetching.clear();
  marking.clear();
  batch(() => {
    conversations.value = new Map();
    conversationsLoaded.value = false;
  });
}

/**
 * Follows the live events, reads the list again when the stream restarts
 * from "now" or the tab comes back, marks the conversation on screen read
 * whenever it has unread messages, and keeps the tab's title; returns the
 * function that stops all that.
 */
export function startConversations(): () => void {
  const stops = [
    onLiveEvent(onEvent),
    onResync(() => {
      if (me.peek()) void loadConversations();
    }),
    // Back to a tab: other tabs or devices may have read meanwhile.
    effect(() => {
      if (visible.value && untracked(() => me.value)) void loadConversations();
    }),
    effect(() => {
      const id = openId.value;
      const c = id ? conversations.value.get(id) : undefined;
      if (c && c.unreadCount > 0 && visible.value && me.value) void untracked(() => markRead(id));
    }),
    effect(() => {
      const n = unreadTotal.value;
      document.title = n > 0 ? `(${n}) messenger` : "messenger";
    }),
  ];
  return () => {
    for (const stop of stops) stop();
  };
}
