import type { GraphQLContext } from "@/graphql/context";
import type { DbIdentity } from "@/lib/db/client";
import type { Sql } from "@/lib/db/client";
import { NotFoundError, UnauthenticatedError, ValidationError } from "@/lib/errors";
import { isUuid } from "@/lib/ids";

/** The signed-in caller, or UNAUTHENTICATED for anonymous requests. */
export function signedIn(ctx: GraphQLContext): DbIdentity {
  if (!ctx.identity) throw new UnauthenticatedError();
  return ctx.identity;
}

/** The database id inside a decoded global ID; a malformed or wrong-type one names the argument. */
export function databaseId(globalId: { typename: string; id: string }, argument: string, typename = globalId.typename): string {
  if (globalId.typename !== typename || !isUuid(globalId.id)) {
    throw new ValidationError(`\`${argument}\` is not a valid ${typename} id.`, [argument]);
  }
  return globalId.id;
}

/**
 * The batch loader of a node type: one query for every id asked in a request,
 * run as the caller. Ids the caller cannot see (another user's, deleted,
 * malformed, or nonexistent) all answer the same NOT_FOUND.
 */
export function loadVisible<Row extends { id: string }>(
  what: string,
  byIds: (sql: Sql, ids: readonly string[]) => Promise<(Row | null)[]>,
) {
  return async (ids: string[], ctx: GraphQLContext): Promise<(Row | Error)[]> => {
    signedIn(ctx);
    const rows = await ctx.db((sql) => byIds(sql, ids));
    return rows.map((row, index) => row ?? new NotFoundError(what, ids[index]!));
  };
}
