import type { ApiKeyService } from "@/lib/api-keys/types";
import type { Caller } from "@/lib/auth/caller";
import { readOnce, withUser } from "@/lib/db/client";
import type { Logger } from "@/lib/log";
import type { Read } from "@/lib/pagination";
import type { ServiceDeps } from "@/lib/services";
import type { FileStorage } from "@/lib/storage/types";

/** One request's context: who is calling, and the dependencies lib/ services take (ServiceDeps), bound to them. */
export type GraphQLContext = ServiceDeps & {
  requestId: string;
  /** The signed-in caller (resolved once per request, with their users row), or null for anonymous requests. */
  identity: Caller | null;
  /** The caller's API keys: Clerk's, or the development identity's local ones. */
  apiKeys: ApiKeyService;
  /** Reads known in full before they are sent (a page of a list), as the caller, in one round trip (readOnce). */
  read: Read;
};

export function createContext(options: {
  requestId: string;
  identity: Caller | null;
  storage: FileStorage;
  apiKeys: ApiKeyService;
  log: Logger;
}): GraphQLContext {
  const { requestId, identity, storage, apiKeys, log } = options;
  return {
    requestId,
    identity,
    // Runs SQL as the caller under row-level security; the only database access resolvers have.
    db: (fn) => withUser(identity, fn),
    read: (statements) => readOnce(identity, statements),
    storage,
    apiKeys,
    // Every line names the request and, for API keys and OAuth tokens, the credential's id (never a secret).
    log: log.child({ requestId, ...credentialFields(identity) }),
  };
}

/** What logs say about a caller: who, and with which credential (ids only). */
function credentialFields(identity: Caller | null): Record<string, unknown> {
  if (!identity) return {};
  return {
    userId: identity.userId,
    credential: identity.credential,
    ...(identity.keyId ? { keyId: identity.keyId } : {}),
    ...(identity.oauthClientId ? { oauthClientId: identity.oauthClientId } : {}),
  };
}
