// The merge of messages (src/logic/messages.ts): whatever the order in which
// a page, the live stream and the answer to our own request bring the states
// of a message, the view shows each message once, in seq order, in its
// newest state.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { fresher, lastEditable, mergeMessages, replaceMessage } from "../../src/logic/messages.ts";
import { message } from "./fixtures.mjs";

const edited = (seq, at, content = `edited at ${at}`) => message(seq, { editedAt: at, content });
const deleted = (seq, at) => message(seq, { deletedAt: at, content: "" });

describe("fresher", () => {
  test("a later edit wins, in either order", () => {
    const early = edited(1, "2026-03-09T10:05:00Z");
    const late = edited(1, "2026-03-09T10:06:00Z");
    assert.equal(fresher(early, late), late);
    assert.equal(fresher(late, early), late);
  });

  test("an edit wins over the message as sent", () => {
    const sent = message(1);
    const edit = edited(1, "2026-03-09T10:05:00Z");
    assert.equal(fresher(sent, edit), edit);
    assert.equal(fresher(edit, sent), edit);
  });

  test("a tombstone stays one: no state before it brings the content back", () => {
    const edit = edited(1, "2026-03-09T10:09:00Z");
    const gone = deleted(1, "2026-03-09T10:08:00Z");
    assert.equal(fresher(gone, edit), gone);
    assert.equal(fresher(edit, gone), gone);
    assert.equal(fresher(gone, message(1)), gone);
  });

  test("of two tombstones, the later", () => {
    const a = deleted(1, "2026-03-09T10:08:00Z");
    const b = deleted(1, "2026-03-09T10:09:00Z");
    assert.equal(fresher(a, b), b);
    assert.equal(fresher(b, a), b);
  });

  test("with nothing to tell them apart, the one that came last", () => {
    const a = message(1);
    const b = message(1);
    assert.equal(fresher(a, b), b);
    assert.equal(fresher(b, a), a);
  });
});

describe("mergeMessages", () => {
  test("each id once, in ascending seq, whatever the order of arrival", () => {
    const items = mergeMessages([message(3), message(1)], [message(2), message(5), message(1), message(4)]);
    assert.deepEqual(
      items.map((m) => m.id),
      ["m1", "m2", "m3", "m4", "m5"],
    );
  });

  test("an older page read before an edit does not undo it", () => {
    const edit = edited(2, "2026-03-09T10:05:00Z", "fixed");
    const items = mergeMessages([message(1), edit], [message(1), message(2), message(3)]);
    assert.equal(items[1], edit);
    assert.equal(items.length, 3);
  });

  test("a tombstone stays after a page of the message as it was", () => {
    const gone = deleted(2, "2026-03-09T10:05:00Z");
    const items = mergeMessages(mergeMessages([], [gone]), [message(2)]);
    assert.equal(items[0], gone);
  });

  test("returns the same array when nothing changes, so that nothing re-renders", () => {
    const items = [message(1), message(2)];
    assert.equal(mergeMessages(items, []), items);
    assert.equal(mergeMessages(items, [items[0]]), items);
  });

  test("does not change the array it was given", () => {
    const items = [message(1)];
    const next = mergeMessages(items, [message(2)]);
    assert.equal(items.length, 1);
    assert.equal(next.length, 2);
  });
});

describe("replaceMessage", () => {
  test("replaces a message that is there by its fresher state", () => {
    const edit = edited(2, "2026-03-09T10:05:00Z");
    const items = [message(1), message(2)];
    assert.deepEqual(replaceMessage(items, edit), [items[0], edit]);
  });

  test("does not add a message that is not there (an edit of a page not loaded)", () => {
    const items = [message(5)];
    assert.equal(replaceMessage(items, edited(1, "2026-03-09T10:05:00Z")), items);
  });
});

describe("lastEditable", () => {
  test("the viewer's newest message that is not deleted", () => {
    const items = [
      message(1, { mine: true }),
      message(2, { mine: true }),
      message(3, { mine: true, deletedAt: "2026-03-09T10:09:00Z" }),
      message(4),
    ];
    assert.equal(lastEditable(items)?.id, "m2");
  });

  test("none when the viewer wrote nothing", () => {
    assert.equal(lastEditable([message(1), message(2)]), undefined);
    assert.equal(lastEditable([]), undefined);
  });
});
