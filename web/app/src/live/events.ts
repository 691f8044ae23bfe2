// What arrives live, as the state modules see it, whatever the stream that
// carries it: each feature module registers its handler here, and the stream
// module (live/stream.ts) only translates its results into LiveEvents (one
// per ConversationEvent type of the API's conversationEvents).
import type { Conversation, Message, User } from "../types";

export type LiveEvent =
  | { type: "messageCreated"; message: Message }
  | { type: "messageEdited"; message: Message }
  | { type: "messageDeleted"; message: Message }
  /** A member's read marker moved; unreadCount is the viewer's after it. */
  | { type: "read"; conversationId: string; userId: string; lastReadSeq: number; unreadCount: number }
  /** Members joined or left; conversation is null when the viewer is no longer in it. */
  | {
      type: "members";
      conversationId: string;
      conversation: Conversation | null;
      added: User[];
      removed: User[];
      by: User;
    }
  | { type: "renamed"; conversationId: string; title: string }
  /** Ephemeral: show until ms milliseconds from now (expiresAt - at). */
  | { type: "typing"; conversationId: string; user: User; ms: number };

type Handler = (event: LiveEvent) => void;

const handlers = new Set<Handler>();
const resyncs = new Set<() => void>();

/** Calls handler with every live event. */
export function onLiveEvent(handler: Handler): () => void {
  handlers.add(handler);
  return () => handlers.delete(handler);
}

/**
 * Calls refetch whenever the stream (re)starts from "now" rather than from a
 * cursor: what happened before it began must be read again from the API.
 */
export function onResync(refetch: () => void): () => void {
  resyncs.add(refetch);
  return () => resyncs.delete(refetch);
}

export function emitLiveEvent(event: LiveEvent): void {
  for (const h of handlers) h(event);
}

export function emitResync(): void {
  for (const r of resyncs) r();
}
