/** The API keys service for this process's configuration: Clerk's, or the development identity's local one. */
import { createClerkApiKeys } from "@/lib/api-keys/clerk";
import { createLocalApiKeys } from "@/lib/api-keys/local";
import type { ApiKeyService } from "@/lib/api-keys/types";
import type { Env } from "@/lib/env";

export function apiKeysFor(env: Env, options: { clerkApiUrl?: string } = {}): ApiKeyService {
  if (env.clerk) {
    return createClerkApiKeys({ secretKey: env.clerk.secretKey, publishableKey: env.clerk.publishableKey, apiUrl: options.clerkApiUrl });
  }
  // Refuses in production (NODE_ENV=production), like everything of the development identity.
  return createLocalApiKeys(env);
}
