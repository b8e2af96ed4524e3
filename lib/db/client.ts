/**
 * The database, with three ways in:
 *
 * - withUser(identity, fn): one transaction as the `authenticated` role (or
 *   `anon` for null) with the caller's JWT claims set the way PostgREST sets
 *   them, so row-level security decides what the SQL can see.
 * - readOnce(identity, statements): the same role and claims for a read that
 *   is known in full before it is sent (a page of a list): one message, one
 *   round trip, no reserved connection. See its comment.
 * - asService(fn): the privileged path for webhooks and system jobs. It runs
 *   as the connection's own role, which owns the tables and bypasses RLS.
 *
 * The connection string may point at the Supabase pooler in transaction mode,
 * which cannot keep prepared statements, so none are used.
 *
 * Faults are bounded (see DB_LIMITS): a connection is made within seconds or
 * not at all, a request waits a bounded time for a free connection, and the
 * server ends a statement or an idle transaction that runs too long. An
 * unreachable, restarting or overloaded database surfaces as
 * DatabaseUnavailableError (SERVICE_UNAVAILABLE, lib/faults.ts); the
 * transaction is rolled back, so nothing is half-written, and the pool
 * reconnects on the next request once the database is back.
 */
import postgres from "postgres";
import { sqlText, textLiteral, integerLiteral, type SqlText } from "@/lib/db/literal";
import { getEnv } from "@/lib/env";
import { DatabaseUnavailableError, unavailableError } from "@/lib/faults";

/**
 * How long anything may take before the caller hears SERVICE_UNAVAILABLE.
 * The request path (withUser, readOnce) is tighter than the service path
 * (webhooks, system jobs), which may run longer statements. Timeouts are set
 * per transaction (SET LOCAL), which works through Supabase's transaction pooler.
 */
export const DB_LIMITS = {
  /** Seconds to open a TCP connection and log in (postgres.js connect_timeout). */
  connectTimeoutSeconds: 5,
  /** Milliseconds a transaction waits for a free pooled connection. */
  poolWaitMs: 5_000,
  user: { statementTimeoutMs: 10_000, idleInTransactionMs: 10_000 },
  service: { statementTimeoutMs: 60_000, idleInTransactionMs: 60_000 },
} as const;

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

/**
 * Observe every statement sent (tests count statements to catch N+1). Only
 * pools made with `observe` report, and the process's pool observes outside
 * production only: postgres.js captures a stack trace for every query while
 * its `debug` hook is set and puts parameters on its errors, which
 * production neither pays for nor wants in its logs.
 */
export function onQuery(listener: QueryListener): () => void {
  queryListeners.add(listener);
  return () => queryListeners.delete(listener);
}

const observeQueries = (_connection: number, query: string) => {
  for (const listener of queryListeners) listener(query);
};

export function createPool(url: string, options: { max?: number; observe?: boolean } = {}): Sql {
  return postgres(url, {
    max: options.max ?? 10,
    prepare: false,
    idle_timeout: 20,
    connect_timeout: DB_LIMITS.connectTimeoutSeconds,
    onnotice: () => {},
    transform: { column: { from: postgres.toCamel } },
    connection: { application_name: "postora-api" },
    debug: options.observe ? observeQueries : false,
    onclose: () => {
      for (const closed of [...closeWaiters]) closed();
    },
  });
}

const closeWaiters = new Set<() => void>();

/** Resolves when the driver next reports a closed connection, or after `withinMs`. */
function nextClose(withinMs: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      closeWaiters.delete(done);
      resolve();
    };
    const timer = setTimeout(done, withinMs);
    closeWaiters.add(done);
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
    globalForDb.postoraPool = createPool(url, { max: getEnv().databasePoolSize, observe: getEnv().nodeEnv !== "production" });
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

/** The JWT claims PostgREST would set for this caller (anonymous for null). */
function claimsFor(identity: DbIdentity | null): Record<string, unknown> {
  if (!identity) return { role: "anon" };
  return {
    sub: identity.clerkUserId,
    role: "authenticated",
    aud: "authenticated",
    ...(identity.email ? { email: identity.email } : {}),
    ...(identity.sessionId ? { session_id: identity.sessionId } : {}),
  };
}

type Timeouts = { statementTimeoutMs: number; idleInTransactionMs: number };

/**
 * The statement that gives the current transaction a person's RLS context
 * and bounds: private.enter_request (migration 20261207000000) sets the
 * timeouts, the claims and the role, all transaction-local, so nothing
 * outlives the transaction on a pooled connection. It is sent without
 * parameters, so the claims travel as an encoded literal (lib/db/literal.ts).
 */
function requestContextStatement(identity: DbIdentity | null, timeouts: Timeouts = DB_LIMITS.user): SqlText {
  const role = textLiteral(identity ? "authenticated" : "anon");
  const claims = textLiteral(JSON.stringify(claimsFor(identity)));
  const statementMs = integerLiteral(Math.trunc(timeouts.statementTimeoutMs));
  const idleMs = integerLiteral(Math.trunc(timeouts.idleInTransactionMs));
  return sqlText`select private.enter_request(${role}, ${claims}, ${statementMs}, ${idleMs})`;
}

