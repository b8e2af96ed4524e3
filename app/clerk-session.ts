/**
 * The Clerk session of our own frontend, as clerkMiddleware (proxy.ts)
 * verified it, in the shape lib/auth expects. Next.js-specific, so it lives
 * here and is passed down; lib/ never imports @clerk/nextjs.
 */
import { constants } from "@clerk/backend/internal";
import { auth } from "@clerk/nextjs/server";
import type { FrontendSession } from "@/lib/auth/caller";
import { getEnv } from "@/lib/env";

// Clerk's reasons for refusing a session token it was sent, as opposed to there being none
// (it adds suffixes, e.g. "session-token-expired-refresh-non-eligible-non-get").
const refusedToken = /^(?:token-|session-token-(?:expired|nbf|iat))/;

function hasSessionCookie(request: Request): boolean {
  return /(?:^|;\s*)__session(?:_[A-Za-z0-9_-]+)?=[^;]/.test(request.headers.get("cookie") ?? "");
}

/**
 * Whether a request can have a Clerk session for us to read: pages always
 * (Clerk may need to refresh one), API requests only with a session cookie
 * and no Bearer token. proxy.ts runs clerkMiddleware exactly when this holds.
 */
export function needsClerkSession(request: Request): boolean {
  // A Bearer token is verified by lib/auth itself, strictly: clerkMiddleware would treat a bad one as signed out.
  if (request.headers.get("authorization")?.trim()) return false;
  if (!new URL(request.url).pathname.startsWith("/api/")) return true;
  return hasSessionCookie(request);
}

export async function clerkSessionOf(request: Request): Promise<FrontendSession | null> {
  // The development identity has no Clerk: proxy.ts does not run clerkMiddleware, and auth() would throw.
  if (!getEnv().clerk) return null;
  // No session to read, and proxy.ts did not run clerkMiddleware (auth() would throw).
  if (!needsClerkSession(request)) return null;
  const session = await auth();
  if (session.userId) {
    const email = session.sessionClaims?.email;
    return {
      status: "signed-in",
      clerkUserId: session.userId,
      sessionId: session.sessionId,
      email: typeof email === "string" && email.trim() !== "" ? email.trim() : null,
    };
  }
  const reason = request.headers.get(constants.Headers.AuthReason);
  if (reason && refusedToken.test(reason) && hasSessionCookie(request)) {
    return { status: "rejected", reason };
  }
  return null;
}
