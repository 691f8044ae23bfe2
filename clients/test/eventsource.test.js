// The eventsource package (the browser's EventSource API for Node) on the GET
// transport: a stream ticket in the URL, each event's cursor as its SSE id,
// and a reconnect by the EventSource itself, with Last-Event-ID, after the
// server's retry hint.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { EventSource } from "eventsource";
import { startServer, startProxy, gql, alice, dropAndResume, Inbox, SIGN_UP, CREATE_TICKET, MESSAGE_CREATED, signUpVars } from "./harness.js";

let server;
before(async () => {
  server = await startServer();
});
after(() => server?.stop());

test("eventsource: connection cut, it reconnects by itself with Last-Event-ID", { timeout: 60_000 }, async (t) => {
  const proxy = await startProxy(server.port);
  t.after(() => proxy.close());
  const { signUp: bob } = await gql(server.url, SIGN_UP, signUpVars("bob"));
  const { createStreamTicket } = await gql(server.url, CREATE_TICKET, {}, bob.token);
  const { send } = await alice(server.url, bob.user.username);

  const inbox = new Inbox();
  const params = new URLSearchParams({ ticket: createStreamTicket.ticket, query: MESSAGE_CREATED });
  const events = new EventSource(`${proxy.url}?${params}`);
  t.after(() => events.close());
  events.addEventListener("next", (e) => {
    const result = JSON.parse(e.data);
    if (result.errors) return inbox.error(result.errors);
    assert.equal(result.extensions?.cursor, e.lastEventId, "the SSE id should be the event's cursor");
    inbox.push(result.data?.messageCreated?.content, e.lastEventId);
  });
  events.addEventListener("complete", () => inbox.error(new Error("the stream completed")));
  events.addEventListener("error", (e) => inbox.error(new Error(`EventSource error: ${e.message ?? e.code ?? "connection lost"}`)));

  const { lastCursor } = await dropAndResume({
    send,
    inbox,
    drop: async () => {
      const errors = inbox.errors.length;
      proxy.cut();
      await inbox.until(() => inbox.errors.length > errors, "the EventSource to see the cut");
      assert.equal(events.readyState, EventSource.CONNECTING, "it should be reconnecting, not closed");
    },
    resume: async () => {}, // it does that itself
  });

  assert.equal(events.readyState, EventSource.OPEN);
  const streams = proxy.requests(/^GET \/graphql\?/);
  assert.equal(streams.length, 2, "one stream, then one reconnect");
  assert.doesNotMatch(streams[0], /^last-event-id:/im);
  const resumedFrom = /^last-event-id: *([^\r\n]*)/im.exec(streams[1])?.[1];
  assert.equal(resumedFrom, lastCursor, "the reconnect should carry the last event's id");
});
