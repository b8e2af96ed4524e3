/**
 * API keys: long-lived, scoped, revocable credentials a person creates for
 * their own scripts and integrations. One interface, two implementations:
 * Clerk's API keys API wherever Clerk is configured (lib/api-keys/clerk.ts),
 * and a local equivalent in Postgres for the development identity
 * (lib/api-keys/local.ts). The secret is handed out once, by create, and
 * never again.
 */
import type { Scope } from "@/lib/auth/scopes";
import { ValidationError } from "@/lib/errors";
import { isScope, SCOPES } from "@/lib/auth/scopes";

/** What anyone may see of a key: never its secret. */
export type ApiKey = {
  /** The provider's id (Clerk's, or `apikey_...` locally); what revoke takes. */
  id: string;
  name: string;
  scopes: Scope[];
  createdAt: Date;
  lastUsedAt: Date | null;
  revoked: boolean;
};

/** A key just created, with its secret: the only time the secret exists outside the caller's hands. */
type CreatedApiKey = { apiKey: ApiKey; secret: string };

/** Whose keys: the signed-in person (the Caller has both ids). */
export type ApiKeyOwner = { userId: string; clerkUserId: string; email?: string | null };

export type CreateApiKeyInput = { name: string; scopes: readonly string[] };

export type ApiKeyService = {
  /** "clerk" or "local", for logs and the README's wording. */
  readonly provider: "clerk" | "local";
  /** The owner's live (not revoked) keys, newest first. */
  list(owner: ApiKeyOwner): Promise<ApiKey[]>;
  create(owner: ApiKeyOwner, input: CreateApiKeyInput): Promise<CreatedApiKey>;
  /** Revokes one of the owner's keys; revoking a revoked key again returns it unchanged. Anyone else's id is NOT_FOUND. */
  revoke(owner: ApiKeyOwner, id: string): Promise<ApiKey>;
};

/** At most this many live keys per person: enough for every integration, few enough to audit. */
export const MAX_LIVE_KEYS = 50;
export const MAX_NAME_LENGTH = 100;

/** The input both providers accept, checked the same way: a trimmed name and a non-empty set of known scopes. */
export function validCreateInput(input: CreateApiKeyInput): { name: string; scopes: Scope[] } {
  const name = input.name.trim();
  if (name.length === 0) throw new ValidationError("input.name: must not be empty or only whitespace.", ["input", "name"]);
  if (name.length > MAX_NAME_LENGTH) throw new ValidationError(`input.name: must be at most ${MAX_NAME_LENGTH} characters.`, ["input", "name"]);
  const unknown = input.scopes.filter((scope) => !isScope(scope));
  if (unknown.length > 0) {
    throw new ValidationError(`input.scopes: unknown scope ${JSON.stringify(unknown[0])}; use ${SCOPES.join(" or ")}.`, ["input", "scopes"]);
  }
  const scopes = SCOPES.filter((scope) => input.scopes.includes(scope));
  if (scopes.length === 0) throw new ValidationError("input.scopes: give at least one scope (read, write, or both).", ["input", "scopes"]);
  return { name, scopes };
}
