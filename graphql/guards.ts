import type { GraphQLContext } from "@/graphql/context";
import type { DbIdentity } from "@/lib/db/client";
import type { Sql } from "@/lib/db/client";
import { NotFoundError, UnauthenticatedError, ValidationError } from "@/lib/errors";

/** The signed-in caller, or UNAUTHENTICATED for anonymous requests. */
export function signedIn(ctx: GraphQLContext): DbIdentity {
  if (!ctx.identity) throw new UnauthenticatedError();
  return ctx.identity;
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return uuid.test(value);
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
    const rows = await ctx.db((sql) => byIds(sql, ids.filter(isUuid)));
    const byId = new Map(rows.filter((row): row is Row => row !== null).map((row) => [row.id, row]));
    return ids.map((id) => byId.get(id) ?? new NotFoundError(what, id));
  };
}
