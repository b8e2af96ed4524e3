/**
 * Bearer tokens: Clerk session JWTs, checked by Clerk's own verifier
 * (signature, exp, nbf, iat, authorized party), networkless when a PEM key
 * is configured. The development identity goes through exactly this code
 * with its local key. A token that fails is an UNAUTHENTICATED error naming
 * what is wrong; it never degrades to an anonymous request.
 */
import { verifyToken } from "@clerk/backend";
import { TokenVerificationError } from "@clerk/backend/errors";
import { DEV_ISSUER, DevIdentityInProductionError, DEV_AUTHORIZED_PARTY, devSigningKey } from "@/lib/auth/dev-identity";
import { AppError, UnauthenticatedError } from "@/lib/errors";
import type { Env } from "@/lib/env";
import { logger } from "@/lib/log";

const log = logger.child({ source: "auth" });

/** Who a verified token says is calling. */
export type VerifiedSession = {
  clerkUserId: string;
  sessionId: string | null;
  /** The `email` claim, present when Clerk's session token is customised to carry it. */
  email: string | null;
};

export type VerifierConfig = {
  /** PEM public key: networkless verification. Without it Clerk's JWKS is fetched with secretKey. */
  jwtKey: string | null;
  secretKey: string | null;
  /** Allowed `azp` values (origins). Empty would allow any, so it is refused. */
  authorizedParties: string[];
  /** When set, only tokens from this issuer (the development identity's). */
  issuer?: string;
  /** Issuers refused outright: the development identity's, wherever Clerk is configured. */
  refusedIssuers?: string[];
  isProduction: boolean;
};

export type TokenVerifier = (token: string) => Promise<VerifiedSession>;

// Clerk's default; stated so a reader knows how much clock drift is tolerated.
const CLOCK_SKEW_MS = 5_000;

/** The verifier for this configuration: Clerk's keys, or the development identity's local key. */
export async function verifierConfigFor(env: Env): Promise<VerifierConfig> {
  if (env.clerk) {
    return {
      jwtKey: env.clerk.jwtKey,
      secretKey: env.clerk.secretKey,
      authorizedParties: env.clerk.authorizedParties,
      refusedIssuers: [DEV_ISSUER],
      isProduction: env.isProduction,
    };
  }
  // parseEnv already refuses production without Clerk; this keeps the auth module safe on its own.
  if (env.isProduction || !env.devIdentity) throw new DevIdentityInProductionError();
  const key = await devSigningKey(env);
  return {
    jwtKey: key.publicKeyPem,
    secretKey: null,
    authorizedParties: [DEV_AUTHORIZED_PARTY],
    issuer: DEV_ISSUER,
    isProduction: false,
  };
}

/** Splits `Authorization: Bearer <token>`; anything else there is a client error, not anonymity. */
export function bearerToken(header: string): string {
  const match = /^Bearer[ ]+([A-Za-z0-9._~+/=-]+)\s*$/i.exec(header.trim());
  if (!match) {
    throw new UnauthenticatedError(
      "The Authorization header must be `Bearer <token>` with a Clerk session token, an API key or an OAuth access token. Send no Authorization header to call anonymously.",
    );
  }
  return match[1]!;
}

