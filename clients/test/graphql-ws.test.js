// graphql-ws over WebSocket (the graphql-transport-ws protocol, with the ws
// package as Node 20's WebSocket), authenticated by its connection_init
// payload. Bob signs up over plain HTTP: the socket needs his token first.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createClient } from "graphql-ws";
import WebSocket from "ws";
import { startServer, startProxy, gql, alice, dropAndResume, Inbox, SIGN_UP, MESSAGE_CREATED, signUpVars } from "./harness.js";

let server;
before(async () => {
  server = await startServer();
});
after(() => server?.stop());

async function setup(t, url, options = {}) {
  const { signUp: bob } = await gql(server.url, SIGN_UP, signUpVars("bob"));
  const { send } = await alice(server.url, bob.user.username);
  const ws = createClient({
    url: url.replace(/^http/, "ws"),
    webSocketImpl: WebSocket,
    connectionParams: () => ({ Authorization: `Bearer ${bob.token}` }),
    ...options,
  });
  t.after(() => ws.dispose());
  return { ws, send };
}

/** Subscribes with payload; every event goes to inbox (and its cursor into the payload, if asked). */
function subscribe(ws, payload, inbox, { keepCursor = false } = {}) {
  return ws.subscribe(payload, {
    next: (r) => {
      if (r.errors) return inbox.error(r.errors);
      if (keepCursor) payload.variables.after = r.extensions?.cursor;
      inbox.push(r.data?.messageCreated?.content, r.extensions?.cursor);
    },
    error: (err) => inbox.error(err),
    complete: () => {},
  });
}

test("graphql-ws: dispose, then subscribe again with after: the last cursor", { timeout: 60_000 }, async (t) => {
  const { ws, send } = await setup(t, server.url);
  const inbox = new Inbox();
  let dispose = subscribe(ws, { query: MESSAGE_CREATED }, inbox);
  t.after(() => dispose());
  await dropAndResume({
    send,
    inbox,
    drop: async () => dispose(),
    resume: async (cursor) => {
      dispose = subscribe(ws, { query: MESSAGE_CREATED, variables: { after: cursor } }, inbox);
    },
  });
});

// Like graphql-sse, graphql-ws reconnects by itself (retryAttempts, 5 by
// default) and sends each active subscription's payload object again: kept
// at the last cursor, the retry resumes without loss.
test("graphql-ws: network cut, its own reconnect resumes from the cursor kept in the payload", { timeout: 60_000 }, async (t) => {
  const proxy = await startProxy(server.port);
  t.after(() => proxy.close());
  // A short wait before reconnecting keeps the test fast (the default backs off from 1 s).
  const { ws, send } = await setup(t, proxy.url, { retryWait: () => new Promise((r) => setTimeout(r, 300)) });
  const inbox = new Inbox();
  t.after(subscribe(ws, { query: MESSAGE_CREATED, variables: { after: null } }, inbox, { keepCursor: true }));
  await dropAndResume({ send, inbox, drop: async () => proxy.cut(), resume: async () => {} });
  assert.deepEqual(inbox.errors, [], "the reconnect should hide the drop from the app");
  assert.equal(proxy.requests(/^GET \/graphql HTTP\/1\.1\r\n[\s\S]*upgrade: websocket/i).length, 2, "one socket, then one reconnect");
});
