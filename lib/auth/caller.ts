/**
 * Who is calling, resolved once per request from one of two sources:
 *
 * - `Authorization: Bearer <token>` (third-party clients, scripts, GraphiQL,
 *   and the development identity), verified in lib/auth/verify.ts;
 * - the Clerk session of our own frontend, which clerkMiddleware has already
 *   verified; the web layer reads it with auth() and passes it in, because
 *   lib/ knows nothing of Next.js.
 *
 * A Bearer header wins over a cookie session: a client that sends one means
 * it. A signed-in caller always has a users row by the time this returns.
 */
import { bearerToken, createTokenVerifier, TokenRejectedError, verifierConfigFor, type TokenVerifier, type VerifiedSession } from "@/lib/auth/verify";
import type { DbIdentity, Sql } from "@/lib/db/client";
import type { Env } from "@/lib/env";
import { clerkDirectoryFor, type ClerkDirectory } from "@/lib/users/profile";
import { provisionUser } from "@/lib/users/sync";

/** A signed-in caller: their Clerk identity (for RLS) and their users row. */
export type Caller = DbIdentity & {
  /** users.id */
  userId: string;
  clerkUserId: string;
  email: string;
  sessionId: string | null;
};

/** What clerkMiddleware concluded about the request's session cookie. */
export type FrontendSession =
  | { status: "signed-in"; clerkUserId: string; sessionId: string | null; email: string | null }
  /** A session cookie was sent but Clerk refused it (expired, invalid): not the same as no cookie. */
  | { status: "rejected"; reason: string };

type CallerSource = {
  authorization: string | null;
  frontendSession?: FrontendSession | null;
};

export type Authenticator = (source: CallerSource) => Promise<Caller | null>;

export type AuthenticatorOptions = {
  /** Builds the verifier on first use (the development key may have to be created first). */
  verifier: () => Promise<TokenVerifier>;
  directory: ClerkDirectory | null;
  /** The database to provision into (tests pass their own pool). */
  db?: Sql;
};

export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  let verifier: Promise<TokenVerifier> | null = null;
  const getVerifier = () => {
    if (!verifier) {
      verifier = options.verifier();
      // A failed set-up (say, an unreadable key file) is retried by the next request.
      verifier.catch(() => (verifier = null));
    }
    return verifier;
  };

  return async ({ authorization, frontendSession }) => {
    let session: VerifiedSession;
    if (authorization && authorization.trim() !== "") {
      const token = bearerToken(authorization);
      session = await (await getVerifier())(token);
    } else if (frontendSession?.status === "signed-in") {
      session = frontendSession;
    } else if (frontendSession?.status === "rejected") {
      throw new TokenRejectedError(
        `Your Clerk session was not accepted (${frontendSession.reason}). Refresh the page to renew it, or sign in again.`,
        frontendSession.reason,
      );
    } else {
      return null;
    }
    const user = await provisionUser({ clerkUserId: session.clerkUserId, email: session.email }, options.directory, options.db);
    return { userId: user.id, clerkUserId: session.clerkUserId, email: user.email, sessionId: session.sessionId };
  };
}

/** The authenticator for this process's configuration: Clerk, or the development identity. */
export function authenticatorFor(env: Env): Authenticator {
  return createAuthenticator({
    verifier: async () => createTokenVerifier(await verifierConfigFor(env)),
    directory: clerkDirectoryFor(env),
  });
}
