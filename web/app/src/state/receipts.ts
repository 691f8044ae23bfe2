// Read ticks: how far the other members of the conversations opened in this
// tab have read (Conversation.readMarkers when one opens, then each
// ReadMarkerMovedEvent), one signal per conversation, so that the viewer's
// own messages show who read them.
import { signal, type Signal } from "@preact/signals";
import { client } from "../api";
import { ReadMarkersDocument } from "../gql/graphql";
import { onLiveEvent, onResync } from "../live/events";
import { me } from "./session";

const markers = new Map<string, Signal<ReadonlyMap<string, number>>>();

/** The other members' read markers of a conversation (user id → lastReadSeq), kept from now on. */
export function markersOf(conversationId: string): Signal<ReadonlyMap<string, number>> {
  let m = markers.get(conversationId);
  if (!m) markers.set(conversationId, (m = signal(new Map())));
  return m;
}

function setMarker(conversationId: string, userId: string, seq: number): void {
  const m = markers.get(conversationId);
  if (!m || seq <= (m.peek().get(userId) ?? 0)) return; // markers only move forward
  m.value = new Map(m.peek()).set(userId, seq);
}

/** Reads the other members' markers of a conversation (again). */
export async function loadReaders(conversationId: string): Promise<void> {
  markersOf(conversationId); // kept from now: an event that comes before the answer counts too
  const res = await client.query(ReadMarkersDocument, { id: conversationId }).toPromise();
  const list = res.data?.conversation?.readMarkers;
  if (!list) return;
  for (const r of list) if (r.user.id !== me.peek()?.id) setMarker(conversationId, r.user.id, r.lastReadSeq);
}

export function resetReceipts(): void {
  markers.clear();
}

/** Follows the markers' live events; returns the function that stops. */
export function startReceipts(): () => void {
  const stopEvents = onLiveEvent((e) => {
    if (e.type === "read" && e.userId !== me.peek()?.id) setMarker(e.conversationId, e.userId, e.lastReadSeq);
    if (e.type === "members") {
      if (!e.conversation) markers.delete(e.conversationId);
      else if (markers.has(e.conversationId)) void loadReaders(e.conversationId); // new members' markers
    }
  });
  const stopResync = onResync(() => {
    for (const id of markers.keys()) void loadReaders(id);
  });
  return () => {
    stopEvents();
    stopResync();
  };
}
