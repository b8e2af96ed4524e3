// Side-effect imports: each file registers its types and fields on the builder.
import "@/graphql/schema/health";
import "@/graphql/schema/node";
import "@/graphql/schema/generation";
import "@/graphql/schema/template";
import "@/graphql/schema/subscription";
import "@/graphql/schema/billing";
import "@/graphql/schema/viewer";
import "@/graphql/schema/api-key";
import "@/graphql/schema/live";
import type { GraphQLObjectType } from "graphql";
import { builder } from "@/graphql/builder";
import { globalIdOf, NODE_TYPES } from "@/graphql/ids";

// The subscription root is Live (graphql/builder.ts), so the billing type named Subscription is not taken for it.
export const schema = builder.toSchema({ sortSchema: true });

/**
 * Pothos' relay plugin resolves every node's `id` with an async function
 * (it allows an id resolver to return a promise), so each id on a page costs
 * a promise and, in compiled execution, the code that waits for it: 5-15% of
 * a list request's CPU in process (BENCHMARKS.md). Each of our node types
 * takes its id from its row's `id` and has no scopes of its own, so the same
 * global id is made synchronously. A node type whose id came from elsewhere
 * would have to leave this list.
 */
for (const typename of Object.values(NODE_TYPES)) {
  const id = (schema.getType(typename) as GraphQLObjectType).getFields().id!;
  id.resolve = (parent: { id: string }) => globalIdOf(typename, String(parent.id));
}

/**
 * Our connections' edges carry rows, never ids for a loader to fetch. The
 * dataloader plugin still wraps each edge's `node` to load ids, and for every
 * edge looks up (the first time, creates) the request's loader: on a page of
 * 20 that is 20 calls for nothing. Without a resolver the field is the
 * edge's `node` property, read as it is.
 */
for (const edge of ["GenerationEdge", "TemplateEdge"]) {
  const node = (schema.getType(edge) as GraphQLObjectType).getFields().node!;
  node.resolve = undefined;
}
