// The conversation list's rules (src/logic/conversations.ts) and the state
// module that applies them (src/state/conversations.ts: applyConversation,
// the sorted list and the unread total, which are signals): counters never go
// back whatever the order in which snapshots and events arrive, the list is
// in activity order, and the previews read as they should.
import assert from "node:assert/strict";
import { beforeEach, describe, test } from "node:test";
import {
  byActivity,
  conversationName,
  mergeConversation,
  newerLast,
  preview,
  sortConversations,
  totalUnread,
  withMessage,
  withOwnRead,
  withRead,
} from "../../src/logic/conversations.ts";
import {
  applyConversation,
  conversations,
  resetConversations,
  sortedConversations,
  unreadTotal,
} from "../../src/state/conversations.ts";
import { alice, bob, carol, conversation, message } from "./fixtures.mjs";

describe("newerLast", () => {
  test("the message of higher seq, in either order", () => {
    assert.equal(newerLast(message(1), message(2)).id, "m2");
    assert.equal(newerLast(message(2), message(1)).id, "m2");
  });

  test("of two states of one message, the fresher", () => {
    const gone = message(2, { deletedAt: "2026-03-09T10:05:00Z", content: "" });
    assert.equal(newerLast(gone, message(2)), gone);
    assert.equal(newerLast(message(2), gone), gone);
  });

  test("one or none", () => {
    const m = message(1);
    assert.equal(newerLast(null, m), m);
    assert.equal(newerLast(m, undefined), m);
    assert.equal(newerLast(null, null), null);
  });
});

describe("mergeConversation", () => {
  test("a snapshot read before newer events does not take the counters back", () => {
    const known = conversation({
      lastSeq: 5,
      lastReadSeq: 4,
      unreadCount: 1,
      lastMessage: message(5),
      lastActivityAt: "2026-03-09T10:05:00Z",
    });
    const stale = conversation({
      lastSeq: 3,
      lastReadSeq: 1,
      unreadCount: 2,
      lastMessage: message(3),
      lastActivityAt: "2026-03-09T10:03:00Z",
      title: null,
    });
    const merged = mergeConversation(known, stale);
    assert.equal(merged.lastSeq, 5);
    assert.equal(merged.lastReadSeq, 4);
    assert.equal(merged.unreadCount, 1);
    assert.equal(merged.lastMessage.id, "m5");
    assert.equal(merged.lastActivityAt, "2026-03-09T10:05:00Z");
  });

  test("a newer snapshot moves them on, and brings its other fields", () => {
    const known = conversation({ lastSeq: 2, lastReadSeq: 2, lastMessage: message(2) });
    const fresh = conversation({
      lastSeq: 4,
      lastReadSeq: 2,
      unreadCount: 2,
      lastMessage: message(4),
      participants: [alice, bob, carol],
      lastActivityAt: "2026-03-09T10:04:00Z",
    });
    const merged = mergeConversation(known, fresh);
    assert.equal(merged.unreadCount, 2);
    assert.equal(merged.lastMessage.id, "m4");
    assert.equal(merged.participants.length, 3);
  });

  test("the read marker never passes the newest message", () => {
    const merged = mergeConversation(conversation({ lastSeq: 3, lastReadSeq: 9 }), conversation({ lastSeq: 3 }));
    assert.equal(merged.lastReadSeq, 3);
    assert.equal(merged.unreadCount, 0);
  });

  test("the same conversation again is the one known, not a copy", () => {
    const known = conversation({ lastSeq: 2, lastReadSeq: 2, lastMessage: message(2) });
    assert.equal(mergeConversation(known, structuredClone(known)), known);
  });

  test("a conversation first heard of is taken as it is", () => {
    const c = conversation({ lastSeq: 1, unreadCount: 1 });
    assert.equal(mergeConversation(undefined, c), c);
  });
});

describe("reads", () => {
  test("withRead moves the marker forward only, never past the newest message", () => {
    const c = conversation({ lastSeq: 5, lastReadSeq: 2, unreadCount: 3 });
    assert.equal(withRead(c, 1), c);
    assert.equal(withRead(c, 2), c);
    assert.deepEqual([withRead(c, 4).lastReadSeq, withRead(c, 4).unreadCount], [4, 1]);
    assert.deepEqual([withRead(c, 9).lastReadSeq, withRead(c, 9).unreadCount], [5, 0]);
  });

  test("withOwnRead: the event's unread count tells of messages this tab has not seen", () => {
    const c = conversation({ lastSeq: 5, lastReadSeq: 2, unreadCount: 3 });
    const r = withOwnRead(c, 6, 1); // read up to 6 on another tab; one more (7) since
    assert.deepEqual([r.lastSeq, r.lastReadSeq, r.unreadCount], [7, 6, 1]);
  });

  test("withOwnRead: an old event does not take the marker back", () => {
    const c = conversation({ lastSeq: 8, lastReadSeq: 8, unreadCount: 0 });
    const r = withOwnRead(c, 3, 5);
    assert.deepEqual([r.lastSeq, r.lastReadSeq, r.unreadCount], [8, 8, 0]);
  });
});

