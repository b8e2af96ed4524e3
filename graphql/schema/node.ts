/**
 * node(id) and nodes(ids): fetch any object by its global id. An id that is
 * malformed, of no node type, another person's, or gone answers null with a
 * NOT_FOUND error quoting it; the other ids in the request still answer.
 */
import { resolveNodes } from "@pothos/plugin-relay";
import type { GraphQLResolveInfo } from "graphql";
import { builder } from "@/graphql/builder";
import type { GraphQLContext } from "@/graphql/context";
import { NotFoundAsSent } from "@/graphql/errors";
import { parseGlobalId } from "@/graphql/ids";

async function lookUp(ids: readonly string[], ctx: GraphQLContext, info: GraphQLResolveInfo): Promise<unknown[]> {
  const parsed = ids.map(parseGlobalId);
  const found = await resolveNodes(builder, ctx, info, parsed);
  return ids.map((id, index) => (parsed[index] ? found[index] : new NotFoundAsSent("node", id)));
}

builder.queryField("node", (t) =>
  t.field({
    type: builder.nodeInterfaceRef(),
    nullable: true,
    description: "Any object by its global id; null (with a NOT_FOUND error) when there is no such object for you.",
    authScopes: { signedIn: true },
    args: { id: t.arg.id({ required: true, description: "A global id from this API." }) },
    resolve: async (_root, args, ctx, info) => (await lookUp([args.id], ctx, info))[0] as never,
  }),
);

builder.queryField("nodes", (t) =>
  t.field({
    type: [builder.nodeInterfaceRef()],
    nullable: { list: false, items: true },
    description: "Objects by their global ids, in the order asked; null (with a NOT_FOUND error) for each one that is not there for you.",
    authScopes: { signedIn: true },
    args: {
      ids: t.arg.idList({
        required: true,
        description: "Global ids from this API (at most 100).",
        validate: { maxLength: [100, { message: "must have at most 100 ids" }] },
      }),
    },
    resolve: (_root, args, ctx, info) => lookUp(args.ids, ctx, info) as never,
  }),
);
