// The web app's entry: starts the app against the page's GraphQL endpoint,
// renders it, and marks the moment the browser test measures
// (app:first-render; app:first-message is marked by the timeline).
import { render } from "preact";
import { start } from "./start";
import { App } from "./ui/App";

// urql aborts an operation's fetch once its result is taken (toPromise) or
// it is torn down, and Chromium then rejects a promise nobody awaits with
// that AbortError: an intended cancellation, not an error of the page.
window.addEventListener("unhandledrejection", (e) => {
  if (e.reason instanceof DOMException && e.reason.name === "AbortError") e.preventDefault();
});

const endpoint = document.querySelector<HTMLMetaElement>('meta[name="graphql-endpoint"]')?.content || "/graphql";
start(endpoint);
render(<App />, document.getElementById("app")!);
performance.mark("app:first-render");
