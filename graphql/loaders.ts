import type { GraphQLContext } from "@/graphql/context";
import { NotFoundAsSent } from "@/graphql/errors";
import { globalIdOf, NODE_TYPES } from "@/graphql/ids";
import type { Sql } from "@/lib/db/client";

/**
 * The batch loader of a node type: one query for every id asked in a request,
 * run as the caller. Ids the caller cannot see (another user's, deleted, or
 * nonexistent) all answer the same NOT_FOUND, quoting the global id.
 */
export function loadVisible<Row extends { id: string }>(
  what: keyof typeof NODE_TYPES,
  byIds: (sql: Sql, ids: readonly string[]) => Promise<(Row | null)[]>,
) {
  return async (ids: string[], ctx: GraphQLContext): Promise<(Row | Error)[]> => {
    const rows = await ctx.db((sql) => byIds(sql, ids));
    return rows.map((row, index) => row ?? new NotFoundAsSent(what, globalIdOf(NODE_TYPES[what], ids[index]!)));
  };
}
