"use client";
/**
 * Who the dashboard is signed in as, and how to get a Bearer token for the
 * API. Two modes, chosen by the server (app/layout.tsx):
 *
 * - "clerk": Clerk's session; tokens come from Clerk's getToken().
 * - "development": the development identity; the sign-in form gets a token
 *   from /api/dev-identity/token and keeps it in this tab's sessionStorage.
 *
 * Either way the API sees `Authorization: Bearer …`, exactly what a
 * third-party client sends.
 */
import { useAuth, useClerk } from "@clerk/nextjs";
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";

export type IdentityMode = "clerk" | "development";

export type Session = {
  mode: IdentityMode;
  /** null while the session is being read (first render), then true or false. */
  signedIn: boolean | null;
  /** The signed-in development user, for display; null in Clerk mode. */
  devUser: { clerkUserId: string; email: string } | null;
  getToken: () => Promise<string | null>;
  signOut: () => Promise<void>;
  /** The API refused the session: keep the page's drafts and go to sign-in. */
  expire: () => void;
};

const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession must be used inside <SessionProvider>.");
  return session;
}

const DEV_SESSION_KEY = "postora.devSession";

type DevSession = { token: string; expiresAt: string; clerkUserId: string; email: string };

function readDevSession(): DevSession | null {
  try {
    const raw = window.sessionStorage.getItem(DEV_SESSION_KEY);
    if (!raw) return null;
    const session = JSON.parse(raw) as DevSession;
    return new Date(session.expiresAt).getTime() > Date.now() ? session : null;
  } catch {
    return null;
  }
}

export function storeDevSession(session: DevSession): void {
  window.sessionStorage.setItem(DEV_SESSION_KEY, JSON.stringify(session));
}

function signInUrl(): string {
  const here = `${window.location.pathname}${window.location.search}`;
  return here.startsWith("/sign-in") ? "/sign-in" : `/sign-in?next=${encodeURIComponent(here)}`;
}

function DevSessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<DevSession | null | undefined>(undefined);
  useEffect(() => setSession(readDevSession()), []);
  const value = useMemo<Session>(
    () => ({
      mode: "development",
      signedIn: session === undefined ? null : session !== null,
      devUser: session ? { clerkUserId: session.clerkUserId, email: session.email } : null,
      getToken: async () => readDevSession()?.token ?? null,
      signOut: async () => {
        window.sessionStorage.removeItem(DEV_SESSION_KEY);
        await fetch("/api/dev-identity/token", { method: "DELETE" }).catch(() => {});
        setSession(null);
        window.location.assign("/sign-in");
      },
      expire: () => {
        window.sessionStorage.removeItem(DEV_SESSION_KEY);
        window.location.assign(signInUrl());
      },
    }),
    [session],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

function ClerkSessionProvider({ children }: { children: ReactNode }) {
  const { isLoaded, isSignedIn, getToken } = useAuth();
  const clerk = useClerk();
  const token = useCallback(() => getToken(), [getToken]);
  const value = useMemo<Session>(
    () => ({
      mode: "clerk",
      signedIn: isLoaded ? Boolean(isSignedIn) : null,
      devUser: null,
      getToken: token,
      signOut: () => clerk.signOut({ redirectUrl: "/sign-in" }),
      expire: () => window.location.assign(signInUrl()),
    }),
    [isLoaded, isSignedIn, token, clerk],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function SessionProvider({ mode, children }: { mode: IdentityMode; children: ReactNode }) {
  return mode === "clerk" ? <ClerkSessionProvider>{children}</ClerkSessionProvider> : <DevSessionProvider>{children}</DevSessionProvider>;
}
