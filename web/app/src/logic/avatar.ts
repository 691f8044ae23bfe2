// Initials avatars: up to two letters of a name and a colour that stays the
// same for the same user (or group) on every device, from a hash of its id.
// Pure functions, unit tested (test/unit/avatar.test.mjs).

/** How many avatar colours app.css defines (.avatar.hue-0 … hue-7). */
export const HUES = 8;

/** "Alice" → "A", "Alice van Dijk" → "AD", "  " → "?". */
export function initials(name: string): string {
  const words = name
    .trim()
    .split(/[\s_.-]+/u)
    .filter(Boolean);
  if (words.length === 0) return "?";
  const first = Array.from(words[0])[0] ?? "";
  const last = words.length > 1 ? (Array.from(words[words.length - 1])[0] ?? "") : "";
  return (first + last).toLocaleUpperCase();
}

/** A colour index in [0, HUES) for key (a user's or conversation's id): FNV-1a. */
export function hue(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % HUES;
}
