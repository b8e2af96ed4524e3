/**
 * Generation changes as Postgres announces them: ONE LISTEN connection per
 * server process on the channel postora_generation_changed (migration
 * 20261207070000), fanned out in process to whoever listens for a person.
 *
 * - The connection is a session on the direct URL (DATABASE_DIRECT_URL, as
 *   the worker's): a transaction pooler cannot carry LISTEN. It is opened
 *   when the first listener arrives and closed when the last one leaves, so
 *   an idle process holds none.
 * - Notifications carry ids only ({ generationId, userId, op }); this module
 *   never reads a row. Each listener re-reads under its own person's RLS
 *   (lib/live/stream.ts) before anything leaves the process.
 * - If the connection drops, it is opened again (with backoff while the
 *   database is away) and every listener is told to resync once: what
 *   changed in between sent no notification anyone heard.
 * - Every process that listens hears every notification: several servers
 *   each fan out to their own streams.
 */
import pg from "pg";
import { z } from "zod";
import { getEnv } from "@/lib/env";
import { logger, type Logger } from "@/lib/log";

const GENERATION_CHANGED_CHANNEL = "postora_generation_changed";

const payloadSchema = z.object({
  generationId: z.uuid(),
  userId: z.uuid(),
  op: z.enum(["insert", "update", "delete", "file"]),
});

/** One notification: which generation of which person, and what happened to it. */
export type GenerationChange = z.infer<typeof payloadSchema>;

type ChangeListener = {
  /** A change to one of this person's generations (or to a row naming them: re-read before trusting it). */
  onChange(change: GenerationChange): void;
  /** The connection was lost at `lostAt` and is back: changes since then were not heard. */
  onResync(lostAt: Date): void;
};

export type ChangeFeed = {
  /** Listens for one person's changes until the returned function is called. */
  listen(userId: string, listener: ChangeListener): () => void;
  /** Settles once the LISTEN connection is open (at once if it is); false if it did not open within timeoutMs. */
  ready(timeoutMs: number): Promise<boolean>;
  /** Listeners now registered (for tests and the bench: nothing should outlive its stream). */
  listenerCount(): number;
  /** Whether the LISTEN connection is open. */
  connected(): boolean;
  /** Closes the connection and drops every listener. */
  close(): Promise<void>;
};

type ChangeFeedOptions = {
  connectionString: string;
  log: Logger;
  /** First wait before opening the connection again after a loss; doubles up to maxRetryMs. */
  retryMs?: number;
  maxRetryMs?: number;
};