export function createTokenVerifier(config: VerifierConfig): TokenVerifier {
  if (config.authorizedParties.length === 0) {
    throw new Error("Token verification needs at least one authorized party (CLERK_AUTHORIZED_PARTIES or APP_URL).");
  }
  return async (token) => {
    let claims: Record<string, unknown>;
    try {
      claims = (await verifyToken(token, {
        jwtKey: config.jwtKey ?? undefined,
        secretKey: config.secretKey ?? undefined,
        authorizedParties: config.authorizedParties,
        issuer: config.issuer,
        clockSkewInMs: CLOCK_SKEW_MS,
      })) as Record<string, unknown>;
    } catch (error) {
      throw rejection(error, config, token);
    }
    if (typeof claims.iss === "string" && config.refusedIssuers?.includes(claims.iss)) {
      throw new UnauthenticatedError(
        config.isProduction
          ? "Development tokens are never accepted in production. Sign in through Clerk."
          : "This is a development-identity token, but this server verifies Clerk session tokens. Sign in through Clerk.",
      );
    }
    const sub = claims.sub;
    if (typeof sub !== "string" || sub.trim() === "") {
      throw new UnauthenticatedError("The session token names no user (its `sub` claim is empty). Use a Clerk session token.");
    }
    // Clerk's own auth() treats a pending session (sign-in tasks unfinished) as signed out; so do we.
    if (claims.sts === "pending") {
      throw new UnauthenticatedError("Your Clerk session is pending: finish signing in (the remaining session tasks), then retry.");
    }
    const email = typeof claims.email === "string" && claims.email.trim() !== "" ? claims.email.trim() : null;
    return { clerkUserId: sub, sessionId: typeof claims.sid === "string" ? claims.sid : null, email };
  };
}

// Failures of ours (no key, Clerk unreachable), not of the caller's token.
const serverSideReasons = new Set(["secret-key-invalid", "jwk-local-missing", "jwk-remote-failed-to-load", "jwk-remote-invalid", "jwk-failed-to-resolve"]);

function rejection(error: unknown, config: VerifierConfig, token: string): AppError {
  if (!(error instanceof TokenVerificationError)) {
    log.error("token verification failed unexpectedly", { error });
    return new AppError("SERVICE_UNAVAILABLE", "Your session could not be verified right now. Retry shortly.");
  }
  const reason = String(error.reason);
  if (serverSideReasons.has(reason)) {
    log.error("cannot verify session tokens", { reason, message: error.message });
    return new AppError("SERVICE_UNAVAILABLE", "Your session could not be verified right now (the server cannot reach its signing keys). Retry shortly.");
  }
  const fresh = config.issuer === DEV_ISSUER ? "mint a new one with `npm run token`" : "get a fresh one from Clerk (`getToken()`)";
  const messages: Record<string, string> = {
    "token-expired": `Your session token has expired: ${fresh} and retry.`,
    "token-not-active-yet": "Your session token is not valid yet (its `nbf` is in the future). Check the clock of the machine that issued it.",
    "token-iat-in-the-future": "Your session token claims to be issued in the future. Check the clock of the machine that issued it.",
    "token-invalid-signature": `Your session token's signature does not verify: it was not signed by this application's ${config.issuer === DEV_ISSUER ? "development key" : "Clerk instance"}.`,
    "jwk-kid-mismatch": "Your session token was signed by a key this application does not know. Use a token from this application's Clerk instance.",
    "jwk-remote-missing": "Your session token was signed by a key this application does not know. Use a token from this application's Clerk instance.",
    "token-invalid-authorized-parties": `Your session token was issued to ${JSON.stringify(authorizedPartyOf(token) ?? "no authorized party")}, which this API does not accept. Get a token from an allowed origin.`,
    "token-invalid-issuer": `This token was not issued by this server's development identity: ${fresh}.`,
    "token-invalid-algorithm": "Your session token uses a signing algorithm this API does not accept. Use a Clerk session token.",
  };
  return new TokenRejectedError(
    messages[reason] ?? "The Bearer token is not a valid Clerk session token (it could not be decoded or is missing required claims).",
    reason,
  );
}

/** UNAUTHENTICATED with Clerk's reason (e.g. "token-expired") in the error's extensions, for clients to branch on. */
export class TokenRejectedError extends UnauthenticatedError {
  constructor(message: string, reason: string) {
    super(message);
    Object.assign(this.details, { reason });
  }
}

/** The token's azp, for the error message only (the token has already been refused). */
function authorizedPartyOf(token: string): string | null {
  try {
    const payload = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8")) as { azp?: unknown };
    return typeof payload.azp === "string" ? payload.azp : null;
  } catch {
    return null;
  }
}
