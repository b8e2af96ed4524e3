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

export async function clerkSessionOf(request: Request): Promise<FrontendSession | null> {
  // The development identity has no Clerk: proxy.ts does not run clerkMiddleware, and auth() would throw.
  if (!getEnv().clerk) return null;
  // A Bearer token is verified by lib/auth itself, strictly: clerkMiddleware would treat a bad one as signed out.
  if (request.headers.get("authorization")?.trim()) return null;
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
