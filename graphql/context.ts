import type { Caller } from "@/lib/auth/caller";
import { withUser } from "@/lib/db/client";
import type { Logger } from "@/lib/log";
import type { ServiceDeps } from "@/lib/services";
import type { FileStorage } from "@/lib/storage/types";

/** One request's context: who is calling, and the dependencies lib/ services take (ServiceDeps), bound to them. */
export type GraphQLContext = ServiceDeps & {
  requestId: string;
  /** The signed-in caller (resolved once per request, with their users row), or null for anonymous requests. */
  identity: Caller | null;
};

export function createContext(options: { requestId: string; identity: Caller | null; storage: FileStorage; log: Logger }): GraphQLContext {
  const { requestId, identity, storage, log } = options;
  return {
    requestId,
    identity,
    // Runs SQL as the caller under row-level security; the only database access resolvers have.
    db: (fn) => withUser(identity, fn),
    storage,
    log: log.child({ requestId }),
  };
}
