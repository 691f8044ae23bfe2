// Small builders of the API's records for the unit tests: a field left out
// takes a plain default, so that each test names only what it is about.
export const alice = { id: "u-alice", username: "alice", displayName: "Alice" };
export const bob = { id: "u-bob", username: "bob", displayName: "Bob" };
export const carol = { id: "u-carol", username: "carol", displayName: "Carol" };

/** A message of conversation "c1"; seq n, sent n minutes after 2026-03-09 10:00 UTC unless told. */
export function message(seq, fields = {}) {
  return {
    id: `m${seq}`,
    conversationId: "c1",
    seq,
    content: `message ${seq}`,
    clientMessageId: null,
    createdAt: new Date(Date.UTC(2026, 2, 9, 10, seq)).toISOString(),
    mine: false,
    editedAt: null,
    deletedAt: null,
    sender: bob,
    ...fields,
  };
}

/** A direct conversation "c1" between the viewer (Alice) and Bob. */
export function conversation(fields = {}) {
  return {
    id: "c1",
    kind: "DIRECT",
    title: null,
    participants: [alice, bob],
    otherParticipant: bob,
    lastMessage: null,
    lastSeq: 0,
    lastReadSeq: 0,
    unreadCount: 0,
    lastActivityAt: "2026-03-09T10:00:00Z",
    owner: null,
    ...fields,
  };
}

/** A message of the outbox. */
export function pending(clientMessageId, fields = {}) {
  return {
    clientMessageId,
    conversationId: "c1",
    content: `text of ${clientMessageId}`,
    createdAt: "2026-03-09T10:30:00.000Z",
    status: "waiting",
    ...fields,
  };
}
