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
 * - `read` / `write`: the credential may read data / change it. A session
 *   has both; an API key or OAuth access token has the ones it was issued
 *   with (lib/auth/scopes.ts). `write` is declared once, on the Mutation
 *   root type; `read` on the Query root type and on every type that holds
 *   data that existed before the request (Generation, Template, Viewer,
 *   ApiKey, SignedDownload), so reading is reading wherever it happens: in a
 *   query, or in a mutation's payload. The one exception is `$granted:
 *   "created"` (CREATED below): the payload field that returns what its
 *   mutation just made grants it, and the few fields of that object a
 *   write-only credential may see back (its id, a new generation's status)
 *   accept it instead of `read`. An anonymous caller has no credential to
 *   narrow: these hold, and `signedIn` decides.
 *
 * An anonymous request failing any scope is UNAUTHENTICATED; a signed-in one
 * missing a scope is FORBIDDEN, naming the scope (and, inside a mutation's
 * payload, saying that the mutation itself took effect).
 */
import { AuthScopeFailureType, type AuthFailure, type ForbiddenResult } from "@pothos/plugin-scope-auth";
import type { GraphQLResolveInfo } from "graphql";
import type { GraphQLContext } from "@/graphql/context";
import type { Scope } from "@/lib/auth/scopes";
import { AppError, UnauthenticatedError } from "@/lib/errors";

export type AuthScopes = {
  signedIn: boolean;
  session: boolean;
  read: boolean;
  write: boolean;
};

/** The grant a mutation's payload field gives the object the mutation just created (`grantScopes: [CREATED]`). */
export const CREATED = "created";

/** What every field of a type holding existing data asks: `read`. */
export const READ_SCOPES = { read: true } as const;

/** A field a write-only credential may see on an object its own mutation just created: `read`, or that grant. */
export const READ_OR_CREATED_SCOPES = { read: true, $granted: CREATED } as const;

export function scopesFor(ctx: GraphQLContext): { [Scope in keyof AuthScopes]: boolean } {
  const grants = (scope: Scope) => ctx.identity === null || ctx.identity.scopes.includes(scope);
  return { signedIn: ctx.identity !== null, session: ctx.identity?.credential === "session", read: grants("read"), write: grants("write") };
}

const credentialName = { session: "session", api_key: "API key", oauth_token: "OAuth access token" } as const;

function failedScopes(failure: AuthFailure): string[] {
  if (failure.kind === AuthScopeFailureType.AuthScope) return [failure.scope];
  if (failure.kind === AuthScopeFailureType.AnyAuthScopes || failure.kind === AuthScopeFailureType.AllAuthScopes) {
    return failure.failures.flatMap(failedScopes);
  }
  return [];
}

/** Whether the refused field sits inside a mutation's payload: the mutation's resolver has already run. */
function insideMutationPayload(info: GraphQLResolveInfo): boolean {
  return info.operation.operation === "mutation" && info.path.prev !== undefined;
}

export function unauthorizedError(ctx: GraphQLContext, info: GraphQLResolveInfo, result: ForbiddenResult): Error {
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
  const missing = scopes.filter((scope): scope is Scope => scope === "read" || scope === "write");
  if (missing.length > 0) {
    const what = credentialName[ctx.identity.credential];
    const fix =
      ctx.identity.credential === "api_key"
        ? `Create a key with ${missing.map((scope) => scope.toUpperCase()).join(" and ")} (createApiKey) for this.`
        : "Have the person authorize your app again, granting it.";
    const needs = missing[0] === "write" ? "mutations need it" : "reading data that existed before the request needs it, in a query or in a mutation's payload";
    if (insideMutationPayload(info)) {
      const field = `${info.parentType.name}.${info.fieldName}`;
      return new AppError(
        "FORBIDDEN",
        `The mutation itself took effect, but this ${what} lacks the \`read\` scope to read ${field} back: ${needs}. Ask only for what the mutation made (the new object's id). ${fix}`,
        { scopes: missing, mutationTookEffect: true },
      );
    }
    return new AppError(
      "FORBIDDEN",
      `This ${what} lacks the ${missing.map((scope) => `\`${scope}\``).join(" and ")} scope: ${needs}. ${fix}`,
      { scopes: missing },
    );
  }
  return new AppError(
    "FORBIDDEN",
    scopes.length
      ? `Your credentials lack the ${scopes.map((scope) => `\`${scope}\``).join(" and ")} scope${scopes.length > 1 ? "s" : ""} this field needs.`
      : "Your credentials do not allow this field.",
    { scopes },
  );
}
