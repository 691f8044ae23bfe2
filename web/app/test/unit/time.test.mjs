// How times read (src/logic/time.ts): day separators, the conversation
// list's times and a message's clock time, in the viewer's time zone. The
// zone is fixed here (Amsterdam, whose clocks go forward on 29 March 2026)
// and so is the locale.
process.env.TZ = "Europe/Amsterdam"; // before any date is made

const assert = (await import("node:assert/strict")).default;
const { describe, test } = await import("node:test");
const { clockTime, dayKey, dayLabel, daysBefore, listTime, startOfDay } = await import("../../src/logic/time.ts");

const en = "en-US";
/** Local time in Amsterdam. */
const at = (y, mo, d, h = 12, mi = 0, s = 0) => new Date(y, mo - 1, d, h, mi, s).getTime();
const now = at(2026, 3, 12, 15, 30); // a Thursday

describe("days", () => {
  test("startOfDay and dayKey are local", () => {
    assert.equal(new Date(startOfDay(at(2026, 3, 12, 0, 30))).getHours(), 0);
    assert.equal(dayKey(at(2026, 3, 12, 0, 30)), "2026-03-12");
    assert.equal(dayKey(Date.UTC(2026, 2, 11, 23, 30)), "2026-03-12"); // 00:30 in Amsterdam
  });

  test("daysBefore counts calendar days, not 24-hour spans", () => {
    assert.equal(daysBefore(at(2026, 3, 12, 0, 1), now), 0);
    assert.equal(daysBefore(at(2026, 3, 11, 23, 59), at(2026, 3, 12, 0, 1)), 1);
    assert.equal(daysBefore(at(2026, 3, 5, 18), now), 7);
  });

  test("across the change to summer time (a 23-hour day)", () => {
    assert.equal(daysBefore(at(2026, 3, 29, 1), at(2026, 3, 29, 23)), 0);
    assert.equal(daysBefore(at(2026, 3, 28, 23, 30), at(2026, 3, 30, 0, 30)), 2);
    assert.equal(daysBefore(at(2026, 3, 29, 0, 30), at(2026, 3, 30, 0, 10)), 1);
  });
});

describe("dayLabel", () => {
  test("Today, Yesterday, a weekday within the week, then the date", () => {
    assert.equal(dayLabel(at(2026, 3, 12, 8), now, en), "Today");
    assert.equal(dayLabel(at(2026, 3, 11, 23, 59), now, en), "Yesterday");
    assert.equal(dayLabel(at(2026, 3, 9), now, en), "Monday");
    assert.equal(dayLabel(at(2026, 3, 5), now, en), "Thursday, March 5");
    assert.equal(dayLabel(at(2025, 12, 31), now, en), "Wednesday, December 31, 2025");
  });

  test("a message from a clock slightly ahead is today's", () => {
    assert.equal(dayLabel(now + 90_000, now, en), "Today");
  });

  test("in the viewer's language", () => {
    assert.equal(dayLabel(at(2026, 3, 9), now, "de"), "Montag");
  });
});

describe("listTime", () => {
  test("now, minutes, the time of day, Yesterday, a weekday, a date, a date with its year", () => {
    assert.equal(listTime(now - 20_000, now, en), "now");
    assert.equal(listTime(now + 5_000, now, en), "now"); // a clock ahead
    assert.equal(listTime(now - 5 * 60_000, now, en), "5 min");
    assert.equal(listTime(at(2026, 3, 12, 9, 5), now, en), "9:05 AM");
    assert.equal(listTime(at(2026, 3, 11, 22), now, en), "Yesterday");
    assert.equal(listTime(at(2026, 3, 8), now, en), "Sun");
    assert.equal(listTime(at(2026, 2, 14), now, en), "Feb 14");
    assert.equal(listTime(at(2025, 11, 3), now, en), "11/3/25");
  });

  test("twenty minutes ago, but before midnight, is Yesterday", () => {
    assert.equal(listTime(at(2026, 3, 11, 23, 50), at(2026, 3, 12, 0, 10), en), "Yesterday");
  });
});

test("clockTime follows the locale's clock", () => {
  assert.equal(clockTime(at(2026, 3, 12, 14, 5), en), "2:05 PM");
  assert.equal(clockTime(at(2026, 3, 12, 14, 5), "en-GB"), "14:05");
  assert.equal(clockTime(at(2026, 3, 12, 21, 5), "de"), "21:05");
});
