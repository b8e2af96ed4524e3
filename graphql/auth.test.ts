/**
 * The scope-auth mapping: which scopes a request has, and the error a client
 * sees when a field's scopes are not met.
 */
import { AuthScopeFailureType, type AuthFailure } from "@pothos/plugin-scope-auth";
import type { GraphQLResolveInfo } from "graphql";
import { expect, it } from "vitest";
import { scopesFor, unauthorizedError } from "@/graphql/auth";
import type { GraphQLContext } from "@/graphql/context";
import { AppError } from "@/lib/errors";

const anonymous = { identity: null } as GraphQLContext;
const person = { userId: "u", clerkUserId: "user_2x", email: "x@example.com", sessionId: null, keyId: null, oauthClientId: null };
const signedIn = { identity: { ...person, credential: "session", scopes: [] } } as unknown as GraphQLContext;
const withApiKey = { identity: { ...person, credential: "api_key", keyId: "ak_1", scopes: ["read"] } } as unknown as GraphQLContext;
/** Where the refused field sits: a query's root field, or a field inside a mutation's payload. */
const queryRoot = { operation: { operation: "query" }, path: { prev: undefined, key: "viewer" } } as unknown as GraphQLResolveInfo;
const inPayload = {
  operation: { operation: "mutation" },
  path: { prev: { prev: undefined, key: "updateGeneration" }, key: "generation" },
  parentType: { name: "Generation" },
  fieldName: "inputContent",
} as unknown as GraphQLResolveInfo;
const failure: AuthFailure = { kind: AuthScopeFailureType.AuthScope, scope: "signedIn", parameter: true, error: null };

it("grants signedIn whenever a person is calling, session only to a Clerk session, and read/write as the credential allows", () => {
  // Anonymous callers have no credential to narrow: read and write hold, and signedIn decides.
  expect(scopesFor(anonymous)).toEqual({ signedIn: false, session: false, read: true, write: true });
  expect(scopesFor(signedIn)).toEqual({ signedIn: true, session: true, read: false, write: false });
  expect(scopesFor(withApiKey)).toEqual({ signedIn: true, session: false, read: true, write: false });
});

it("answers an anonymous caller UNAUTHENTICATED, saying how to sign in", () => {
  const error = unauthorizedError(anonymous, queryRoot, { message: "Not authorized", failure });
  expect(error).toBeInstanceOf(AppError);
  expect(error).toMatchObject({ code: "UNAUTHENTICATED", message: expect.stringMatching(/Sign in first.*Authorization: Bearer/) });
});

it("answers an API key on a session-only field FORBIDDEN, saying what credential it takes", () => {
  const error = unauthorizedError(withApiKey, queryRoot, { message: "Not authorized", failure: { ...failure, scope: "session" } });
  expect(error).toMatchObject({ code: "FORBIDDEN", details: { scopes: ["session"] }, message: expect.stringMatching(/not an API key/) });
});

it("answers a signed-in caller without a scope FORBIDDEN, naming the scope it lacks and how to get it", () => {
  const both: AuthFailure = { kind: AuthScopeFailureType.AllAuthScopes, failures: [failure, { ...failure, scope: "write" }] };
  const error = unauthorizedError(withApiKey, queryRoot, { message: "Not authorized", failure: both });
  expect(error).toMatchObject({ code: "FORBIDDEN", details: { scopes: ["write"] } });
  expect(error.message).toBe("This API key lacks the `write` scope: mutations need it. Create a key with WRITE (createApiKey) for this.");
  const other = unauthorizedError(signedIn, queryRoot, { message: "Not authorized", failure });
  expect(other).toMatchObject({ code: "FORBIDDEN", details: { scopes: ["signedIn"] }, message: "Your credentials lack the `signedIn` scope this field needs." });
});

it("answers a write-only key reading a mutation's payload FORBIDDEN, naming `read` and saying the mutation took effect", () => {
  const writeOnly = { identity: { ...person, credential: "api_key", keyId: "ak_2", scopes: ["write"] } } as unknown as GraphQLContext;
  const error = unauthorizedError(writeOnly, inPayload, { message: "Not authorized", failure: { ...failure, scope: "read" } });
  expect(error).toMatchObject({ code: "FORBIDDEN", details: { scopes: ["read"], mutationTookEffect: true } });
  expect(error.message).toMatch(/^The mutation itself took effect, but this API key lacks the `read` scope to read Generation\.inputContent back/);
});
