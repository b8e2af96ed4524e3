/**
 * A small Pothos plugin of our own (through Pothos' plugin API, registered
 * in graphql/builder.ts between the relay and dataloader plugins), for three
 * things the built-in plugins do in a way we do not need:
 *
 * - Node ids, made synchronously. The relay plugin resolves every node's
 *   `id` with an async function (it allows an id resolver to return a
 *   promise), so each id on a page costs a promise and the code that waits
 *   for it. Each of our node types (graphql/ids.ts NODE_TYPES) takes its id
 *   from its row's `id`, so the same global id is made at once. A node type
 *   whose id came from elsewhere would have to leave NODE_TYPES.
 * - Edges, read as they are. Our connections' edges carry rows, never ids
 *   for a loader to fetch, but the dataloader plugin wraps each edge's `node`
 *   to load ids, looking up the request's loader for every edge of a page.
 *   Here an edge's node is its `node` property.
 * - No subscription root. Pothos makes any object type named `Subscription`
 *   the subscription root when none is declared; ours is a Stripe
 *   subscription and the API has no GraphQL subscriptions, so afterBuild
 *   drops the root (until a live-updates root of our own is declared).
 *
 * Scope auth (registered first) still wraps every one of these fields.
 */
import SchemaBuilder, { BasePlugin, type PothosOutputFieldConfig, type SchemaTypes } from "@pothos/core";
import type { GraphQLFieldResolver, GraphQLSchema } from "graphql";
import { globalIdOf, NODE_TYPES, type NodeTypename } from "@/graphql/ids";

const nodeTypes = new Set<string>(Object.values(NODE_TYPES));

/** The connections' edge types whose `node` is the row itself. */
const plainEdges = new Set(["GenerationEdge", "TemplateEdge"]);

class PlainFieldsPlugin<Types extends SchemaTypes> extends BasePlugin<Types> {
  override wrapResolve(
    resolver: GraphQLFieldResolver<unknown, Types["Context"], object>,
    fieldConfig: PothosOutputFieldConfig<Types>,
  ): GraphQLFieldResolver<unknown, Types["Context"], object> {
    const { parentType, name } = fieldConfig;
    if (name === "id" && nodeTypes.has(parentType)) {
      const typename = parentType as NodeTypename;
      return (parent) => globalIdOf(typename, String((parent as { id: string }).id));
    }
    if (name === "node" && plainEdges.has(parentType)) return (parent) => (parent as { node: unknown }).node;
    return resolver;
  }

  override afterBuild(schema: GraphQLSchema): GraphQLSchema {
    if (!schema.getSubscriptionType()) return schema;
    // The constructor comes from the built schema itself: graphql 16 has no `exports` map, so an ES
    // import here can be a different copy than Pothos's.
    const Schema = schema.constructor as new (config: ReturnType<GraphQLSchema["toConfig"]>) => GraphQLSchema;
    return new Schema({ ...schema.toConfig(), subscription: undefined });
  }
}

const pluginName = "plainFields";

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  export namespace PothosSchemaTypes {
    export interface Plugins<Types extends SchemaTypes> {
      plainFields: PlainFieldsPlugin<Types>;
    }
  }
}

SchemaBuilder.registerPlugin(pluginName, PlainFieldsPlugin);

export default pluginName;
