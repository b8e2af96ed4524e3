/**
 * The database, with exactly two ways in:
 *
 * - withUser(identity, fn): one transaction as the `authenticated` role (or
 *   `anon` for null) with the caller's JWT claims set the way PostgREST sets
 *   them, so row-level security decides what the SQL can see. Resolvers use
 *   only this, or, for a query's reads, userReads(identity): the same role
 *   and claims, each read its own transaction sent in one packet.
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
import { textLiteral } from "@/lib/db/literal";
import { getEnv } from "@/lib/env";
import { DatabaseUnavailableError, unavailableError } from "@/lib/faults";

/**
 * How long anything may take before the caller hears SERVICE_UNAVAILABLE.
 * The request path (withUser) is tighter than the service path (webhooks,
 * system jobs), which may run longer statements. Timeouts are set per
 * transaction (SET LOCAL), which works through Supabase's transaction pooler.
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
 * postgres.js captures a stack trace (new Error()) for every query, fragments
 * included, while a `debug` hook is set, and attaches parameters to its
 * errors: about 3% of a list request's CPU (BENCHMARKS.md). So the hook that
 * feeds onQuery is set on the pools only while someone listens (tests, the
 * benchmark's statement count), never in production.
 */
const pools = new Set<WeakRef<Sql>>();
const observeQueries = (_connection: number, query: string) => {
  for (const listener of queryListeners) listener(query);
};
function setQueryHook(): void {
  for (const ref of pools) {
    const sql = ref.deref();
    if (!sql) pools.delete(ref);
    else sql.options.debug = queryListeners.size > 0 ? observeQueries : false;
  }
}

/** Observe every statement sent (tests count statements to catch N+1). */
export function onQuery(listener: QueryListener): () => void {
  queryListeners.add(listener);
  setQueryHook();
  return () => {
    queryListeners.delete(listener);
    setQueryHook();
  };
}

