/**
 * Whether a caller's credential still stands, asked again and again by what
 * outlives one request (a live stream, lib/live/stream.ts).
 *
 * - The account: the caller's users row still exists (user.deleted purges it).
 * - A Clerk session: Clerk's Backend API says the session (its id, the
 *   token's `sid`) is still active. The session token itself lasts a minute
 *   and is refreshed by the browser; a stream must not end with it.
 * - An API key or an OAuth access token: it is verified again, as a request
 *   would verify it, so a revoked one stops passing.
 *
 * The development identity has no sessions to end: only the account counts.
 * A check that could not be made (Clerk or the database unreachable) throws;
 * the caller decides (a stream checks again later).
 */
import { createClerkClient } from "@clerk/backend";
import { isClerkAPIResponseError } from "@clerk/backend/errors";
import type { Authenticator, Caller } from "@/lib/auth/caller";
import { asService } from "@/lib/db/client";
import type { Env } from "@/lib/env";
import { AppError } from "@/lib/errors";

export type Verdict = { allowed: true } | { allowed: false; reason: string };

export type CredentialCheck = (caller: Caller, authorization: string | null) => Promise<Verdict>;

export function credentialCheckFor(env: Env, authenticate: Authenticator, options: { clerkApiUrl?: string } = {}): CredentialCheck {
  let clerk: ReturnType<typeof createClerkClient> | undefined;
  const sessionActive = async (sessionId: string): Promise<boolean> => {
    clerk ??= createClerkClient({ secretKey: env.clerk!.secretKey, publishableKey: env.clerk!.publishableKey, apiUrl: options.clerkApiUrl });
    try {
      return (await clerk.sessions.getSession(sessionId)).status === "active";
    } catch (error) {
      if (isClerkAPIResponseError(error) && error.status === 404) return false;
      throw error;
    }
  };

  return async (caller, authorization) => {
    const [user] = await asService((sql) => sql<{ id: string }[]>`select id from users where id = ${caller.userId}`);
    if (!user) return { allowed: false, reason: "your account was deleted." };
    if (caller.credential === "session") {
      if (env.clerk && caller.sessionId && !(await sessionActive(caller.sessionId))) {
        return { allowed: false, reason: "your Clerk session ended (signed out, revoked or expired)." };
      }
      return { allowed: true };
    }
    try {
      const again = await authenticate({ authorization });
      if (again?.userId === caller.userId) return { allowed: true };
    } catch (error) {
      if (!(error instanceof AppError && error.code === "UNAUTHENTICATED")) throw error;
    }
    return { allowed: false, reason: `your ${caller.credential === "api_key" ? "API key" : "OAuth access token"} was revoked or has expired.` };
  };
}
