/**
 * Who is calling, resolved once per request from one of two sources:
 *
 * - `Authorization: Bearer <credential>` (third-party clients, scripts,
 *   GraphiQL, and the development identity): a Clerk session token
 *   (lib/auth/verify.ts), an API key of a person or an OAuth access token
 *   issued to an app on a person's behalf (lib/auth/machine.ts; the
 *   development identity's keys in lib/api-keys/local.ts);
 * - the Clerk session of our own frontend, which clerkMiddleware has already
 *   verified; the web layer reads it with auth() and passes it in, because
 *   lib/ knows nothing of Next.js.
 *
 * A Bearer header wins over a cookie session: a client that sends one means
 * it. A signed-in caller always has a users row by the time this returns,
 * whatever credential they used: an API key acts as its owner, under RLS as
 * them, and counts as them (userId) for anything per-person.
 */
import { createLocalApiKeyVerifier } from "@/lib/api-keys/local";
import { DevIdentityInProductionError } from "@/lib/auth/dev-identity";
import { createClerkMachineVerifier, isMachineCredential } from "@/lib/auth/machine";
import { postoraScopes, SCOPES, type CredentialKind, type Scope } from "@/lib/auth/scopes";
import { bearerToken, createTokenVerifier, TokenRejectedError, verifierConfigFor, type TokenVerifier, type VerifiedSession } from "@/lib/auth/verify";
import type { DbIdentity } from "@/lib/db/client";
import type { Env } from "@/lib/env";
import { UnauthenticatedError } from "@/lib/errors";
import { clerkDirectoryFor, type ClerkDirectory } from "@/lib/users/profile";
import { provisionUser } from "@/lib/users/provision";

/** A signed-in caller: their Clerk identity (for RLS) and their users row. */
export type Caller = DbIdentity & {
  /** users.id */
  userId: string;
  clerkUserId: string;
  email: string;
  sessionId: string | null;
  /** How they proved who they are. */
  credential: CredentialKind;
  /** The API key's or OAuth access token's id (never its secret); null for a session. */
  keyId: string | null;
  /** What this credential may do: a session has every scope, a key or token the ones it was issued with. */
  scopes: readonly Scope[];
  /** The OAuth application a token was issued to; null otherwise. */
  oauthClientId: string | null;
};

/** A verified credential: who it acts for, and what it may do. */
type VerifiedCredential = VerifiedSession & {
  credential: CredentialKind;
  keyId: string | null;
  scopes: readonly Scope[];
  oauthClientId: string | null;
};

/** Verifies API keys and OAuth access tokens (anything Clerk's SDK recognises as a machine token). */
type MachineCredentialVerifier = (token: string) => Promise<VerifiedCredential>;

const asSession = (session: VerifiedSession): VerifiedCredential => ({
  ...session,
  credential: "session",
  keyId: null,
  scopes: SCOPES,
  oauthClientId: null,
});

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
  /** API keys and OAuth access tokens. Without it they are refused. */
  machineVerifier?: MachineCredentialVerifier;
  directory: ClerkDirectory | null;
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
    let session: VerifiedCredential;
    if (authorization && authorization.trim() !== "") {
      const token = bearerToken(authorization);
      if (isMachineCredential(token)) {
        if (!options.machineVerifier) throw new UnauthenticatedError("This server accepts only Clerk session tokens.");
        session = await options.machineVerifier(token);
      } else {
        session = asSession(await (await getVerifier())(token));
      }
    } else if (frontendSession?.status === "signed-in") {
      session = asSession(frontendSession);
    } else if (frontendSession?.status === "rejected") {
      throw new TokenRejectedError(
        `Your Clerk session was not accepted (${frontendSession.reason}). Refresh the page to renew it, or sign in again.`,
        frontendSession.reason,
      );
    } else {
      return null;
    }
    const user = await provisionUser({ clerkUserId: session.clerkUserId, email: session.email }, options.directory);
    return {
      userId: user.id,
      clerkUserId: session.clerkUserId,
      email: user.email,
      sessionId: session.sessionId,
      credential: session.credential,
      keyId: session.keyId,
      scopes: session.scopes,
      oauthClientId: session.oauthClientId,
    };
  };
}

export type AuthenticatorForOptions = {
  /** Clerk's Backend API (tests point it at a local stand-in). Default: Clerk's own. */
  clerkApiUrl?: string;
};

/** API keys and OAuth access tokens as this configuration verifies them: through Clerk, or the local keys. */
function machineVerifierFor(env: Env, options: AuthenticatorForOptions = {}): MachineCredentialVerifier {
  if (env.clerk) {
    const verify = createClerkMachineVerifier({
      secretKey: env.clerk.secretKey,
      publishableKey: env.clerk.publishableKey,
      jwtKey: env.clerk.jwtKey,
      apiUrl: options.clerkApiUrl,
    });
    return async (token) => {
      const machine = await verify(token);
      return {
        clerkUserId: machine.clerkUserId,
        sessionId: null,
        email: null,
        credential: machine.kind,
        keyId: machine.keyId,
        scopes: postoraScopes(machine.grantedScopes),
        oauthClientId: machine.clientId,
      };
    };
  }
  if (env.isProduction || !env.devIdentity) throw new DevIdentityInProductionError();
  const lookup = createLocalApiKeyVerifier(env);
  return async (token) => {
    if (!token.startsWith("ak_")) {
      throw new UnauthenticatedError(
        "OAuth access tokens and machine tokens are issued by Clerk, and this server runs the development identity (no Clerk keys). Use an API key (createApiKey) or `npm run token`.",
      );
    }
    const found = await lookup(token);
    if (found.status === "unknown") {
      throw new TokenRejectedError("Your API key was not accepted: no such key exists (it was never issued here, or its owner was deleted). Create one with createApiKey.", "token-invalid");
    }
    if (found.status === "revoked") {
      throw new TokenRejectedError(`Your API key ${found.keyId} was revoked at ${found.revokedAt.toISOString()}. Create a new one with createApiKey.`, "token-invalid");
    }
    return {
      clerkUserId: found.key.clerkUserId,
      sessionId: null,
      email: found.key.email,
      credential: "api_key",
      keyId: found.key.keyId,
      scopes: found.key.scopes,
      oauthClientId: null,
    };
  };
}

/** The authenticator for this process's configuration: Clerk, or the development identity. */
export function authenticatorFor(env: Env, options: AuthenticatorForOptions = {}): Authenticator {
  let machine: MachineCredentialVerifier | undefined;
  return createAuthenticator({
    verifier: async () => createTokenVerifier(await verifierConfigFor(env)),
    // Built on first use, like the session verifier, so a misconfiguration surfaces as that request's error.
    machineVerifier: (token) => (machine ??= machineVerifierFor(env, options))(token),
    directory: clerkDirectoryFor(env, options.clerkApiUrl),
  });
}