export function createPool(url: string, options: { max?: number } = {}): Sql {
  const sql = postgres(url, {
    max: options.max ?? 10,
    prepare: false,
    idle_timeout: 20,
    connect_timeout: DB_LIMITS.connectTimeoutSeconds,
    onnotice: () => {},
    transform: { column: { from: postgres.toCamel } },
    connection: { application_name: "postora-api" },
  });
  pools.add(new WeakRef(sql));
  setQueryHook();
  return sql;
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
    globalForDb.postoraPool = createPool(url, { max: getEnv().databasePoolSize });
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

/** The RLS context of a transaction: a role to switch to and the claims it sees. */
export type RlsContext = { role: "authenticated" | "anon"; claims: string };

type Timeouts = { statementTimeoutMs: number; idleInTransactionMs: number };

/**
 * The statement that opens a transaction, bounds it, and, for withUser, sets
 * its RLS context: one simple-protocol message, so BEGIN, the timeouts, the
 * role and the claims cost a single round trip (measured in BENCHMARKS.md).
 * Simple protocol cannot bind parameters, so the claims travel as a
 * base64 literal (lib/db/literal.ts), which no claim value can break out
 * of. Everything it sets is transaction-local, so nothing leaks to the next
 * user of a pooled connection.
 */
function openTransactionStatement(rls: RlsContext | null, timeouts: Timeouts = rls ? DB_LIMITS.user : DB_LIMITS.service): string {
  if (rls) return `begin; ${requestContextStatement(rls, timeouts)}`;
  const [statementMs, idleMs] = [Math.trunc(timeouts.statementTimeoutMs), Math.trunc(timeouts.idleInTransactionMs)];
  return `begin; select set_config('statement_timeout', '${statementMs}', true), set_config('idle_in_transaction_session_timeout', '${idleMs}', true)`;
}

/**
 * The RLS context and bounds of a person's transaction, without the BEGIN:
 * one call of private.enter_request (migration 20261207000000_enter_request.sql),
 * kept short on purpose (a read's whole message should fit one packet,
 * userReads). Also the first statement of a message that runs as one
 * implicit transaction (userReads, the benchmark's limits): what it sets
 * holds for the rest of that message and is gone after it.
 */
export function requestContextStatement(rls: RlsContext, timeouts: Timeouts = DB_LIMITS.user): string {
  const [statementMs, idleMs] = [Math.trunc(timeouts.statementTimeoutMs), Math.trunc(timeouts.idleInTransactionMs)];
  const role = rls.role === "authenticated" ? "authenticated" : "anon";
  return `select private.enter_request('${role}', ${textLiteral(rls.claims)}, ${statementMs}, ${idleMs})`;
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
 * postgres.js (3.4.9, issue porsager/postgres#1208) crashes the process with
 * an uncatchable TypeError when a query is written to a reserved connection
 * whose socket has closed, and puts such a connection back into use if it
 * is released. So each transaction watches its connection: the driver's
 * per-connection close hook (set through the internal `onexecute` query
 * option, as the driver's own sql.begin does) marks it lost; from then on
 * the transaction's Sql refuses to send anything, and the dead connection is
 * left to the pool, which reconnects it when needed, instead of being released.
 */
type DriverConnection = { onclose: ((error?: unknown) => void) | null };
type Watch = { lost: unknown; closed: Promise<void>; connection: DriverConnection | null };

function watchConnection(): { watch: Watch; onexecute: (connection: DriverConnection) => boolean } {
  let markClosed!: () => void;
  const watch: Watch = { lost: null, closed: new Promise<void>((resolve) => (markClosed = resolve)), connection: null };
  const onexecute = (connection: DriverConnection) => {
    watch.connection = connection;
    connection.onclose = (error?: unknown) => {
      watch.lost = error ?? new Error("The database connection closed.");
      markClosed();
    };
    return true; // "can take more queries": what the driver expects of an idle reserved connection
  };
  return { watch, onexecute };
}

/**
 * A read's statements, held until its message is made (userReads):
 * `sealed` is set then (on a reserved connection, when the driver takes
 * the COMMIT), and from then on no statement made through the read's Sql
 * is let through, where it would run outside the read's transaction (after
 * its commit, as the connection's own role). `refused` notes that one tried.
 *
 * Until then the read's statements are `held`, not sent: the message is
 * made in the same tick as they are, and they go in it (a lone statement
 * without parameters), or ahead of the COMMIT, in order.
 */
type Seal = { sealed: boolean; refused: boolean; held: { query: DriverQuery; run: (query: DriverQuery) => void }[] };

/** postgres.js's query object: executed by handing itself to `handler` when first awaited (a fragment never is). */
type DriverQuery = {
  handler: (query: DriverQuery) => void;
  resolve: (result: unknown) => void;
  reject: (error: unknown) => void;
};

const isDriverQuery = (value: unknown): value is DriverQuery =>
  typeof value === "object" && value !== null && typeof (value as DriverQuery).handler === "function" && typeof (value as DriverQuery).reject === "function";

/** A tagged query's parts as postgres.js keeps them (a fragment is one too); anything else in `args` is a parameter. */
type DriverStatement = {
  tagged: boolean;
  strings: readonly string[];
  args: readonly unknown[];
  isRaw?: unknown;
  cursorFn?: unknown;
  forEachFn?: unknown;
  onlyDescribe?: unknown;
  streaming?: unknown;
};

const isDriverStatement = (value: unknown): value is DriverStatement =>
  typeof value === "object" &&
  value !== null &&
  typeof (value as DriverStatement).tagged === "boolean" &&
  Array.isArray((value as DriverStatement).strings) &&
  Array.isArray((value as DriverStatement).args);

/**
 * The text of a tagged query built only of SQL text and fragments, exactly
 * as postgres.js would write it (its stringify: each string, then what the
 * next argument renders to), or null when any part would be a parameter, a
 * helper (sql(...) of values or names), several statements, or when the
 * result is not plain rows (raw, values, cursor, forEach, describe).
 */
function parameterlessText(query: unknown, nested = false): string | null {
  if (!isDriverStatement(query)) return null;
  if (!nested && (!query.tagged || query.isRaw || query.cursorFn || query.forEachFn || query.onlyDescribe || query.streaming)) return null;
  // An unsafe fragment (sql.unsafe("...")) is text with no parameters of its own.
  if (!query.tagged) return query.args.length === 0 && query.strings.length === 1 ? query.strings[0]! : null;
  let text = query.strings[0] ?? "";
  for (let index = 1; index < query.strings.length; index += 1) {
    const part = parameterlessText(query.args[index - 1], true);
    if (part === null) return null;
    text += part + query.strings[index];
  }
  // One statement only: in a simple-protocol message a second would run too.
  return nested || !text.includes(";") ? text : null;
}

/** Holds the query until the read's message is made (or its COMMIT sends it), while the seal is open; refuses it once sealed. */
function gate(query: DriverQuery, seal: Seal): void {
  const run = query.handler;
  query.handler = (taken) => {
    if (seal.sealed) {
      seal.refused = true;
      query.reject(new Error("A statement came after its read's commit; the read is run again in a transaction of its own."));
      return;
    }
    seal.held.push({ query: taken, run });
  };
}

/** The transaction's Sql, refusing to send anything once its connection is lost (or, with a seal, once it is sealed). */
function guarded(connection: Sql, watch: Watch | null, seal?: Seal): Sql {
  const refuseIfLost = () => {
    if (watch?.lost) throw new DatabaseUnavailableError(watch.lost, "The database connection was lost mid-request");
  };
  const sealed = (value: unknown) => {
    if (seal && isDriverQuery(value)) gate(value, seal);
    return value;
  };
  return new Proxy(connection, {
    apply(target, thisArg, args) {
      refuseIfLost();
      return sealed(Reflect.apply(target, thisArg, args) as unknown);
    },
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if ((property === "unsafe" || property === "file") && typeof value === "function") {
        return (...args: unknown[]) => {
          refuseIfLost();
          return sealed(Reflect.apply(value, target, args) as unknown);
        };
      }
      return value;
    },
  });
}

/** The server ended this session (a FATAL error) or the driver says the connection is gone: it must never be used again. */
function sessionIsOver(error: unknown): boolean {
  const { severity, code } = (error ?? {}) as { severity?: unknown; code?: unknown };
  return severity === "FATAL" || severity === "PANIC" || (typeof code === "string" && code.startsWith("CONNECTION_"));
}

/** An open transaction on one reserved connection, bounded and watched (see above). */
type OpenTransaction = {
  sql: Sql;
  /**
   * Commits and hands the connection back; a failure rolls back and throws what the caller should see.
   * With a seal (openTransaction's), the COMMIT is queued at once, behind whatever is queued already, and
   * seals the transaction as the driver takes it.
   */
  commit: () => Promise<void>;
  /** Rolls back, hands the connection back (unless it is lost) and returns the error the caller should see. */
  fail: (error: unknown) => Promise<unknown>;
  /** Notes an error a statement raised, so a connection whose session ended is never used again. */
  observe: (error: unknown) => void;
};

/**
 * Reserves a connection and sends the message that opens the transaction,
 * without waiting for its answer: statements sent before `opened` settles
 * travel in the same pipeline (postgres.js writes what is queued in one tick
 * as one packet) and run after it, inside the transaction. That is safe
 * because the message begins with BEGIN: whichever of its statements fails,
 * the server is left in an aborted transaction, and every statement
 * pipelined behind it fails unread (25P02) instead of running outside the
 * transaction as the connection's own role.
 *
 * `lead`, when given, is one simple-protocol statement of the service path
 * sent in the same message ahead of the transaction: it runs in a
 * transaction of its own, committed before the caller's begins, so its row
 * locks last only for itself and it costs no round trip of its own.
 * `opened` resolves to its first row (or undefined without one) and rejects
 * with its error, or with the opening's.
 */
async function openTransaction(
  db: Sql,
  rls: RlsContext | null,
  lead?: string,
  seal?: Seal,
): Promise<OpenTransaction & { opened: Promise<unknown> }> {
  const connection = await reserveWithin(db, DB_LIMITS.poolWaitMs);
  const { watch, onexecute } = watchConnection();
  const sql = guarded(connection, watch, seal);
  // The COMMIT goes through the watch (a lost connection is never written to) but not through a seal, which would refuse it.
  const unsealed = seal ? guarded(connection, watch) : sql;
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    // A lost connection is never released: the driver has it (or will, once it closes) among its closed ones, to reconnect.
    if (watch.lost) return;
    if (watch.connection) watch.connection.onclose = null;
    connection.release();
  };
  const observe = (error: unknown) => {
    if (sessionIsOver(error)) watch.lost ??= error;
  };
  const fail = async (error: unknown) => {
    const fault = unavailableError(error);
    observe(error);
    // Another connection-level failure (a reset socket): its close usually
    // follows within moments; wait briefly so nothing is written to a dead socket.
    if (fault && !watch.lost) await Promise.race([watch.closed, new Promise((resolve) => setTimeout(resolve, 1000))]);
    // Never hand a connection back mid-transaction (a failed set-up or commit
    // included); a rollback outside a transaction is only a warning.
    if (!watch.lost) await connection`rollback`.catch(() => {});
    release();
    // The database (or storage, inside fn) could not answer: SERVICE_UNAVAILABLE; anything else as it was.
    return fault ?? error;
  };
  const opening = openTransactionStatement(rls);
  const message = lead ? `begin; ${lead}; commit; ${opening}` : opening;
  const opened = Promise.resolve(connection.unsafe(message, [], { onexecute } as postgres.UnsafeQueryOptions)).then((results) =>
    lead ? (results as unknown as unknown[][])[1]?.[0] : undefined,
  );
  // Whoever uses the transaction hears of a failure; until then it must not count as unhandled.
  opened.catch(() => {});
  const commit = async () => {
    try {
      // Simple protocol: one short message, where a tagged `commit` is five (Parse, Describe, Bind, Execute, Sync).
      const committing = unsealed.unsafe("commit");
      if (seal) {
        const run = (committing as unknown as DriverQuery).handler;
        (committing as unknown as DriverQuery).handler = (taken) => {
          seal.sealed = true;
          for (const statement of seal.held.splice(0)) statement.run(statement.query);
          run(taken);
        };
      }
      await committing;
    } catch (error) {
      throw await fail(error);
    }
    release();
  };
  return { sql, commit, fail, observe, opened };
}

/** Runs fn in one transaction on one reserved connection. */
async function inTransaction<T>(db: Sql, rls: RlsContext | null, fn: (sql: Sql) => Promise<T>): Promise<T> {
  const transaction = await openTransaction(db, rls);
  let result: T;
  try {
    // A write may do more than SQL (a storage call, say) before its first statement: it starts only once the transaction is open.
    await transaction.opened;
    result = await fn(transaction.sql);
  } catch (error) {
    throw await transaction.fail(error);
  }
  await transaction.commit();
  return result;
}

/** The RLS context of a person, or of an anonymous caller for null. */
export function rlsContextFor(identity: DbIdentity | null): RlsContext {
  return { role: identity ? "authenticated" : "anon", claims: JSON.stringify(claimsFor(identity)) };
}

/** Runs fn as the given user (or anonymous for null), with RLS enforced. */
export function withUser<T>(identity: DbIdentity | null, fn: (sql: Sql) => Promise<T>, db: Sql = pool()): Promise<T> {
  return inTransaction(db, rlsContextFor(identity), fn);
}

/**
 * The privileged path: bypasses row-level security. Only webhooks, user
 * provisioning and system jobs may call it; lint forbids it under graphql/.
 */
export function asService<T>(fn: (sql: Sql) => Promise<T>, db: Sql = pool()): Promise<T> {
  return inTransaction(db, null, fn);
}

/**
 * The reads of one query request (graphql/plugins/request-transaction.ts),
 * as the user, under the same RLS context as withUser, each in a transaction
 * of its own that costs one round trip.
 *
 * A read whose first statement is its only one and has no parameters (a
 * first page, say) goes to the pool as ONE simple-protocol message and no
 * connection is reserved for it: `[lead; commit;] enter_request(...);
 * statement`. Without BEGIN, Postgres runs such a message as an implicit
 * transaction: the RLS context enter_request sets holds for the statement
 * and is gone when the message ends, and a failure anywhere skips the rest
 * and rolls back, so the connection goes back clean whatever happens. The
 * driver pipelines such messages from concurrent requests on its
 * connections, as it does the bare route's (lib/bench/limit.ts): about half
 * the driver's CPU of a reserved transaction (BENCHMARKS.md).
 *
 * Any other read (several statements at once, parameters) runs again in a
 * transaction on a reserved connection whose opening, statements and COMMIT
 * go out in one packet (see openTransaction), and the connection goes back
 * as soon as the answers arrive.
 *
 * Nothing runs outside the read's transaction: once its message is made (or
 * its COMMIT taken), the read's Sql lets no other statement through. A read
 * that makes a statement after that (one that waits for its first answer)
 * is refused there and run again in a transaction of its own that waits for
 * each statement (inTransaction). Reads run twice change nothing.
 *
 * lead() puts one simple-protocol statement of the service path (the rate
 * limit's counter, lib/rate-limit.ts) in front of the first read, committed
 * on its own before the read begins, so its row locks last only for itself.
 * Nothing a read made is handed back before the lead's outcome is known.
 */
export function userReads(identity: DbIdentity | null, db: Sql = pool()) {
  const rls = rlsContextFor(identity);
  const context = requestContextStatement(rls);
  let lead: Lead | null = null;
  let started = false;
  const sendLead = (statement: string): Promise<unknown> => Promise.resolve(db.unsafe(statement)).then((rows) => rows[0]);
  // Sent with this read or another one: its refusal stands for every read.
  const admission = async () => {
    try {
      await lead?.result;
    } catch (error) {
      throw unavailableError(error) ?? error;
    }
  };

  /** The lead's outcome, known at once (so leadResult() neither sends it again nor misses it) and settled once it is sent. */
  const carry = (carried: Lead): ((outcome: Promise<unknown>) => void) => {
    let settle!: (outcome: Promise<unknown>) => void;
    carried.result = new Promise<unknown>((resolve) => (settle = resolve));
    carried.result.catch(() => {});
    return settle;
  };

  /**
   * What a read hands back once its statements are answered: a read that tried to send a statement after its
   * message was made runs again in a transaction of its own; otherwise its value or its error (a fault as
   * SERVICE_UNAVAILABLE; the resolver's own error is reported by GraphQL, and the reads already done stand).
   */
  const handBack = <T>(fn: (sql: Sql) => Promise<T>, seal: Seal, outcome: Settled<T>, observe?: (error: unknown) => void): T | Promise<T> => {
    if (seal.refused) return inTransaction(db, rls, fn);
    if ("value" in outcome) return outcome.value;
    observe?.(outcome.error);
    throw unavailableError(outcome.error) ?? outcome.error;
  };

  /** A read on a reserved connection, its statements held until its COMMIT (openTransaction). */
  const inReservedTransaction = async <T>(fn: (sql: Sql) => Promise<T>, carried: Lead | null, settleLead: ((outcome: Promise<unknown>) => void) | null): Promise<T> => {
    const seal: Seal = { sealed: false, refused: false, held: [] };
    const reserving = openTransaction(db, rls, carried?.statement, seal);
    settleLead?.(reserving.then((transaction) => transaction.opened));
    const transaction = await reserving;
    const work = fn(transaction.sql);
    work.catch(() => {});
    const committed = transaction.commit();
    committed.catch(() => {});
    try {
      await transaction.opened;
      await admission();
    } catch (error) {
      await committed.catch(() => {});
      // Refused (the lead statement raised) or the database is unreachable: what fn read, if anything, is not handed back.
      throw unavailableError(error) ?? error;
    }
    const outcome = await settled(work);
    try {
      await committed;
    } catch (error) {
      throw unavailableError(error) ?? error;
    }
    return handBack(fn, seal, outcome, transaction.observe);
  };

  return {
    run: async <T>(fn: (sql: Sql) => Promise<T>): Promise<T> => {
      const carried = lead && !lead.result ? lead : null;
      const settleLead = carried ? carry(carried) : null;
      started = true;
      const seal: Seal = { sealed: false, refused: false, held: [] };
      const work = fn(guarded(db, null, seal));
      work.catch(() => {});
      const held = await heldSoFar(db, seal);
      const alone = held.length === 1 ? parameterlessText(held[0]!.query) : null;
      if (alone === null && held.length > 0) {
        for (const { query } of held) query.reject(new Error("This read is run again on a reserved connection."));
        return inReservedTransaction(fn, carried, settleLead);
      }
      if (alone === null) {
        // No statement yet: nothing to send for this read but the lead it carries.
        settleLead?.(sendLead(carried!.statement));
        const outcome = await settled(work);
        await admission();
        return handBack(fn, seal, outcome);
      }
      const message = `${carried ? `${carried.statement}; commit; ` : ""}${context}; ${alone}`;
      const results = Promise.resolve(db.unsafe(message)) as unknown as Promise<unknown[][]>;
      // One Result per statement that returns rows (COMMIT returns none): the lead's, the context's, the read's.
      const expected = carried ? 3 : 2;
      results.then(
        (answered) => held[0]!.query.resolve(answered.length === expected ? answered.at(-1) : []),
        (error: unknown) => held[0]!.query.reject(error),
      );
      // A failure other than the lead's refusal or a fault may have come after the lead had run, or from the lead
      // itself: it is sent again on its own, so no read is admitted uncounted (at worst it counts twice).
      settleLead?.(results.then((answered) => answered[0]?.[0], (error: unknown) => (carried!.isRefusal(error) || unavailableError(error) ? Promise.reject(error) : sendLead(carried!.statement))));
      try {
        await admission();
      } catch (error) {
        await results.catch(() => {});
        throw error;
      }
      return handBack(fn, seal, await settled(work));
    },
    /**
     * Puts one simple-protocol statement of the service path in the message of the first read. `isRefusal` tells
     * its own refusal (the rate limit's PT429) from other failures of that message.
     */
    lead: (statement: string, isRefusal: (error: unknown) => boolean): void => {
      if (started) throw new Error("lead: a read has started already");
      lead = { statement, isRefusal, result: null };
    },
    /** The lead statement's first row (or error); sent on its own now if no read has carried it. */
    leadResult: async (): Promise<unknown> => {
      if (!lead) throw new Error("leadResult: no lead statement was given");
      lead.result ??= sendLead(lead.statement);
      return lead.result;
    },
  };
}

type Lead = { statement: string; isRefusal: (error: unknown) => boolean; result: Promise<unknown> | null };

type Settled<T> = { value: T } | { error: unknown };

async function settled<T>(work: Promise<T>): Promise<Settled<T>> {
  try {
    return { value: await work };
  } catch (error) {
    return { error };
  }
}

/**
 * Resolves with the statements a read has made so far, held (gate), and seals it: a driver query of its
 * own, never sent, whose handler the driver calls after theirs. Each query's handler runs a microtask
 * after the query is first awaited, in the order they were, so everything the read made before its
 * first await is among them.
 */
function heldSoFar(db: Sql, seal: Seal): Promise<Seal["held"]> {
  const point = db.unsafe("") as unknown as DriverQuery & Promise<Seal["held"]>;
  point.handler = (taken) => {
    seal.sealed = true;
    taken.resolve(seal.held.splice(0));
  };
  return point;
}
