// The app's one GraphQL client: urql's core for queries and mutations (POST
// and GET to the endpoint with the Bearer token), and graphql-sse (distinct
// connections) for subscriptions through urql's subscriptionExchange. Made by
// initApi, which main.tsx calls with the page's endpoint.
//
// graphql-sse sends the same payload object again when it retries after a
// dropped connection, so the exchange keeps `after` in that payload at the
// last `extensions.cursor` it saw: a retry resumes exactly where the stream
// stopped, with nothing missed and nothing twice (README, "Clients").
import { Client, fetchExchange, subscriptionExchange, type OperationContext } from "@urql/core";
import { createClient as createSSEClient } from "graphql-sse";

let token = "";

/** Sets the access token sent with every request from now on ("" for none). */
export function setToken(value: string): void {
  token = value;
}

const authHeaders = (): Record<string, string> => (token ? { Authorization: `Bearer ${token}` } : {});

/** Waits before graphql-sse's next retry: exponential, capped at 8 s, jittered. */
function backoff(retries: number): Promise<void> {
  const ms = Math.min(500 * 2 ** retries, 8_000) * (0.75 + Math.random() / 2);
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * What a subscription's caller may put in its urql context: told when its
 * stream is (re)connected, and of every cursor it passes.
 */
export interface StreamContext extends Partial<OperationContext> {
  onConnected?: (reconnected: boolean) => void;
  onCursor?: (cursor: string) => void;
}

/** The client, once initApi has made it. */
export let client: Client;

/** Makes the client for the GraphQL endpoint at url. */
export function initApi(url: string): void {
  const sse = createSSEClient({
    url,
    singleConnection: false,
    headers: authHeaders,
    retryAttempts: Number.POSITIVE_INFINITY,
    retry: backoff,
  });
  client = new Client({
    url,
    requestPolicy: "network-only",
    preferGetMethod: false,
    fetchOptions: () => ({ headers: authHeaders() }),
    exchanges: [
      fetchExchange,
      subscriptionExchange({
        forwardSubscription(request, operation) {
          const ctx = operation.context as StreamContext;
          const payload = {
            query: request.query ?? "",
            variables: { ...(request.variables as Record<string, unknown>) },
          };
          return {
            subscribe(sink) {
              const dispose = sse.subscribe<unknown, { cursor?: string }>(
                payload,
                {
                  next(result) {
                    const cursor = result.extensions?.cursor;
                    if (cursor) {
                      payload.variables.after = cursor; // what a retry sends
                      ctx.onCursor?.(cursor);
                    }
                    sink.next(result as never);
                  },
                  error: (err) => sink.error(err),
                  complete: () => sink.complete(),
                },
                { connected: (reconnected) => ctx.onConnected?.(reconnected) },
              );
              return { unsubscribe: dispose };
            },
          };
        },
      }),
    ],
  });
}

/** What urql reports of a failed operation. */
export interface Failure {
  message: string;
  networkError?: Error;
  graphQLErrors?: { message: string; extensions?: Record<string, unknown> }[];
}

/** The error code of a GraphQL error (extensions.code), or "NETWORK". */
export function errorCode(error: Failure): string {
  if (error.networkError) return "NETWORK";
  const code = error.graphQLErrors?.[0]?.extensions?.code;
  return typeof code === "string" ? code : "ERROR";
}

/** The words to show for a failure. */
export function errorMessage(error: Failure | undefined): string {
  if (error && errorCode(error) === "NETWORK") return "No network: try again when back online.";
  return error?.graphQLErrors?.[0]?.message ?? error?.message ?? "Something went wrong.";
}
