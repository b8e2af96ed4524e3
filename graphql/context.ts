import type { Caller } from "@/lib/auth/caller";
import type { Sql } from "@/lib/db/client";
import { withUser } from "@/lib/db/client";

export type GraphQLContext = {
  requestId: string;
  /** The signed-in caller (resolved once per request, with their users row), or null for anonymous requests. */
  identity: Caller | null;
  /** Runs SQL as the caller under row-level security; the only database access resolvers have. */
  db: <T>(fn: (sql: Sql) => Promise<T>) => Promise<T>;
};

export function createContext(requestId: string, identity: Caller | null): GraphQLContext {
  return {
    requestId,
    identity,
    db: (fn) => withUser(identity, fn),
  };
}
