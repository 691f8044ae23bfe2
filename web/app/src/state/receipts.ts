// Read ticks: how far the other members of the conversations opened in this
// tab have read (Conversation.readMarkers when one opens, then each
// ReadMarkerMovedEvent), so that the viewer's own messages show who read them.
import { client } from "../api";
import { ReadMarkersDocument } from "../gql/graphql";
import { onLiveEvent, onResync } from "../live/events";
import { state, update, type Conversation } from "../store";

function setMarker(conversationId: string, userId: string, seq: number): void {
  update((s) => {
    const m = s.readers.get(conversationId);
    if (m && seq > (m.get(userId) ?? 0)) m.set(userId, seq); // markers only move forward
  });
}

/** Reads the other members' markers of a conversation (again). */
export async function loadReaders(conversationId: string): Promise<void> {
  // Kept from now: an event that comes before the answer counts too (markers only move forward).
  if (!state.readers.has(conversationId)) state.readers.set(conversationId, new Map());
  const res = await client.query(ReadMarkersDocument, { id: conversationId }).toPromise();
  const markers = res.data?.conversation?.readMarkers;
  if (!markers) return;
  for (const r of markers) if (r.user.id !== state.me?.id) setMarker(conversationId, r.user.id, r.lastReadSeq);
}

/** The other members (of c) who have read the message of seq. */
export function readBy(c: Conversation | undefined, seq: number): string[] {
  const m = c && state.readers.get(c.id);
  if (!m) return [];
  return c.participants.filter((p) => p.id !== state.me?.id && (m.get(p.id) ?? 0) >= seq).map((p) => p.displayName);
}

onLiveEvent((e) => {
  if (e.type === "read" && e.userId !== state.me?.id) setMarker(e.conversationId, e.userId, e.lastReadSeq);
  if (e.type === "members") {
    if (!e.conversation) update((s) => void s.readers.delete(e.conversationId));
    else if (state.readers.has(e.conversationId)) void loadReaders(e.conversationId); // new members' markers
  }
});
onResync(() => {
  for (const id of state.readers.keys()) void loadReaders(id);
});
