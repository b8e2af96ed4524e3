/**
 * API keys through GraphQL: list them on the viewer, create one (its secret
 * is in that payload only), revoke one. The service (Clerk's API keys, or
 * the development identity's local ones) is ctx.apiKeys; ownership is the
 * service's job, and another person's key id is NOT_FOUND.
 */
import type { StringValidationOptions } from "@pothos/plugin-zod";
import { decodeGlobalID, encodeGlobalID } from "@pothos/plugin-relay";
import { READ_SCOPES } from "@/graphql/auth";
import { builder } from "@/graphql/builder";
import { Viewer } from "@/graphql/schema/viewer";
import { MAX_NAME_LENGTH, type ApiKey } from "@/lib/api-keys/types";
import type { SCOPES } from "@/lib/auth/scopes";
import { ValidationError } from "@/lib/errors";

/** The provider's key id inside an ApiKey's global id; BAD_USER_INPUT quoting what was sent otherwise. */
function apiKeyIdOf(globalId: string): string {
  let decoded: { typename: string; id: string } | null = null;
  try {
    decoded = decodeGlobalID(globalId);
  } catch {
    /* not base64 of Type:id */
  }
  if (!decoded || decoded.typename !== "ApiKey" || decoded.id === "") {
    throw new ValidationError(`\`input.id\` is not an ApiKey id: got "${globalId}". Pass an id from viewer.apiKeys.`, ["input.id"]);
  }
  return decoded.id;
}

const ApiScopeEnum = builder.enumType("ApiScope", {
  description: "What an API key or OAuth access token may do. A session of our own dashboard has every scope.",
  values: {
    READ: { value: "read" as const, description: "Run queries." },
    WRITE: { value: "write" as const, description: "Run mutations." },
  } satisfies Record<Uppercase<(typeof SCOPES)[number]>, unknown>,
});

const ApiKeyRef = builder.objectRef<ApiKey>("ApiKey").implement({
  description: "A long-lived credential for your own scripts and integrations. Its secret is never shown after creation.",
  authScopes: READ_SCOPES,
  fields: (t) => ({
    id: t.id({
      description:
        "A global id, like every id the API returns: what revokeApiKey takes. Inside it is the key's id at Clerk (`apikey_...` with the development identity), which our logs name; never its secret.",
      resolve: (key) => encodeGlobalID("ApiKey", key.id),
    }),
    name: t.exposeString("name", { description: "What the key is for." }),
    scopes: t.field({ type: [ApiScopeEnum], description: "What the key may do.", resolve: (key) => key.scopes }),
    createdAt: t.field({ type: "DateTime", description: "When the key was created.", resolve: (key) => key.createdAt }),
    lastUsedAt: t.field({
      type: "DateTime",
      nullable: true,
      description: "When the key last authenticated a request (recorded at most once a minute); null if never.",
      resolve: (key) => key.lastUsedAt,
    }),
    revoked: t.exposeBoolean("revoked", { description: "True once revoked: every request made with it is refused." }),
  }),
});

builder.objectField(Viewer, "apiKeys", (t) =>
  t.field({
    type: [ApiKeyRef],
    description: "Your live API keys, newest first. Never their secrets.",
    resolve: (_viewer, _args, ctx) => ctx.apiKeys.list(ctx.identity!),
  }),
);

const nameRules: StringValidationOptions = {
  maxLength: [MAX_NAME_LENGTH, { message: `must be at most ${MAX_NAME_LENGTH} characters` }],
  refine: [(value) => value.trim().length > 0, { message: "must not be empty or only whitespace" }],
};

builder.relayMutationField(
  "createApiKey",
  {
    description: "The new key's name and scopes.",
    inputFields: (t) => ({
      name: t.string({ required: true, description: 'What the key is for, e.g. "Nightly export" (1 to 100 characters).', validate: nameRules }),
      scopes: t.field({
        type: [ApiScopeEnum],
        required: true,
        description: "At least one: READ for queries, WRITE for mutations.",
        validate: { minLength: [1, { message: "give at least one scope" }] },
      }),
    }),
  },
  {
    description: "Creates an API key that acts as you with the given scopes. Needs a signed-in session, not another key.",
    authScopes: { $all: { signedIn: true, session: true } },
    resolve: (_root, { input }, ctx) => ctx.apiKeys.create(ctx.identity!, input),
  },
  {
    description: "The new key, and its secret (once).",
    outputFields: (t) => ({
      apiKey: t.field({ type: ApiKeyRef, description: "The new key.", resolve: (payload) => payload.apiKey }),
      secret: t.string({
        description: "The key itself (`ak_...`), for `Authorization: Bearer <secret>`. Shown here once and never again: store it now.",
        resolve: (payload) => payload.secret,
      }),
    }),
  },
);

builder.relayMutationField(
  "revokeApiKey",
  {
    description: "Which key to revoke.",
    inputFields: (t) => ({ id: t.id({ required: true, description: "The ApiKey's id." }) }),
  },
  {
    description: "Revokes one of your API keys: the next request made with it is refused. Revoking it again changes nothing.",
    authScopes: { $all: { signedIn: true, session: true } },
    resolve: async (_root, { input }, ctx) => ({ apiKey: await ctx.apiKeys.revoke(ctx.identity!, apiKeyIdOf(String(input.id))) }),
  },
  {
    description: "The revoked key.",
    outputFields: (t) => ({
      apiKey: t.field({ type: ApiKeyRef, description: "The key, now revoked.", resolve: (payload) => payload.apiKey }),
    }),
  },
);
