/**
 * Pothos configuration only: plugins, the context type, scalars and root
 * types. Object types live next to their queries in graphql/schema/<noun>.ts.
 */
import SchemaBuilder from "@pothos/core";
import DataloaderPlugin from "@pothos/plugin-dataloader";
import RelayPlugin from "@pothos/plugin-relay";
import ScopeAuthPlugin from "@pothos/plugin-scope-auth";
import ZodPlugin from "@pothos/plugin-zod";
import { GraphQLError } from "graphql";
import PlainFieldsPlugin from "@/graphql/plain-fields-plugin";
import { scopesFor, unauthorizedError, type AuthScopes } from "@/graphql/auth";
import type { GraphQLContext } from "@/graphql/context";

export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  AuthScopes: AuthScopes;
  DefaultFieldNullability: false;
  Scalars: {
    ID: { Input: string; Output: string };
    DateTime: { Input: Date; Output: Date | string };
    JSON: { Input: unknown; Output: unknown };
  };
}>({
  // Scope auth first, so no other plugin's wrapper runs for a caller who may not call the field.
  // Ours (graphql/plain-fields-plugin.ts) inside relay's and outside the dataloader's: it replaces what they would wrap.
  plugins: [ScopeAuthPlugin, RelayPlugin, PlainFieldsPlugin, DataloaderPlugin, ZodPlugin],
  defaultFieldNullability: false,
  scopeAuth: {
    authScopes: scopesFor,
    unauthorizedError: (_parent, ctx, info, result) => unauthorizedError(ctx, info, result),
  },
  relay: {
    clientMutationId: "omit",
    cursorType: "String",
    // Our own node(id)/nodes(ids) (graphql/schema/node.ts) answer null with NOT_FOUND for malformed ids.
    nodeQueryOptions: false,
    nodesQueryOptions: false,
    nodeTypeOptions: { description: "An object with a global id: pass it to `node(id)` to fetch the object again." },
    idFieldOptions: { description: "The object's global id (opaque; the same everywhere in this API)." },
    pageInfoTypeOptions: { description: "Where a page sits in its connection, and the cursors to move from it." },
    hasNextPageFieldOptions: { description: "Whether there are more (older) items after this page: pass `endCursor` as `after`." },
    hasPreviousPageFieldOptions: { description: "Whether there are more (newer) items before this page: pass `startCursor` as `before`." },
    startCursorFieldOptions: { description: "The cursor of the page's first edge; null for an empty page." },
    endCursorFieldOptions: { description: "The cursor of the page's last edge; null for an empty page." },
    cursorFieldOptions: { description: "This edge's position: pass it as `after` or `before`." },
    nodeFieldOptions: { description: "The item at this edge." },
    edgesFieldOptions: { description: "The page's items, newest first." },
    pageInfoFieldOptions: { description: "Whether more pages exist either way, and the cursors to reach them." },
    firstArgOptions: { description: "Page forward: at most this many items (1 to 100, default 20). Not with `last`/`before`." },
    afterArgOptions: { description: "Page forward from this cursor (a previous page's `endCursor`)." },
    lastArgOptions: { description: "Page backward: at most this many items (1 to 100) before `before`. Not with `first`/`after`." },
    beforeArgOptions: { description: "Page backward from this cursor (a previous page's `startCursor`)." },
    mutationInputArgOptions: { description: "The mutation's input." },
  },
  zod: {
    // One error per invalid argument would hide the rest; report them all,
    // each with the path of the field and the rule it broke.
    validationError: (zodError) => {
      const fields = zodError.issues.map((issue) => ({
        field: issue.path.join("."),
        message: issue.message,
      }));
      const summary = fields.map((entry) => `${entry.field}: ${entry.message}`).join("; ");
      return new GraphQLError(`Invalid input. ${summary}`, {
        extensions: { code: "BAD_USER_INPUT", field: fields[0]?.field, fields },
      });
    },
  },
});

builder.scalarType("DateTime", {
  description: "An instant in time, as an ISO-8601 string in UTC.",
  serialize: (value) => (value instanceof Date ? value.toISOString() : new Date(value).toISOString()),
  parseValue: (value) => {
    const date = new Date(String(value));
    if (Number.isNaN(date.getTime())) throw new GraphQLError("DateTime must be an ISO-8601 string.");
    return date;
  },
});

builder.scalarType("JSON", {
  description: "Any JSON value.",
  serialize: (value) => value,
  parseValue: (value) => value,
});

// Every query needs the `read` scope and every mutation `write` (graphql/auth.ts): an API key or OAuth
// token issued read-only runs queries and no mutation. Sessions have both. Types that hold data ask `read`
// of their own fields too, so a mutation's payload reads nothing a write-only credential could not.
builder.queryType({ description: "What a client can read.", authScopes: { read: true } });
builder.mutationType({
  authScopes: { write: true },
  description:
    "What a client can change. Every mutation is `verbNoun(input: VerbNounInput!): VerbNounPayload!`; the payload returns the objects it affected.",
});
