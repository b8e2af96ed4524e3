import { lexicographicSortSchema, printSchema, type GraphQLSchema } from "graphql";

/**
 * The schema as SDL, sorted, with its roots always declared. Our object type
 * named `Subscription` (a Stripe subscription) would otherwise be taken as
 * the subscription root by anything that re-reads the SDL: graphql-js omits
 * the `schema { … }` block when the root types use the default names.
 */
export function printSchemaSDL(schema: GraphQLSchema): string {
  const sorted = lexicographicSortSchema(schema);
  const roots = [
    ["query", sorted.getQueryType()],
    ["mutation", sorted.getMutationType()],
    ["subscription", sorted.getSubscriptionType()],
  ]
    .filter(([, type]) => type)
    .map(([operation, type]) => `  ${operation}: ${(type as { name: string }).name}`);
  const body = printSchema(sorted).replace(/^schema \{[\s\S]*?\n\}\n\n/, "");
  return `schema {\n${roots.join("\n")}\n}\n\n${body}\n`;
}
