// Who read, who types: the words the conversation view shows for them.
// Pure functions, unit tested (test/unit/people.test.mjs).
import type { User } from "../types";

/** The other members (of participants) whose read marker has reached seq. */
export function readers(
  participants: readonly User[],
  markers: ReadonlyMap<string, number>,
  meId: string,
  seq: number,
): string[] {
  return participants.filter((p) => p.id !== meId && (markers.get(p.id) ?? 0) >= seq).map((p) => p.displayName);
}

/** "Alice is typing…", "Alice and Bob are typing…", "" for nobody. */
export function typingText(names: readonly string[]): string {
  if (names.length === 0) return "";
  if (names.length === 1) return `${names[0]} is typing…`;
  return `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]} are typing…`;
}

/** Usernames typed by hand: "@bob, carol dave" → ["bob", "carol", "dave"]. */
export function parseUsernames(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((u) => u.replace(/^@/, "").trim().toLowerCase())
    .filter(Boolean);
}
