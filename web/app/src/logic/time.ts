// How times read: the day separators of a conversation ("Today",
// "Yesterday", a weekday, a date), the conversation list's times ("now",
// "5 min", a clock time, "Yesterday", a weekday, a date) and a message's clock
// time, in the viewer's time zone. `now` and the locale are arguments, so
// that the unit tests (test/unit/time.test.mjs) fix both.
const DAY = 86_400_000;

const formats = new Map<string, Intl.DateTimeFormat>();
function format(locale: string | undefined, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale ?? ""} ${JSON.stringify(options)}`;
  let f = formats.get(key);
  if (!f) formats.set(key, (f = new Intl.DateTimeFormat(locale, options)));
  return f;
}

/** Midnight (local time) of the day of t. */
export function startOfDay(t: number): number {
  const d = new Date(t);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

/** How many calendar days t is before now: 0 today, 1 yesterday (negative in the future). */
export function daysBefore(t: number, now: number): number {
  return Math.round((startOfDay(now) - startOfDay(t)) / DAY); // round: a day of DST is 23 or 25 h
}

/** The key of the day of t (local time), e.g. "2026-03-09". */
export function dayKey(t: number): string {
  const d = new Date(t);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

/** A day separator's label. */
export function dayLabel(t: number, now: number, locale?: string): string {
  const days = daysBefore(t, now);
  if (days <= 0) return "Today";
  if (days === 1) return "Yesterday";
  if (days < 7) return format(locale, { weekday: "long" }).format(t);
  const sameYear = new Date(t).getFullYear() === new Date(now).getFullYear();
  return format(locale, {
    weekday: "long",
    day: "numeric",
    month: "long",
    ...(sameYear ? {} : { year: "numeric" }),
  }).format(t);
}

/** The conversation list's time of the last activity. */
export function listTime(t: number, now: number, locale?: string): string {
  const ago = now - t;
  if (ago < 60_000) return "now";
  if (ago < 3_600_000 && daysBefore(t, now) === 0) return `${Math.floor(ago / 60_000)} min`;
  const days = daysBefore(t, now);
  if (days === 0) return clockTime(t, locale);
  if (days === 1) return "Yesterday";
  if (days < 7) return format(locale, { weekday: "short" }).format(t);
  if (new Date(t).getFullYear() === new Date(now).getFullYear())
    return format(locale, { day: "numeric", month: "short" }).format(t);
  return format(locale, { dateStyle: "short" }).format(t);
}

/** A message's time of day: "14:05", or "2:05 PM" where the clock has 12 hours. */
export function clockTime(t: number, locale?: string): string {
  return format(locale, { hour: "numeric", minute: "2-digit" }).format(t);
}

/** The full date and time, for a tooltip. */
export function fullTime(t: number, locale?: string): string {
  return format(locale, { dateStyle: "full", timeStyle: "short" }).format(t);
}

/** An RFC 3339 time as milliseconds (NaN when it is not one). */
export function parseTime(iso: string): number {
  return Date.parse(iso);
}
