"use client";
/**
 * The dashboard's client-side providers: the session, and urql talking to
 * our own /api/graphql with the session's Bearer token. (ClerkProvider, when
 * Clerk is configured, wraps these in app/layout.tsx.)
 */
import { cacheExchange, createClient, fetchExchange, mapExchange, ssrExchange, UrqlProvider } from "@urql/next";
import { useMemo, type ReactNode } from "react";
import { SessionProvider, useSession, type IdentityMode } from "@/app/ui/session";

function isUnauthenticated(error: { graphQLErrors: { extensions?: Record<string, unknown> }[]; response?: unknown }): boolean {
  return error.graphQLErrors.some((e) => e.extensions?.code === "UNAUTHENTICATED");
}

function GraphQLProvider({ children }: { children: ReactNode }) {
  const session = useSession();
  const [client, ssr] = useMemo(() => {
    const ssr = ssrExchange({ isClient: typeof window !== "undefined" });
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
      ],
      fetch: async (input, init) => {
        const token = await session.getToken();
        const headers = new Headers(init?.headers);
        if (token) headers.set("authorization", `Bearer ${token}`);
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
