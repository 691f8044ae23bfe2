// What arrives live, as the state modules see it, whatever the stream that
// carries it: each feature module registers its handler here, and the stream
// module (live/stream.ts) only translates its results into LiveEvents.
// The conversation life cycle (issue 10) adds event types here (edited,
// deleted, read, typing, members) and a stream over conversationEvents.
import type { Message } from "../store";

export type LiveEvent = { type: "messageCreated"; message: Message };

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
