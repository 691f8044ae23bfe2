// The web app's entry: renders the app, follows the URL's #/c/<id>, keeps the
// tab's title, and marks the moments the browser test measures
// (app:first-render, app:first-message).
import { render } from "preact";
import { App } from "./ui/App";
import { markRead, syncTitle } from "./state/conversations";
import { openMessages } from "./state/messages";
import { resume } from "./state/session";
import { state, subscribe, update } from "./store";

function route(): void {
  const m = /^#\/c\/(.+)$/.exec(location.hash);
  const id = m ? decodeURIComponent(m[1]) : "";
  update((s) => {
    if (id && id !== s.openId) s.notice = ""; // a notice of the last screen (a group left, a failed edit) goes
    s.openId = id;
  });
  if (id && state.me) {
    openMessages(id);
    void markRead(id);
  }
}

// urql aborts an operation's fetch once its result is taken (toPromise) or
// it is torn down, and Chromium then rejects a promise nobody awaits with
// that AbortError: an intended cancellation, not an error of the page.
window.addEventListener("unhandledrejection", (e) => {
  if (e.reason instanceof DOMException && e.reason.name === "AbortError") e.preventDefault();
});

const root = document.getElementById("app")!;
let firstMessage = false;
function draw(): void {
  render(<App />, root);
  syncTitle();
  if (!firstMessage && document.querySelector('[aria-label="Messages"] li[data-seq]')) {
    firstMessage = true;
    performance.mark("app:first-message");
  }
}

subscribe(draw);
window.addEventListener("hashchange", route);
subscribe(() => {
  // Once signed in (or again after a log in), the URL's conversation opens.
  if (state.me && state.openId && !state.messages.has(state.openId)) route();
});

draw();
performance.mark("app:first-render");
void resume().then(() => route());
