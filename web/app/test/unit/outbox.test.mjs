// The outbox's rules (src/logic/outbox.ts): messages go out in the order
// they were written, each clientMessageId once; a refused one waits for the
// viewer and does not hold the others back; what a reload finds is what was
// not refused, in order.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { enqueue, nextToSend, pendingIn, persistable, restore, setStatus, without } from "../../src/logic/outbox.ts";
import { pending } from "./fixtures.mjs";

describe("sending order", () => {
  test("in the order of writing, each clientMessageId once", () => {
    let list = [];
    for (const id of ["a", "b", "a", "c"]) list = enqueue(list, pending(id));
    assert.deepEqual(
      list.map((p) => p.clientMessageId),
      ["a", "b", "c"],
    );
    assert.equal(nextToSend(list).clientMessageId, "a");
  });

  test("a refused message does not hold the next back", () => {
    const list = setStatus([pending("a"), pending("b")], "a", "failed", "too long");
    assert.equal(nextToSend(list).clientMessageId, "b");
    assert.equal(list[0].error, "too long");
    assert.equal(nextToSend(setStatus(list, "b", "failed")), undefined);
  });

  test("without: the stored message replaces its bubble; the same list when it was not there", () => {
    const list = [pending("a"), pending("b")];
    assert.deepEqual(
      without(list, "a").map((p) => p.clientMessageId),
      ["b"],
    );
    assert.equal(without(list, "zz"), list);
  });
});

describe("storage", () => {
  test("what is kept: all but the refused, in order", () => {
    const list = setStatus([pending("a"), pending("b"), pending("c")], "b", "failed");
    assert.deepEqual(
      persistable(list).map((p) => p.clientMessageId),
      ["a", "c"],
    );
  });

  test("restore: each message waiting again, in order of writing, once; anything else dropped", () => {
    const saved = [
      pending("late", { createdAt: "2026-03-09T10:32:00.000Z", status: "sending" }),
      pending("early", { createdAt: "2026-03-09T10:31:00.000Z" }),
      pending("tie-1", { createdAt: "2026-03-09T10:33:00.000Z" }),
      pending("tie-2", { createdAt: "2026-03-09T10:33:00.000Z" }),
      pending("early", { createdAt: "2026-03-09T10:31:00.000Z", content: "again" }),
      { clientMessageId: 7, conversationId: "c1", content: "x", createdAt: "2026-03-09T10:00:00Z" },
      null,
      "junk",
    ];
    const list = restore(JSON.parse(JSON.stringify(saved)));
    assert.deepEqual(
      list.map((p) => p.clientMessageId),
      ["early", "late", "tie-1", "tie-2"],
    );
    assert.ok(list.every((p) => p.status === "waiting" && p.error === undefined));
    assert.equal(list[0].content, "text of early");
  });

  test("restore of nothing usable", () => {
    assert.deepEqual(restore(null), []);
    assert.deepEqual(restore({ a: 1 }), []);
  });
});

test("pendingIn: one conversation's bubbles, without those whose stored message is shown", () => {
  const list = [pending("a"), pending("b", { conversationId: "c2" }), pending("c")];
  assert.deepEqual(
    pendingIn(list, "c1", new Set(["c"])).map((p) => p.clientMessageId),
    ["a"],
  );
});
