/**
 * The dashboard's urql client, without React: queries and mutations over
 * fetch, subscriptions over Server-Sent Events (graphql-sse, distinct
 * connections, as Yoga serves them), and one rule that ties them together:
 * when a stream drops and graphql-sse opens it again, every query on screen
 * is read again once, so what changed while the stream was down is not
 * missed (the server's events only say what changes from then on).
 */
import { cacheExchange, createClient, fetchExchange, mapExchange, subscriptionExchange, type Client, type Exchange, type Operation } from "urql";
import { createClient as createSseClient } from "graphql-sse";

type CombinedErrorLike = { graphQLErrors: { extensions?: Record<string, unknown> }[] };

export type DashboardClientOptions = {
  url: string;
  /** Headers naming the caller (`authorization: Bearer …`), asked afresh for each request and each stream (re)opening. */
  authorization: () => Promise<Record<string, string>>;
  /** The API refused the session (UNAUTHENTICATED). */
  onUnauthenticated: () => void;
  /** Extra exchanges ahead of the network (the SSR exchange). */
  exchanges?: Exchange[];
  fetch?: typeof fetch;
  /** graphql-sse's wait before retry n (default: its randomised exponential backoff). */
  retry?: (retries: number) => Promise<void>;
};

/** Retries after a dropped or refused stream; past them, the subscription errors and its page falls back to polling. */
const STREAM_RETRIES = 2;

export function createDashboardClient(options: DashboardClientOptions): Client {
  const fetchFn = options.fetch ?? ((input, init) => fetch(input, init));
  // Queries on screen right now, by key: what a reconnect reads again.
  const watched = new Map<number, Operation>();
  // Called only once a stream has reopened, so long after `client` below exists.
  const rereadOnScreen = () => {
    for (const operation of watched.values()) {
      client.reexecuteOperation(client.createRequestOperation("query", operation, { ...operation.context, requestPolicy: "network-only" }));
    }
  };

  // Each subscription is its own SSE request; a fresh token is sent whenever one (re)opens.
  const sse = createSseClient({
    url: options.url,
    headers: options.authorization,
    fetchFn,
    retryAttempts: STREAM_RETRIES,
    ...(options.retry ? { retry: options.retry } : {}),
    on: {
      connected(reconnected) {
        if (reconnected) rereadOnScreen();
      },
    },
  });

  const client: Client = createClient({
    url: options.url,
    // Pages render on the client: who is calling is only known there.
    suspense: false,
    exchanges: [
      cacheExchange,
      ...(options.exchanges ?? []),
      mapExchange({
        onOperation(operation) {
          if (operation.kind === "query") watched.set(operation.key, operation);
          else if (operation.kind === "teardown") watched.delete(operation.key);
        },
        onError(error: CombinedErrorLike) {
          if (error.graphQLErrors.some((e) => e.extensions?.code === "UNAUTHENTICATED")) options.onUnauthenticated();
        },
      }),
      fetchExchange,
      subscriptionExchange({
        forwardSubscription: (request) => ({
          subscribe: (sink) => ({ unsubscribe: sse.subscribe({ ...request, query: request.query ?? "" }, sink) }),
        }),
      }),
    ],
    fetch: async (input, init) => {
      const headers = new Headers(init?.headers);
      for (const [name, value] of Object.entries(await options.authorization())) headers.set(name, value);
      return fetchFn(input, { ...init, headers });
    },
  });
  return client;
}