describe("withMessage", () => {
  test("another's new message: unread, last, the activity time", () => {
    const m = message(3);
    const c = withMessage(conversation({ lastSeq: 2, lastReadSeq: 2, lastMessage: message(2) }), m, true);
    assert.deepEqual([c.lastSeq, c.lastReadSeq, c.unreadCount], [3, 2, 1]);
    assert.equal(c.lastMessage, m);
    assert.equal(c.lastActivityAt, m.createdAt);
  });

  test("the viewer's own new message leaves nothing unread", () => {
    const c = withMessage(
      conversation({ lastSeq: 2, lastReadSeq: 1, unreadCount: 1 }),
      message(3, { mine: true, sender: alice }),
      true,
    );
    assert.deepEqual([c.lastSeq, c.lastReadSeq, c.unreadCount], [3, 3, 0]);
  });

  test("an edit of the last message shows in the preview but does not move the conversation up", () => {
    const before = conversation({
      lastSeq: 2,
      lastReadSeq: 2,
      lastMessage: message(2),
      lastActivityAt: message(2).createdAt,
    });
    const edit = message(2, { content: "fixed", editedAt: "2026-03-09T11:00:00Z" });
    const c = withMessage(before, edit, false);
    assert.equal(c.lastMessage, edit);
    assert.equal(c.lastActivityAt, before.lastActivityAt);
    assert.equal(c.unreadCount, 0);
  });

  test("the deletion of an older message does not replace the last one", () => {
    const last = message(5);
    const c = withMessage(
      conversation({ lastSeq: 5, lastReadSeq: 5, lastMessage: last }),
      message(2, { deletedAt: "2026-03-09T11:00:00Z" }),
      false,
    );
    assert.equal(c.lastMessage, last);
  });
});

describe("order", () => {
  test("most recent activity first; equal times in a stable order", () => {
    const a = conversation({ id: "a", lastActivityAt: "2026-03-09T10:00:00Z" });
    const b = conversation({ id: "b", lastActivityAt: "2026-03-09T12:00:00Z" });
    const c = conversation({ id: "c", lastActivityAt: "2026-03-09T10:00:00Z" });
    assert.deepEqual(
      sortConversations([a, b, c]).map((x) => x.id),
      ["b", "c", "a"],
    );
    assert.deepEqual(
      sortConversations([c, a, b]).map((x) => x.id),
      ["b", "c", "a"],
    );
    assert.equal(byActivity(a, a), 0);
  });

  test("totalUnread adds them up", () => {
    assert.equal(totalUnread([conversation({ unreadCount: 2 }), conversation({ unreadCount: 3 })]), 5);
    assert.equal(totalUnread([]), 0);
  });
});

describe("names and previews", () => {
  const group = conversation({
    kind: "GROUP",
    title: "Lunch",
    otherParticipant: null,
    participants: [alice, bob, carol],
  });

  test("a group's title, the other member of a direct conversation, else the members", () => {
    assert.equal(conversationName(group), "Lunch");
    assert.equal(conversationName(conversation()), "Bob");
    assert.equal(conversationName(conversation({ kind: "GROUP", otherParticipant: null })), "Alice, Bob");
  });

  test("'You: ' before the viewer's own, the sender before another's in a group, nothing in a direct one", () => {
    assert.deepEqual(preview(conversation({ lastMessage: message(1, { mine: true, sender: alice, content: "hi" }) })), {
      prefix: "You: ",
      text: "hi",
    });
    assert.deepEqual(preview({ ...group, lastMessage: message(1, { sender: carol, content: "hi" }) }), {
      prefix: "Carol: ",
      text: "hi",
    });
    assert.deepEqual(preview(conversation({ lastMessage: message(1, { content: "hi" }) })), { prefix: "", text: "hi" });
  });

  test("one line; a deleted message and none at all in words", () => {
    assert.equal(preview(conversation({ lastMessage: message(1, { content: "a\n\nb  c" }) })).text, "a b c");
    assert.equal(
      preview(conversation({ lastMessage: message(1, { content: "", deletedAt: "2026-03-09T11:00:00Z" }) })).text,
      "message deleted",
    );
    assert.equal(preview(conversation()).text, "No messages yet");
  });
});

describe("applyConversation (state/conversations.ts)", () => {
  beforeEach(() => resetConversations());

  test("merges into the list signal; the sorted list and the unread total follow", () => {
    applyConversation(conversation({ id: "a", lastSeq: 2, unreadCount: 2, lastActivityAt: "2026-03-09T10:00:00Z" }));
    applyConversation(conversation({ id: "b", lastSeq: 1, unreadCount: 1, lastActivityAt: "2026-03-09T11:00:00Z" }));
    assert.deepEqual(
      sortedConversations.value.map((c) => c.id),
      ["b", "a"],
    );
    assert.equal(unreadTotal.value, 3);
    // A stale snapshot of "a" (a list page read before its messages came) changes nothing.
    const before = conversations.value;
    applyConversation(conversation({ id: "a", lastSeq: 1, unreadCount: 1, lastActivityAt: "2026-03-09T09:00:00Z" }));
    assert.equal(conversations.value, before, "the list changed: its subscribers would draw it again");
    assert.equal(conversations.value.get("a").lastSeq, 2);
    assert.equal(unreadTotal.value, 3);
    // Newer activity moves it to the top.
    applyConversation(conversation({ id: "a", lastSeq: 3, unreadCount: 3, lastActivityAt: "2026-03-09T12:00:00Z" }));
    assert.deepEqual(
      sortedConversations.value.map((c) => c.id),
      ["a", "b"],
    );
    assert.equal(unreadTotal.value, 4);
  });
});
