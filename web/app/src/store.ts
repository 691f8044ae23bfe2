// The app's state: one plain object, changed only through update(), which
// re-renders once per task whatever the number of changes. Each feature
// module (state/*.ts) owns its part of the object and its changes.
import type { ConversationFieldsFragment, MessageFieldsFragment, UserFieldsFragment } from "./gql/graphql";

export type User = UserFieldsFragment;
export type Conversation = ConversationFieldsFragment;
export type Message = MessageFieldsFragment;

/** A message not yet stored by the server, shown as an optimistic bubble. */
export interface Pending {
  clientMessageId: string;
  conversationId: string;
  content: string;
  createdAt: string;
  /** sending: a request is out; waiting: for the network; failed: refused (error). */
  status: "sending" | "waiting" | "failed";
  error?: string;
}

export interface MessagePage {
  /** Ascending seq, each id once. */
  items: Message[];
  hasPrevious: boolean;
  startCursor: string | null;
  loading: boolean;
  loadingOlder: boolean;
  error?: string;
}

export interface State {
  me: User | null;
  /** "" while signed out. */
  token: string;
  conversations: Map<string, Conversation>;
  conversationsLoaded: boolean;
  messages: Map<string, MessagePage>;
  outbox: Pending[];
  /** The conversation on screen (the URL's #/c/<id>), or "". */
  openId: string;
  /** Other members' read markers (user id → lastReadSeq) of the conversations opened here. */
  readers: Map<string, Map<string, number>>;
  /** Who is typing, by conversation: user id → the user and when to stop showing it. */
  typing: Map<string, Map<string, { user: User; until: number }>>;
  /** Whether the live stream is connected. */
  online: boolean;
  notice: string;
}

export const state: State = {
  me: null,
  token: "",
  conversations: new Map(),
  conversationsLoaded: false,
  messages: new Map(),
  outbox: [],
  readers: new Map(),
  typing: new Map(),
  openId: "",
  online: true,
  notice: "",
};

const listeners = new Set<() => void>();
let scheduled = false;

/** Applies change to the state and schedules one render. */
export function update(change?: (s: State) => void): void {
  change?.(state);
  if (scheduled) return;
  scheduled = true;
  queueMicrotask(() => {
    scheduled = false;
    for (const l of listeners) l();
  });
}

export function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
