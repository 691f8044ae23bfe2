// @apollo/client 4, twice: with nothing but its default HttpLink (whose
// subscriptions use Apollo's multipart HTTP protocol, asked for by its Accept
// header), and with subscriptions on a graphql-sse link as Apollo's docs show.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache, gql, split } from "@apollo/client";
import { Observable } from "rxjs";
import { print, getOperationAST, OperationTypeNode } from "graphql";
import { createClient } from "graphql-sse";
import { startServer, startProxy, alice, cutAndResubscribe, Inbox, SIGN_UP, ME, MESSAGE_CREATED, signUpVars } from "./harness.js";

let server;
before(async () => {
  server = await startServer();
});
after(() => server?.stop());

/** The link of Apollo's docs for graphql-sse: every operation it gets runs on graphql-sse's client. */
class SSELink extends ApolloLink {
  constructor(options) {
    super();
    this.client = createClient(options);
  }

  request(operation) {
    return new Observable((sink) =>
      this.client.subscribe(
        { ...operation, query: print(operation.query) },
        { next: sink.next.bind(sink), complete: sink.complete.bind(sink), error: sink.error.bind(sink) },
      ),
    );
  }
}

/**
 * Bob signs up through client, then subscribes; every result goes to the
 * inbox. The proxy is cut, Apollo reports the error, and bob subscribes again
 * with after: the last cursor.
 */
async function scenario(t, client, proxy, context) {
  const { data } = await client.mutate({ mutation: gql(SIGN_UP), variables: signUpVars("bob") });
  const bob = data.signUp;
  context.token = bob.token;
  const me = await client.query({ query: gql(ME), context: context.auth() });
  assert.equal(me.data.me.username, bob.user.username);

  const { send } = await alice(server.url, bob.user.username);
  const inbox = new Inbox();
  const subscribe = (variables) =>
    client.subscribe({ query: gql(MESSAGE_CREATED), variables, context: context.auth() }).subscribe({
      next: (result) => {
        if (result.error) inbox.error(result.error);
        else inbox.push(result.data?.messageCreated?.content, result.extensions?.cursor);
      },
      error: (err) => inbox.error(err),
    });
  await cutAndResubscribe({ t, name: "Apollo", send, inbox, proxy, subscribe });
}

/** Where the access token goes: an operation's context headers, read by HttpLink. */
function authContext() {
  const context = { token: "", auth: () => ({ headers: { authorization: `Bearer ${context.token}` } }) };
  return context;
}

test("Apollo HttpLink (multipart subscriptions): network cut, subscribe again with after", { timeout: 60_000 }, async (t) => {
  const proxy = await startProxy(server.port);
  t.after(() => proxy.close());
  const client = new ApolloClient({ link: new HttpLink({ uri: proxy.url }), cache: new InMemoryCache() });
  t.after(() => client.stop());
  await scenario(t, client, proxy, authContext());
  assert.equal(proxy.requests(/accept: multipart\/mixed;[^\r]*subscriptionSpec=1\.0/i).length, 2, "both streams asked for multipart");
});

// graphql-sse would retry the cut stream by itself with the link's first
// request (after: its first value) and so lose what was sent meanwhile;
// retryAttempts: 0 hands the drop to Apollo, and the app resumes from its
// last cursor.
test("Apollo graphql-sse link: network cut, subscribe again with after", { timeout: 60_000 }, async (t) => {
  const proxy = await startProxy(server.port);
  t.after(() => proxy.close());
  const context = authContext();
  const sse = new SSELink({
    url: proxy.url,
    singleConnection: false,
    retryAttempts: 0,
    headers: () => ({ Authorization: `Bearer ${context.token}` }),
  });
  t.after(() => sse.client.dispose());
  const isSubscription = ({ query, operationName }) =>
    getOperationAST(query, operationName)?.operation === OperationTypeNode.SUBSCRIPTION;
  const client = new ApolloClient({
    link: split(isSubscription, sse, new HttpLink({ uri: proxy.url })),
    cache: new InMemoryCache(),
  });
  t.after(() => client.stop());
  await scenario(t, client, proxy, context);
  assert.equal(proxy.requests(/accept: text\/event-stream/i).length, 2, "both streams went over graphql-sse");
});
