// graphql-sse's client in distinct connections mode, with the access token in
// the Authorization header: its own POST event streams, mutations included.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createClient } from "graphql-sse";
import { startServer, startProxy, alice, dropAndResume, Inbox, SIGN_UP, MESSAGE_CREATED, signUpVars } from "./harness.js";

let server;
before(async () => {
  server = await startServer();
});
after(() => server?.stop());

/** A graphql-sse client as an app would make it; token() is read per request. */
function client(url, token, options = {}) {
  return createClient({
    url,
    singleConnection: false,
    headers: () => (token() ? { Authorization: `Bearer ${token()}` } : {}),
    ...options,
  });
}

/** Runs one operation to its end through the client and returns its single result. */
async function once(sse, payload) {
  const results = [];
  for await (const result of sse.iterate(payload)) results.push(result);
  assert.equal(results.length, 1, JSON.stringify(results));
  assert.equal(results[0].errors, undefined, JSON.stringify(results[0].errors));
  return results[0].data;
}

/** Bob signs up through the client itself (a mutation over its event stream). */
async function signUpBob(sse, setToken) {
  const { signUp } = await once(sse, { query: SIGN_UP, variables: signUpVars("bob") });
  setToken(signUp.token);
  return alice(server.url, signUp.user.username);
}

/** Subscribes with variables; every event goes to inbox, an error too. */
function subscribe(sse, payload, inbox) {
  return sse.subscribe(payload, {
    next: (r) => (r.errors ? inbox.error(r.errors) : inbox.push(r.data?.messageCreated?.content, r.extensions?.cursor)),
    error: (err) => inbox.error(err),
    complete: () => {},
  });
}

test("graphql-sse: dispose, then subscribe again with after: the last cursor", { timeout: 60_000 }, async (t) => {
  let token = "";
  const sse = client(server.url, () => token);
  t.after(() => sse.dispose());
  const { send } = await signUpBob(sse, (t) => (token = t));
  const inbox = new Inbox();
  let dispose = subscribe(sse, { query: MESSAGE_CREATED }, inbox);
  await dropAndResume({
    send,
    inbox,
    drop: async () => dispose(),
    resume: async (cursor) => {
      dispose = subscribe(sse, { query: MESSAGE_CREATED, variables: { after: cursor } }, inbox);
    },
  });
});

// graphql-sse retries a dropped stream by itself (retryAttempts, 5 by default)
// and rebuilds the request body from the payload object on every attempt: an
// app that keeps payload.variables.after at the last cursor resumes without
// loss. (Left at its first value, a retry would start over at "now" and lose
// whatever was sent during the outage.)
test("graphql-sse: network cut, its own retry resumes from the cursor kept in the payload", { timeout: 60_000 }, async (t) => {
  const proxy = await startProxy(server.port);
  t.after(() => proxy.close());
  let token = "";
  // A short wait before retrying keeps the test fast (the default backs off from 1 s).
  const sse = client(proxy.url, () => token, { retry: () => new Promise((r) => setTimeout(r, 300)) });
  t.after(() => sse.dispose());
  const { send } = await signUpBob(sse, (t) => (token = t));
  const inbox = new Inbox();
  const payload = { query: MESSAGE_CREATED, variables: { after: null } };
  const dispose = sse.subscribe(payload, {
    next: (r) => {
      if (r.errors) return inbox.error(r.errors);
      payload.variables.after = r.extensions?.cursor;
      inbox.push(r.data?.messageCreated?.content, r.extensions?.cursor);
    },
    error: (err) => inbox.error(err),
    complete: () => {},
  });
  t.after(dispose);
  await dropAndResume({ send, inbox, drop: async () => proxy.cut(), resume: async () => {} });
  assert.deepEqual(inbox.errors, [], "the retry should hide the drop from the app");
  const streams = proxy.requests(/^POST [^\r]*\r\n[\s\S]*accept: text\/event-stream/i).filter((h) => h.includes("messageCreated"));
  assert.equal(streams.length, 2, "one stream, then one retry");
});
