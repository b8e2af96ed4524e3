/**
 * What a credential may do. Two scopes: `read` (queries) and `write`
 * (mutations). A session of our own dashboard has every scope; an API key
 * or an OAuth access token has exactly the Postora scopes it was issued
 * with (other scopes on it, such as OAuth's `profile`, grant nothing here).
 */

/** Every scope, in canonical order: also what a Clerk session (our dashboard, `getToken()`, the development token) carries. */
export const SCOPES = ["read", "write"] as const;
export type Scope = (typeof SCOPES)[number];


/** How the caller proved who they are. */
export type CredentialKind = "session" | "api_key" | "oauth_token";

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

/** The Postora scopes among a credential's granted ones, in canonical order, each once. */
export function postoraScopes(granted: readonly string[]): Scope[] {
  return SCOPES.filter((scope) => granted.includes(scope));
}
