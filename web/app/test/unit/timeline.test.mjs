// A conversation's timeline as it is drawn (src/logic/timeline.ts): days
// under their separators, and the messages of one sender grouped while they
// follow each other within five minutes (an avatar and name at a group's
// start, the time at its end), the viewer's optimistic bubbles after the
// stored messages.
process.env.TZ = "Europe/Amsterdam";

const assert = (await import("node:assert/strict")).default;
const { test } = await import("node:test");
const { buildTimeline, GROUP_GAP_MS } = await import("../../src/logic/timeline.ts");
const { alice, bob, message, pending } = await import("./fixtures.mjs");

const now = new Date(2026, 2, 12, 15, 30).getTime();
const local = (d, h, mi) => new Date(2026, 2, d, h, mi).toISOString();
/** The timeline in short: each day's label and its entries as "key:start-end" (s start, e end, - neither). */
const shape = (days) =>
  days.map((d) => [
    d.label,
    ...d.entries.map((e) => `${e.key}:${(e.groupStart ? "s" : "") + (e.groupEnd ? "e" : "") || "-"}`),
  ]);

test("consecutive messages of one sender are one group", () => {
  const days = buildTimeline(
    [
      message(1, { sender: bob, createdAt: local(12, 10, 0) }),
      message(2, { sender: bob, createdAt: local(12, 10, 1) }),
      message(3, { sender: bob, createdAt: local(12, 10, 2) }),
      message(4, { sender: alice, mine: true, createdAt: local(12, 10, 3) }),
      message(5, { sender: bob, createdAt: local(12, 10, 4) }),
    ],
    [],
    alice.id,
    now,
    "en-US",
  );
  assert.deepEqual(shape(days), [["Today", "m1:s", "m2:-", "m3:e", "m4:se", "m5:se"]]);
});

test("more than five minutes apart starts a new group", () => {
  const t = new Date(2026, 2, 12, 10, 0).getTime();
  const days = buildTimeline(
    [
      message(1, { createdAt: new Date(t).toISOString() }),
      message(2, { createdAt: new Date(t + GROUP_GAP_MS).toISOString() }),
      message(3, { createdAt: new Date(t + 2 * GROUP_GAP_MS + 1000).toISOString() }),
    ],
    [],
    alice.id,
    now,
  );
  assert.deepEqual(shape(days)[0].slice(1), ["m1:s", "m2:e", "m3:se"]);
});

test("a day separator before each day; a group does not cross midnight", () => {
  const days = buildTimeline(
    [
      message(1, { createdAt: local(5, 23, 58) }),
      message(2, { createdAt: local(11, 23, 59) }),
      message(3, { createdAt: local(12, 0, 1) }),
    ],
    [],
    alice.id,
    now,
    "en-US",
  );
  assert.deepEqual(shape(days), [
    ["Thursday, March 5", "m1:se"],
    ["Yesterday", "m2:se"],
    ["Today", "m3:se"],
  ]);
  assert.deepEqual(
    days.map((d) => d.key),
    ["2026-03-05", "2026-03-11", "2026-03-12"],
  );
});

test("the viewer's pending messages come last, grouped with their last message", () => {
  const days = buildTimeline(
    [
      message(1, { sender: bob, createdAt: local(12, 15, 0) }),
      message(2, { sender: alice, mine: true, createdAt: local(12, 15, 1) }),
    ],
    [pending("p1", { createdAt: local(12, 15, 2) }), pending("p2", { createdAt: local(12, 15, 2) })],
    alice.id,
    now,
    "en-US",
  );
  assert.deepEqual(shape(days), [["Today", "m1:se", "m2:s", "p1:-", "p2:e"]]);
  assert.equal(days[0].entries[2].kind, "pending");
});

test("a time that is not one counts as now", () => {
  const days = buildTimeline([message(1, { createdAt: "not a time" })], [], alice.id, now, "en-US");
  assert.deepEqual(shape(days), [["Today", "m1:se"]]);
});

test("nothing to draw", () => {
  assert.deepEqual(buildTimeline([], [], alice.id, now), []);
});
