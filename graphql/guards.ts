import type { GraphQLContext } from "@/graphql/context";
import type { DbIdentity } from "@/lib/db/client";
import { UnauthenticatedError, ValidationError } from "@/lib/errors";

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