export function createChangeFeed(options: ChangeFeedOptions): ChangeFeed {
  const { connectionString, log } = options;
  const firstRetryMs = options.retryMs ?? 250;
  const maxRetryMs = options.maxRetryMs ?? 5000;
  const byUser = new Map<string, Set<ChangeListener>>();
  let count = 0;
  let client: pg.Client | null = null;
  let opening: Promise<void> | null = null;
  let retry: NodeJS.Timeout | null = null;
  let retryMs = firstRetryMs;
  // When a connection was lost (null: none was): the next one to open must tell every listener to resync.
  let lostAt: Date | null = null;
  // Who waits for the connection to open (ready()).
  const waiting = new Set<() => void>();
  // Whether the connection had opened since the last listener arrived: a first opening that fails loses nothing.
  let everOpened = false;

  const dispatch = (message: pg.Notification) => {
    if (message.channel !== GENERATION_CHANGED_CHANNEL) return;
    let change: GenerationChange;
    try {
      change = payloadSchema.parse(JSON.parse(message.payload ?? ""));
    } catch (error) {
      log.warn("ignored a malformed generation notification", { error });
      return;
    }
    for (const listener of byUser.get(change.userId) ?? []) listener.onChange(change);
  };

  const resyncAll = (since: Date) => {
    for (const listeners of byUser.values()) for (const listener of listeners) listener.onResync(since);
  };

  const scheduleReopen = () => {
    if (retry || count === 0) return;
    retry = setTimeout(() => {
      retry = null;
      void open();
    }, retryMs);
    retryMs = Math.min(retryMs * 2, maxRetryMs);
  };

  const onLost = (connection: pg.Client, error?: unknown) => {
    if (client !== connection) return;
    client = null;
    lostAt ??= new Date();
    connection.removeAllListeners("notification");
    // Swallows the 'error' a dying connection may still emit.
    connection.on("error", () => {});
    connection.end().catch(() => {});
    if (count > 0) log.warn("lost the LISTEN connection for live updates; opening it again", { error });
    scheduleReopen();
  };

  const open = (): Promise<void> => {
    if (client || opening || count === 0) return opening ?? Promise.resolve();
    const connection = new pg.Client({ connectionString, application_name: "postora-live" });
    connection.on("notification", dispatch);
    connection.on("error", (error) => onLost(connection, error));
    connection.on("end", () => onLost(connection));
    opening = (async () => {
      try {
        await connection.connect();
        await connection.query(`listen ${GENERATION_CHANGED_CHANNEL}`);
      } catch (error) {
        connection.removeAllListeners();
        connection.on("error", () => {});
        await connection.end().catch(() => {});
        if (lostAt === null && client === null && everOpened) lostAt = new Date();
        log.warn("could not open the LISTEN connection for live updates; trying again", { error });
        scheduleReopen();
        return;
      } finally {
        opening = null;
      }
      if (count === 0) {
        // Everyone left while it opened.
        connection.removeAllListeners();
        connection.on("error", () => {});
        await connection.end().catch(() => {});
        return;
      }
      client = connection;
      retryMs = firstRetryMs;
      for (const wake of waiting) wake();
      everOpened = true;
      if (lostAt) {
        const since = lostAt;
        lostAt = null;
        log.info("the LISTEN connection for live updates is back; streams resync");
        resyncAll(since);
      }
    })();
    return opening;
  };

  const shut = async () => {
    if (retry) clearTimeout(retry);
    retry = null;
    lostAt = null;
    everOpened = false;
    const connection = client;
    client = null;
    if (!connection) return;
    connection.removeAllListeners();
    connection.on("error", () => {});
    await connection.end().catch(() => {});
  };

  return {
    listen(userId, listener) {
      let listeners = byUser.get(userId);
      if (!listeners) byUser.set(userId, (listeners = new Set()));
      listeners.add(listener);
      count += 1;
      void open();
      let removed = false;
      return () => {
        if (removed) return;
        removed = true;
        listeners.delete(listener);
        if (listeners.size === 0) byUser.delete(userId);
        count -= 1;
        if (count === 0) void shut();
      };
    },
    ready(timeoutMs) {
      if (client) return Promise.resolve(true);
      return new Promise<boolean>((resolve) => {
        const wake = () => settle(true);
        const timer = setTimeout(() => settle(false), timeoutMs);
        function settle(open: boolean) {
          clearTimeout(timer);
          waiting.delete(wake);
          resolve(open);
        }
        waiting.add(wake);
      });
    },
    listenerCount: () => count,
    connected: () => client !== null,
    async close() {
      byUser.clear();
      count = 0;
      await opening;
      await shut();
    },
  };
}

const globalForLive = globalThis as typeof globalThis & { postoraChangeFeed?: ChangeFeed; postoraChangeFeedUrl?: string };

/** This process's one change feed, on the direct connection (DATABASE_DIRECT_URL, else DATABASE_URL). */
export function changeFeed(): ChangeFeed {
  const url = getEnv().databaseDirectUrl;
  if (!url) throw new Error("DATABASE_DIRECT_URL (or DATABASE_URL) is not set: live updates need a database to listen to.");
  if (!globalForLive.postoraChangeFeed || globalForLive.postoraChangeFeedUrl !== url) {
    void globalForLive.postoraChangeFeed?.close();
    globalForLive.postoraChangeFeed = createChangeFeed({ connectionString: url, log: logger.child({ source: "live" }) });
    globalForLive.postoraChangeFeedUrl = url;
  }
  return globalForLive.postoraChangeFeed;
}
