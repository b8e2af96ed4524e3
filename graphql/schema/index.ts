// Side-effect imports: each file registers its types and fields on the builder.
import "@/graphql/schema/health";
import "@/graphql/schema/node";
import "@/graphql/schema/generation";
import "@/graphql/schema/template";
import "@/graphql/schema/subscription";
import "@/graphql/schema/billing";
import "@/graphql/schema/viewer";
import "@/graphql/schema/api-key";
import "@/graphql/schema/webhook-endpoint";
import "@/graphql/schema/webhook-delivery";
import type { GraphQLObjectType, GraphQLSchema } from "graphql";
import { builder } from "@/graphql/builder";

// Pothos makes any object type named `Subscription` the subscription root when
// no subscription type is declared. Ours is a Stripe subscription and the API
// has no GraphQL subscriptions, so the root is dropped explicitly.
// The constructor comes from the built schema itself: graphql 16 has no
// `exports` map, so an ES import here can be a different copy than Pothos's.
const built = builder.toSchema({ sortSchema: true });
export const schema = new (built.constructor as typeof GraphQLSchema)({ ...built.toConfig(), subscription: undefined });

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
