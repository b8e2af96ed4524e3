"use client";
/**
 * The dashboard's client-side providers: the session, and urql talking to
 * our own /api/graphql with the session's Bearer token: queries and
 * mutations over fetch, subscriptions over Server-Sent Events (graphql-sse,
 * distinct connections, as Yoga serves them). (ClerkProvider, when Clerk is
 * configured, wraps these in app/layout.tsx.)
 */
import { cacheExchange, createClient, fetchExchange, mapExchange, ssrExchange, subscriptionExchange, UrqlProvider } from "@urql/next";
import { createClient as createSseClient } from "graphql-sse";
import { useMemo, type ReactNode } from "react";
import { SessionProvider, useSession, type IdentityMode } from "@/app/ui/session";

function isUnauthenticated(error: { graphQLErrors: { extensions?: Record<string, unknown> }[]; response?: unknown }): boolean {
  return error.graphQLErrors.some((e) => e.extensions?.code === "UNAUTHENTICATED");
}

function GraphQLProvider({ children }: { children: ReactNode }) {
  const session = useSession();
  const [client, ssr] = useMemo(() => {
    const ssr = ssrExchange({ isClient: typeof window !== "undefined" });
    const authorization = async (): Promise<Record<string, string>> => {
      const token = await session.getToken();
      return token ? { authorization: `Bearer ${token}` } : {};
    };
    // Each subscription is its own SSE request; a fresh token is sent whenever one (re)opens.
    // A stream that cannot open gives up after two retries, and its page falls back to polling.
    const sse = createSseClient({ url: "/api/graphql", headers: authorization, retryAttempts: 2 });
    const client = createClient({
      url: "/api/graphql",
      // Pages render on the client: who is calling is only known there.
      suspense: false,
      exchanges: [
        cacheExchange,
        ssr,
        mapExchange({
          onError(error) {
            if (isUnauthenticated(error)) session.expire();
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
        for (const [name, value] of Object.entries(await authorization())) headers.set(name, value);
        return fetch(input, { ...init, headers });
      },
    });
    return [client, ssr] as const;
  }, [session]);
  return (
    <UrqlProvider client={client} ssr={ssr}>
      {children}
    </UrqlProvider>
  );
}

export function Providers({ mode, children }: { mode: IdentityMode; children: ReactNode }) {
  return (
    <SessionProvider mode={mode}>
      <GraphQLProvider>{children}</GraphQLProvider>
    </SessionProvider>
  );
}
