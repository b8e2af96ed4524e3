/**
 * What a service in lib/<noun>/service.ts is handed instead of reaching for
 * globals: a way to run SQL as the caller, the file storage, and a logger.
 * The GraphQL context carries exactly these (graphql/context.ts); a test
 * passes its own.
 */
import type { Sql } from "@/lib/db/client";
import type { Logger } from "@/lib/log";
import type { FileStorage } from "@/lib/storage/types";

/** Runs `fn` in one transaction as the caller, under row-level security (withUser bound to them). */
type AsCaller = <T>(fn: (sql: Sql) => Promise<T>) => Promise<T>;

export type ServiceDeps = {
  db: AsCaller;
  storage: FileStorage;
  log: Logger;
};