/** The service path's bounds, for the current transaction. */
function serviceBoundsStatement(timeouts: Timeouts = DB_LIMITS.service): SqlText {
  const statementMs = textLiteral(String(Math.trunc(timeouts.statementTimeoutMs)));
  const idleMs = textLiteral(String(Math.trunc(timeouts.idleInTransactionMs)));
  return sqlText`select set_config('statement_timeout', ${statementMs}, true), set_config('idle_in_transaction_session_timeout', ${idleMs}, true)`;
}

/** A pooled connection within DB_LIMITS.poolWaitMs, or SERVICE_UNAVAILABLE; a late one goes straight back. */
async function reserveWithin(db: Sql, waitMs: number): Promise<postgres.ReservedSql> {
  const pending = db.reserve();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      pending.then((late) => late.release(), () => {});
      reject(new DatabaseUnavailableError(null, `The database is busy: no connection became free within ${waitMs / 1000} s`));
    }, waitMs);
  });
  try {
    return await Promise.race([pending, timedOut]);
  } catch (error) {
    throw unavailableError(error) ?? error;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Whether an error says the connection itself is gone: the server ended the
 * session (FATAL), the driver saw it close (CONNECTION_*), or the socket
 * failed (a Node socket error, with its `syscall`). Anything else (an SQL
 * error, a statement timeout, a storage call failing inside fn) leaves the
 * connection usable.
 */
function connectionIsGone(error: unknown): boolean {
  const { severity, code, syscall } = (error ?? {}) as { severity?: unknown; code?: unknown; syscall?: unknown };
  return severity === "FATAL" || severity === "PANIC" || typeof syscall === "string" || (typeof code === "string" && code.startsWith("CONNECTION_"));
}

/**
 * Runs fn in one transaction on one reserved connection. The opening (BEGIN
 * and the context, one message) is answered before fn starts, so a write
 * that does more than SQL (a storage call, say) starts only once the
 * transaction is open.
 *
 * A connection that is gone is never handed back (see connectionIsGone).
 * Writing to one rejects with CONNECTION_CLOSED rather than crashing the
 * process: postgres.js #1208, fixed by the patch in patches/ until released.
 */
async function inTransaction<T>(db: Sql, context: SqlText, fn: (sql: Sql) => Promise<T>): Promise<T> {
  const connection = await reserveWithin(db, DB_LIMITS.poolWaitMs);
  let result: T;
  try {
    await connection.unsafe(`begin; ${context}`);
    result = await fn(connection);
    await connection.unsafe("commit");
  } catch (error) {
    // A gone connection is left to the pool, which has it among its closed ones and reconnects it when needed;
    // a live one is rolled back (never handed back mid-transaction) and released.
    let lost = connectionIsGone(error);
    if (!lost) await connection.unsafe("rollback").catch(() => (lost = true));
    if (!lost) connection.release();
    // A server's FATAL or a socket error comes a moment before the driver closes the connection. Answering
    // only once it has (or after a second) keeps the caller's retry off that connection while it still
    // holds the failed exchange (a retry queued then would be handed the old error when it reconnects).
    else if (!String((error as { code?: unknown }).code).startsWith("CONNECTION_")) await nextClose(1000);
    // The database (or storage, inside fn) could not answer: SERVICE_UNAVAILABLE; anything else as it was.
    throw unavailableError(error) ?? error;
  }
  connection.release();
  return result;
}

/** Runs fn as the given user (or anonymous for null), with RLS enforced. */
export function withUser<T>(identity: DbIdentity | null, fn: (sql: Sql) => Promise<T>, db: Sql = pool()): Promise<T> {
  return inTransaction(db, requestContextStatement(identity), fn);
}

/**
 * The privileged path: bypasses row-level security. Only webhooks, user
 * provisioning and system jobs may call it; lint forbids it under graphql/.
 */
export function asService<T>(fn: (sql: Sql) => Promise<T>, db: Sql = pool()): Promise<T> {
  return inTransaction(db, serviceBoundsStatement(), fn);
}

/** The rows of each statement of a readOnce, in order. */
export type ReadResults = Record<string, unknown>[][];

/**
 * The fast path for a read known in full before it is sent: the caller's
 * RLS context and the statements go to the pool as ONE simple-protocol
 * message, with no connection reserved and no BEGIN or COMMIT of its own.
 * Postgres runs such a message as one implicit transaction: what
 * enter_request sets holds for the statements and is gone when the message
 * ends, and a failure anywhere rolls it all back, so the connection goes
 * back clean whatever happens. The driver pipelines such messages from
 * concurrent requests on its connections.
 *
 * The statements are SqlText (lib/db/literal.ts): our own SQL with encoded
 * values, never a string from outside, because a simple-protocol message
 * cannot bind parameters.
 */
export async function readOnce(identity: DbIdentity | null, statements: readonly SqlText[], db: Sql = pool()): Promise<ReadResults> {
  if (statements.length === 0) return [];
  const message = [requestContextStatement(identity), ...statements].join(";\n");
  try {
    // One result per statement, the context's first (its one row says nothing).
    const results = (await db.unsafe(message)) as unknown as ReadResults;
    return results.slice(1);
  } catch (error) {
    throw unavailableError(error) ?? error;
  }
}
