/**
 * API keys kept by Clerk (its API keys API, through @clerk/backend): Clerk
 * stores, verifies and tracks the use of every key. A key's subject is the
 * person's Clerk user id, so listing by subject is ownership, and a key is
 * revoked only after Clerk confirms whose it is.
 */
import { createClerkClient, type APIKey as ClerkApiKey } from "@clerk/backend";
import { isClerkAPIResponseError } from "@clerk/backend/errors";
import { postoraScopes } from "@/lib/auth/scopes";
import { NotFoundError, PreconditionError } from "@/lib/errors";
import { MAX_LIVE_KEYS, validCreateInput, type ApiKey, type ApiKeyService } from "@/lib/api-keys/types";
import { forgetMachineCredential } from "@/lib/auth/verdict-cache";

export type ClerkApiKeysConfig = {
  secretKey: string;
  publishableKey: string;
  /** Clerk's Backend API; tests point it at a local stand-in. Default: Clerk's own. */
  apiUrl?: string;
};

const toApiKey = (key: ClerkApiKey): ApiKey => ({
  id: key.id,
  name: key.name,
  scopes: postoraScopes(key.scopes),
  createdAt: new Date(key.createdAt),
  lastUsedAt: key.lastUsedAt == null ? null : new Date(key.lastUsedAt),
  revoked: key.revoked,
});

// Ids go into Backend API paths: only the characters Clerk's ids use, so none can walk to another endpoint.
const CLERK_ID = /^[A-Za-z0-9_]{1,128}$/;

const isNotFound = (error: unknown) => isClerkAPIResponseError(error) && error.status === 404;

export function createClerkApiKeys(config: ClerkApiKeysConfig): ApiKeyService {
  const clerk = createClerkClient({ secretKey: config.secretKey, publishableKey: config.publishableKey, apiUrl: config.apiUrl });

  const liveKeys = async (clerkUserId: string) =>
    (await clerk.apiKeys.list({ subject: clerkUserId, includeInvalid: false, limit: MAX_LIVE_KEYS })).data.filter((key) => !key.revoked && !key.expired);

  return {
    provider: "clerk",

    list: async (owner) => (await liveKeys(owner.clerkUserId)).map(toApiKey),

    create: async (owner, input) => {
      const { name, scopes } = validCreateInput(input);
      if ((await liveKeys(owner.clerkUserId)).length >= MAX_LIVE_KEYS) {
        throw new PreconditionError(`You already have ${MAX_LIVE_KEYS} API keys. Revoke one you no longer use, then create the new one.`, {
          limit: MAX_LIVE_KEYS,
        });
      }
      const created = await clerk.apiKeys.create({ name, subject: owner.clerkUserId, scopes, createdBy: owner.clerkUserId });
      // Clerk returns the secret with the new key; should a version not, it can still be read exactly once here.
      const secret = created.secret ?? (await clerk.apiKeys.getSecret(created.id)).secret;
      return { apiKey: toApiKey(created), secret };
    },

    revoke: async (owner, id) => {
      if (!CLERK_ID.test(id)) throw new NotFoundError("API key", id);
      let key: ClerkApiKey;
      try {
        key = await clerk.apiKeys.get(id);
      } catch (error) {
        if (isNotFound(error)) throw new NotFoundError("API key", id);
        throw error;
      }
      // Another person's key (or an organisation's) behaves exactly like one that does not exist.
      if (key.subject !== owner.clerkUserId) throw new NotFoundError("API key", id);
      if (key.revoked) return toApiKey(key);
      const revoked = await clerk.apiKeys.revoke({ apiKeyId: id, revocationReason: "Revoked by its owner through the Postora API" });
      // This instance stops accepting it at once; others within their verdict window (lib/auth/verdict-cache.ts).
      forgetMachineCredential(id);
      return toApiKey(revoked);
    },
  };
}
