// @urql/core with its default exchanges and settings, plus fetchSubscriptions:
// subscriptions go over fetch (POST, Accept: text/event-stream,
// multipart/mixed), queries as GET (preferGetMethod: "within-url-limit"),
// mutations as POST.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Client, cacheExchange, fetchExchange } from "@urql/core";
import { startServer, startProxy, alice, cutAndResubscribe, Inbox, SIGN_UP, ME, MESSAGE_CREATED, signUpVars } from "./harness.js";

let server;
before(async () => {
  server = await startServer();
});
after(() => server?.stop());

test("urql: network cut, subscribe again with after: the last cursor", { timeout: 60_000 }, async (t) => {
  const proxy = await startProxy(server.port);
  t.after(() => proxy.close());
  let token = "";
  const client = new Client({
    url: proxy.url,
    exchanges: [cacheExchange, fetchExchange],
    fetchSubscriptions: true,
    fetchOptions: () => (token ? { headers: { authorization: `Bearer ${token}` } } : {}),
  });

  const signedUp = await client.mutation(SIGN_UP, signUpVars("bob")).toPromise();
  assert.ok(!signedUp.error, `signUp: ${signedUp.error}`);
  token = signedUp.data.signUp.token;
  const me = await client.query(ME, {}).toPromise();
  assert.ok(!me.error, `query as GET: ${me.error}`);
  assert.equal(me.data.me.username, signedUp.data.signUp.user.username);
  assert.equal(proxy.requests(/^GET \/graphql\?[^\r]*query=/).length, 1, "the query should go as GET");

  const { send } = await alice(server.url, signedUp.data.signUp.user.username);
  const inbox = new Inbox();
  const subscribe = (variables) =>
    client.subscription(MESSAGE_CREATED, variables).subscribe((result) => {
      if (result.error) inbox.error(result.error);
      else inbox.push(result.data?.messageCreated?.content, result.extensions?.cursor);
    });
  await cutAndResubscribe({ t, name: "urql", send, inbox, proxy, subscribe });
});
