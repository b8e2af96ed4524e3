/**
 * Clerk's machine credentials on behalf of a user: API keys (`ak_...`) and
 * OAuth access tokens Clerk issued to a third-party app (`oat_...`, or a JWT
 * typed `at+jwt`). Both are verified by Clerk's SDK, authenticateRequest
 * with acceptsToken, exactly as Clerk documents for resource servers:
 *
 * - API keys and opaque OAuth tokens are checked with Clerk's Backend API
 *   (POST /api_keys/verify, /oauth_applications/access_tokens/verify); the
 *   verdict is remembered for a short window (lib/auth/verdict-cache.ts), so
 *   a key revoked at Clerk is refused within it.
 * - JWT-format OAuth tokens are verified locally (CLERK_JWT_KEY, else the
 *   instance's JWKS), like session tokens: revoking one takes effect when it
 *   expires, which Clerk keeps short. Prefer opaque tokens where immediate
 *   revocation matters.
 *
 * Machine-to-machine tokens (`mt_`) and organisation API keys name no user,
 * so they are refused: every request must run under RLS as a person.
 */
import { createClerkClient } from "@clerk/backend";
import { isMachineTokenByPrefix, type AuthenticatedMachineObject } from "@clerk/backend/internal";
import { AppError, UnauthenticatedError } from "@/lib/errors";
import { logger } from "@/lib/log";

const log = logger.child({ source: "auth" });

const OAUTH_ACCESS_TOKEN_TYPES = new Set(["at+jwt", "application/at+jwt"]);
const M2M_SUBJECT_PREFIX = "mch_";
const jwtShape = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/**
 * Whether a Bearer credential is a machine token (an `ak_`/`oat_`/`mt_`
 * prefix, an OAuth access token JWT typed `at+jwt`, or an M2M JWT whose
 * subject is a machine), as Clerk's isMachineToken says for every
 * well-formed token. Clerk's decodes a JWT twice, in JavaScript, before a
 * session token is decoded a third time to be verified: about 3% of a list
 * request's CPU (BENCHMARKS.md). This decodes its header and payload once,
 * with Node's decoder. (A malformed token either way ends refused by the
 * verifier it goes to.)
 */
export function isMachineCredential(token: string): boolean {
  if (isMachineTokenByPrefix(token)) return true;
  if (!jwtShape.test(token)) return false;
  const [rawHeader, rawPayload] = token.split(".");
  let header: { typ?: unknown } | null;
  let payload: { sub?: unknown } | null;
  try {
    header = JSON.parse(Buffer.from(rawHeader!, "base64url").toString("utf8")) as { typ?: unknown } | null;
    payload = JSON.parse(Buffer.from(rawPayload!, "base64url").toString("utf8")) as { sub?: unknown } | null;
  } catch {
    return false;
  }
  const isOAuthAccessToken = header !== null && typeof header.typ === "string" && OAUTH_ACCESS_TOKEN_TYPES.has(header.typ);
  const isMachineToMachine = payload !== null && typeof payload.sub === "string" && payload.sub.startsWith(M2M_SUBJECT_PREFIX);
  return isOAuthAccessToken || isMachineToMachine;
}

/** Who a machine credential acts for, and what Clerk says it may do. */
type MachineCredential = {
  kind: "api_key" | "oauth_token";
  clerkUserId: string;
  /** The key's or the token's id at Clerk (never the secret). */
  keyId: string;
  /** Scopes exactly as Clerk granted them. */
  grantedScopes: string[];
  /** The OAuth application's client id, for OAuth tokens. */
  clientId: string | null;
};

export type ClerkMachineConfig = {
  secretKey: string;
  publishableKey: string;
  /** PEM key: JWT-format OAuth tokens then verify networkless. */
  jwtKey: string | null;
  /** Clerk's Backend API; tests point it at a local stand-in. Default: Clerk's own. */
  apiUrl?: string;
};

export type MachineVerifier = (token: string) => Promise<MachineCredential>;

// Our failures (a wrong CLERK_SECRET_KEY, Clerk unreachable), not the caller's credential.
const serverSideReasons = new Set(["secret-key-invalid", "unexpected-error", "jwk-remote-failed-to-load", "jwk-failed-to-resolve", "jwk-local-missing"]);

export function createClerkMachineVerifier(config: ClerkMachineConfig): MachineVerifier {
  const clerk = createClerkClient({
    secretKey: config.secretKey,
    publishableKey: config.publishableKey,
    jwtKey: config.jwtKey ?? undefined,
    apiUrl: config.apiUrl,
  });

  return async (token) => {
    // authenticateRequest reads the credential from a request, as Clerk's middleware would hand it over.
    const request = new Request("https://api.postora.invalid/api/graphql", { headers: { authorization: `Bearer ${token}` } });
    const state = await clerk.authenticateRequest(request, { acceptsToken: ["api_key", "oauth_token"] }).catch((error: unknown) => {
      log.error("machine token verification failed unexpectedly", { error });
      throw new AppError("SERVICE_UNAVAILABLE", "Your credential could not be verified right now. Retry shortly.");
    });

    if (!state.isAuthenticated) {
      const reason = String(state.reason ?? "token-invalid");
      if (serverSideReasons.has(reason)) {
        log.error("cannot verify machine tokens with Clerk", { reason, detail: state.message });
        throw new AppError("SERVICE_UNAVAILABLE", "Your credential could not be verified right now (Clerk did not answer as expected). Retry shortly.");
      }
      throw rejected(token, reason);
    }

    const auth = state.toAuth() as AuthenticatedMachineObject<"api_key" | "oauth_token">;
    if (auth.tokenType === "api_key") {
      if (!auth.userId) {
        throw new UnauthenticatedError("This API key belongs to an organization, not a person. Create a key of your own with the createApiKey mutation.");
      }
      return { kind: "api_key", clerkUserId: auth.userId, keyId: auth.id, grantedScopes: auth.scopes ?? [], clientId: null };
    }
    if (!auth.userId?.startsWith("user_")) {
      throw new UnauthenticatedError("This OAuth access token was not issued on behalf of a person. Ask the user to authorize your app with Clerk.");
    }
    return { kind: "oauth_token", clerkUserId: auth.userId, keyId: auth.id, grantedScopes: auth.scopes ?? [], clientId: auth.clientId ?? null };
  };
}

function rejected(token: string, reason: string): UnauthenticatedError {
  const what = token.startsWith("ak_") ? "API key" : "OAuth access token";
  const fix =
    what === "API key"
      ? "Create a new key (createApiKey) and use its secret."
      : "Get a new access token from Clerk (refresh it, or have the user authorize your app again).";
  const message =
    reason === "token-type-mismatch"
      ? "This token is neither a Clerk session token, an API key of a person, nor an OAuth access token: machine-to-machine tokens are not accepted."
      : `Your ${what} was not accepted: it does not exist, was revoked, or has expired (${reason}). ${fix}`;
  const error = new UnauthenticatedError(message);
  Object.assign(error.details, { reason });
  return error;
}
