// The generated typed documents (gql/) as an application uses them, with
// @urql/core and Apollo Client. Never run: `make test-clients` type-checks it
// (tsc --noEmit -p tsconfig.json), so a change to schema/ or to
// operations.graphql that breaks the types, or stale gql/, fails the tests.
import { Client, cacheExchange, fetchExchange } from "@urql/core";
import { ApolloClient, InMemoryCache, HttpLink } from "@apollo/client";
import {
  SignUpDocument,
  StartDirectDocument,
  SendDocument,
  TicketDocument,
  MeDocument,
  OnMessageDocument,
  type OnMessageSubscription,
  type SignUpMutationVariables,
} from "../gql/graphql";

const signUp: SignUpMutationVariables = { input: { username: "bob", password: "correct horse battery" } };

export async function withUrql(url: string, token: string): Promise<string> {
  const client = new Client({
    url,
    exchanges: [cacheExchange, fetchExchange],
    fetchSubscriptions: true,
    fetchOptions: () => ({ headers: { authorization: `Bearer ${token}` } }),
  });
  const up = await client.mutation(SignUpDocument, signUp).toPromise();
  const newToken: string = up.data!.signUp.token;
  const created: string = up.data!.signUp.user.createdAt; // Time is a string
  const me = await client.query(MeDocument, {}).toPromise();
  const name: string = me.data!.me.username;
  const conv = await client.mutation(StartDirectDocument, { username: name }).toPromise();
  const sent = await client
    .mutation(SendDocument, { input: { conversationId: conv.data!.startDirectConversation.id, content: "hi" } })
    .toPromise();
  const seq: number = sent.data!.createMessage.seq;
  // @ts-expect-error content is required by CreateMessageInput
  client.mutation(SendDocument, { input: { conversationId: "1" } });
  // @ts-expect-error after is a String, not a number
  client.subscription(OnMessageDocument, { after: 1 });
  client.subscription(OnMessageDocument, { after: null }).subscribe((r) => {
    const m: OnMessageSubscription["messageCreated"] | undefined = r.data?.messageCreated;
    const at: string | undefined = m?.createdAt;
    void at;
  });
  return `${newToken} ${created} ${seq}`;
}

export async function withApollo(uri: string, token: string): Promise<string> {
  const apollo = new ApolloClient({
    cache: new InMemoryCache(),
    link: new HttpLink({ uri, headers: { authorization: `Bearer ${token}` } }),
  });
  const up = await apollo.mutate({ mutation: SignUpDocument, variables: signUp });
  const id: string = up.data!.signUp.user.id;
  const ticket = await apollo.mutate({ mutation: TicketDocument });
  const t: string = ticket.data!.createStreamTicket.ticket;
  const me = await apollo.query({ query: MeDocument });
  const name: string = me.data!.me.username;
  // @ts-expect-error signUp needs its input
  apollo.mutate({ mutation: SignUpDocument, variables: {} });
  apollo.subscribe({ query: OnMessageDocument, variables: { after: t } }).subscribe((r) => {
    const seq: number | undefined = r.data?.messageCreated.seq;
    void seq;
  });
  return `${id} ${name}`;
}
