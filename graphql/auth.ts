/**
 * Who may call what. A request has scopes; each field declares the ones it
 * needs where it is declared (`authScopes: { signedIn: true }`), and
 * @pothos/plugin-scope-auth checks them before the resolver runs.
 *
 * - `signedIn`: a person is calling, through a Clerk session or a Bearer token.
 * - `session`: they came with a Clerk session (our dashboard, a session
 *   token), not an API key or OAuth token: managing API keys takes one, so
 *   a leaked key cannot mint its own successors.
 *
 * A credential that grants less than a whole person (an API key that may only
 * read, say) adds its scopes here: a boolean in AuthScopes, its value in
 * scopesFor, and fields then ask for `{ $all: { signedIn: true, write: true } }`.
 * An anonymous request failing any scope is UNAUTHENTICATED; a signed-in one
 * missing a scope is FORBIDDEN, naming the scope.
 */
import { AuthScopeFailureType, type AuthFailure, type ForbiddenResult } from "@pothos/plugin-scope-auth";
import type { GraphQLContext } from "@/graphql/context";
import { AppError, UnauthenticatedError } from "@/lib/errors";

export type AuthScopes = {
  signedIn: boolean;
  session: boolean;
};

export function scopesFor(ctx: GraphQLContext): { [Scope in keyof AuthScopes]: boolean } {
  return { signedIn: ctx.identity !== null, session: ctx.identity?.credential === "session" };
}

function failedScopes(failure: AuthFailure): string[] {
  if (failure.kind === AuthScopeFailureType.AuthScope) return [failure.scope];
  if (failure.kind === AuthScopeFailureType.AnyAuthScopes || failure.kind === AuthScopeFailureType.AllAuthScopes) {
    return failure.failures.flatMap(failedScopes);
  }
  return [];
}

export function unauthorizedError(ctx: GraphQLContext, result: ForbiddenResult): Error {
  if (!ctx.identity) {
    return new UnauthenticatedError(
      "Sign in first: this field needs a signed-in user. Send a valid Clerk session token as `Authorization: Bearer <token>`.",
    );
  }
  const scopes = [...new Set(failedScopes(result.failure))];
  if (scopes.includes("session")) {
    return new AppError(
      "FORBIDDEN",
      "This needs a signed-in session (our dashboard, or a Clerk session token in GraphiQL), not an API key or an OAuth access token.",
      { scopes: ["session"] },
    );
  }
  return new AppError(
    "FORBIDDEN",
    scopes.length
      ? `Your credentials lack the ${scopes.map((scope) => `\`${scope}\``).join(" and ")} scope this field needs.`
      : "Your credentials do not allow this field.",
    { scopes },
  );
}
