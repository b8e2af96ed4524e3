/**
 * Pothos configuration only: plugins, the context type, scalars and root
 * types. Object types live next to their queries in graphql/schema/<noun>.ts.
 */
import SchemaBuilder from "@pothos/core";
import DataloaderPlugin from "@pothos/plugin-dataloader";
import RelayPlugin from "@pothos/plugin-relay";
import ZodPlugin from "@pothos/plugin-zod";
import { GraphQLError } from "graphql";
import type { GraphQLContext } from "@/graphql/context";

export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  DefaultFieldNullability: false;
  Scalars: {
    ID: { Input: string; Output: string };
    DateTime: { Input: Date; Output: Date | string };
    JSON: { Input: unknown; Output: unknown };
  };
}>({
  plugins: [RelayPlugin, DataloaderPlugin, ZodPlugin],
  defaultFieldNullability: false,
  relay: {
    clientMutationId: "omit",
    cursorType: "String",
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

builder.queryType({});
builder.mutationType({});
