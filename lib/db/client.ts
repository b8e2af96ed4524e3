/**
 * The database, with exactly two ways in:
 *
 * - withUser(identity, fn): one transaction as the `authenticated` role (or
 *   `anon` for null) with the caller's JWT claims set the way PostgREST sets
 *   them, so row-level security decides what the SQL can see. Resolvers use
 *   only this.
 * - asService(fn): the privileged path for webhooks and system jobs. It runs
 *   as the connection's own role, which owns the tables and bypasses RLS.
 *
 * The connection string may point at the Supabase pooler in transaction mode,
 * which cannot keep prepared statements, so none are used.
 */
import postgres from "postgres";
import { getEnv } from "@/lib/env";

/** A transaction handle: tagged-template SQL bound to one connection. */
export type Sql = postgres.Sql;

/** Who the SQL runs as: the Clerk user id becomes the JWT's `sub` claim. */
export type DbIdentity = {
  clerkUserId: string;
  email?: string | null;
  sessionId?: string | null;
};

type QueryListener = (query: string) => void;
const queryListeners = new Set<QueryListener>();

/** Observe every statement sent (tests count statements to catch N+1). */
export function onQuery(listener: QueryListener): () => void {
  queryListeners.add(listener);
  return () => queryListeners.delete(listener);
}

export function createPool(url: string, options: { max?: number } = {}): Sql {
  return postgres(url, {
    max: options.max ?? 10,
    prepare: false,
    idle_timeout: 20,
    connect_timeout: 10,
    onnotice: () => {},
    transform: { column: { from: postgres.toCamel } },
    connection: { application_name: "postora-api" },
    debug: (_connection, query) => {
      for (const listener of queryListeners) listener(query);
    },
  });
}

// Next.js dev reloads modules on every change; keep one pool per process.
const globalForDb = globalThis as unknown as { postoraPool?: Sql; postoraPoolUrl?: string };

function pool(): Sql {
  const url = getEnv().databaseUrl;
  if (!url) {
    throw new Error(
      "DATABASE_URL is not set. Start the app with `npm run dev` (it starts the embedded Postgres and sets it) or set DATABASE_URL.",
    );
  }
  if (!globalForDb.postoraPool || globalForDb.postoraPoolUrl !== url) {
    globalForDb.postoraPool = createPool(url);
    globalForDb.postoraPoolUrl = url;
  }
  return globalForDb.postoraPool;
}

/**
 * The pool itself, as the service role, for single statements that need no
 * transaction (the rate limit's counter upsert). Bypasses RLS like asService.
 */
export function servicePool(): Sql {
  return pool();
}

/** Closes the process's pool (tests and scripts call this before exiting). */
export async function closePool(): Promise<void> {
  const current = globalForDb.postoraPool;
  globalForDb.postoraPool = undefined;
  globalForDb.postoraPoolUrl = undefined;
  await current?.end({ timeout: 5 });
}

export function claimsFor(identity: DbIdentity | null): Record<string, unknown> {
  if (!identity) return { role: "anon" };
  return {
    sub: identity.clerkUserId,
    role: "authenticated",
    aud: "authenticated",
    ...(identity.email ? { email: identity.email } : {}),
    ...(identity.sessionId ? { session_id: identity.sessionId } : {}),
  };
}

/** The RLS context of a transaction: a role to switch to and the claims it sees. */
type RlsContext = { role: "authenticated" | "anon"; claims: string };

/**
 * The statement that opens a transaction and, for withUser, sets its RLS
 * context: one simple-protocol message, so BEGIN, the role and the claims
 * cost a single round trip (measured in BENCHMARKS.md). Simple protocol
 * cannot bind parameters, so the claims travel hex-encoded: a literal of
 * [0-9a-f] only, which no claim value can break out of, whatever the
 * server's string settings. set_config(..., true) is transaction-local, so
 * nothing leaks to the next user of a pooled connection.
 */
export function openTransactionStatement(rls: RlsContext | null): string {
  if (!rls) return "begin";
  const claims = Buffer.from(rls.claims, "utf8").toString("hex");
  return (
    `begin; select set_config('role', '${rls.role === "authenticated" ? "authenticated" : "anon"}', true), ` +
    `set_config('request.jwt.claims', convert_from(decode('${claims}', 'hex'), 'UTF8'), true)`
  );
}

/** Runs fn in one transaction on one reserved connection. */
async function inTransaction<T>(db: Sql, rls: RlsContext | null, fn: (sql: Sql) => Promise<T>): Promise<T> {
  const connection = await db.reserve();
  try {
    await connection.unsafe(openTransactionStatement(rls));
    const result = await fn(connection);
    await connection`commit`;
    return result;
  } catch (error) {
    // Never hand a connection back mid-transaction (a failed set-up or commit
    // included); a rollback outside a transaction is only a warning.
    await connection`rollback`.catch(() => {});
    throw error;
  } finally {
    connection.release();
  }
}

/** Runs fn as the given user (or anonymous for null), with RLS enforced. */
export function withUser<T>(identity: DbIdentity | null, fn: (sql: Sql) => Promise<T>, db: Sql = pool()): Promise<T> {
  const rls: RlsContext = { role: identity ? "authenticated" : "anon", claims: JSON.stringify(claimsFor(identity)) };
  return inTransaction(db, rls, fn);
}

/**
 * The privileged path: bypasses row-level security. Only webhooks, user
 * provisioning and system jobs may call it; lint forbids it under graphql/.
 */
export function asService<T>(fn: (sql: Sql) => Promise<T>, db: Sql = pool()): Promise<T> {
  return inTransaction(db, null, fn);
}

/**
 * One transaction as the user, opened on first use and shared by every run()
 * until end() commits it (graphql/plugins/request-transaction.ts: all the
 * reads of one query request). Same RLS context as withUser.
 */
export function sharedUserTransaction(identity: DbIdentity | null, db: Sql = pool()) {
  const rls: RlsContext = { role: identity ? "authenticated" : "anon", claims: JSON.stringify(claimsFor(identity)) };
  let opened: Promise<postgres.ReservedSql> | null = null;
  const open = async () => {
    const connection = await db.reserve();
    try {
      await connection.unsafe(openTransactionStatement(rls));
    } catch (error) {
      await connection`rollback`.catch(() => {});
      connection.release();
      throw error;
    }
    return connection;
  };
  return {
    run: async <T>(fn: (sql: Sql) => Promise<T>): Promise<T> => {
      opened ??= open();
      return fn(await opened);
    },
    end: async (): Promise<void> => {
      const connection = await opened?.catch(() => null);
      if (!connection) return;
      try {
        await connection`commit`;
      } catch {
        await connection`rollback`.catch(() => {});
      } finally {
        connection.release();
      }
    },
  };
}
