// The screen's own state: which conversation is open (the URL's #/c/<id>),
// whether the live stream is connected and the page visible, the notice of
// the last thing that went wrong, and the clock the times are drawn against.
// Signals: a component that reads one re-renders when it changes, and only then.
import { computed, signal } from "@preact/signals";
import { startOfDay } from "../logic/time";

/** The conversation on screen, or "". */
export const openId = signal("");
/** Whether the live stream is connected. */
export const online = signal(true);
/** Whether the page is visible (not a background tab, not a sleeping laptop). */
export const visible = signal(true);
/** The last thing that went wrong, for the status line ("" for none). */
export const notice = signal("");
/** Whether the new-chat dialog is open. */
export const newChatOpen = signal(false);
/** The time, to the half minute. */
export const now = signal(Date.now());
/** Midnight of today: it changes once a day, so day separators re-render only then. */
export const today = computed(() => startOfDay(now.value));

/** The hash route of a conversation. */
export function conversationHref(id: string): string {
  return `#/c/${encodeURIComponent(id)}`;
}

/** Opens a conversation (through the URL, so that Back works). */
export function go(id: string): void {
  location.hash = conversationHref(id);
}

function route(): void {
  const m = /^#\/c\/(.+)$/.exec(location.hash);
  const id = m ? decodeURIComponent(m[1]) : "";
  if (id === openId.value) return;
  if (id) notice.value = ""; // a notice of the last screen (a group left, a failed edit) goes
  openId.value = id;
}

/** Follows the URL, the page's visibility and the clock; returns the function that stops. */
export function startUi(): () => void {
  const onVisibility = () => {
    visible.value = document.visibilityState === "visible";
  };
  const tick = setInterval(() => {
    now.value = Date.now();
  }, 30_000);
  window.addEventListener("hashchange", route);
  document.addEventListener("visibilitychange", onVisibility);
  route();
  onVisibility();
  return () => {
    clearInterval(tick);
    window.removeEventListener("hashchange", route);
    document.removeEventListener("visibilitychange", onVisibility);
  };
}

/** Leaves the conversation on screen without a new history entry (it went away). */
export function closeConversation(): void {
  openId.value = "";
  if (location.hash) history.replaceState(null, "", location.pathname);
}
