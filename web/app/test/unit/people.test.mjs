// Avatars and the words about people (src/logic/avatar.ts, people.ts):
// initials and a colour that stays the same for the same user, who read a
// message, who types, usernames typed by hand.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { HUES, hue, initials } from "../../src/logic/avatar.ts";
import { parseUsernames, readers, typingText } from "../../src/logic/people.ts";
import { alice, bob, carol } from "./fixtures.mjs";

describe("avatars", () => {
  test("initials: the first letters of the first and last words", () => {
    assert.equal(initials("Alice"), "A");
    assert.equal(initials("alice van dijk"), "AD");
    assert.equal(initials("  bob_smith "), "BS");
    assert.equal(initials("Émile Zola"), "ÉZ");
    assert.equal(initials("😀 party"), "😀P"); // a character, not half of one
    assert.equal(initials("   "), "?");
  });

  test("hue: the same for the same id, in range, and spread", () => {
    assert.equal(hue("u-alice"), hue("u-alice"));
    const seen = new Set();
    for (let i = 0; i < 200; i++) {
      const h = hue(`user-${i}`);
      assert.ok(Number.isInteger(h) && h >= 0 && h < HUES);
      seen.add(h);
    }
    assert.equal(seen.size, HUES);
  });
});

describe("people", () => {
  test("readers: the other members whose marker reached the message", () => {
    const markers = new Map([
      [bob.id, 5],
      [carol.id, 3],
      [alice.id, 9],
    ]);
    assert.deepEqual(readers([alice, bob, carol], markers, alice.id, 4), ["Bob"]);
    assert.deepEqual(readers([alice, bob, carol], markers, alice.id, 3), ["Bob", "Carol"]);
    assert.deepEqual(readers([alice, bob, carol], markers, alice.id, 6), []);
  });

  test("typingText", () => {
    assert.equal(typingText([]), "");
    assert.equal(typingText(["Alice"]), "Alice is typing…");
    assert.equal(typingText(["Alice", "Bob"]), "Alice and Bob are typing…");
    assert.equal(typingText(["Alice", "Bob", "Carol"]), "Alice, Bob and Carol are typing…");
  });

  test("parseUsernames", () => {
    assert.deepEqual(parseUsernames("@Bob, carol  dave,,"), ["bob", "carol", "dave"]);
    assert.deepEqual(parseUsernames(" "), []);
  });
});
