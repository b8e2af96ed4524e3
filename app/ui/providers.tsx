"use client";
/**
 * The dashboard's client-side providers: the session, and urql talking to
 * our own /api/graphql with the session's Bearer token (the client itself,
 * with its live streams, is app/ui/graphql-client.ts). (ClerkProvider, when
 * Clerk is configured, wraps these in app/layout.tsx.)
 */
import { ssrExchange, UrqlProvider } from "@urql/next";
import { useMemo, type ReactNode } from "react";
import { createDashboardClient } from "@/app/ui/graphql-client";
import { SessionProvider, useSession, type IdentityMode } from "@/app/ui/session";

function GraphQLProvider({ children }: { children: ReactNode }) {
  const session = useSession();
  const [client, ssr] = useMemo(() => {
    const ssr = ssrExchange({ isClient: typeof window !== "undefined" });
    const client = createDashboardClient({
      url: "/api/graphql",
      authorization: async (): Promise<Record<string, string>> => {
        const token = await session.getToken();
        return token ? { authorization: `Bearer ${token}` } : {};
      },
      onUnauthenticated: () => session.expire(),
      exchanges: [ssr],
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
