/**
 * One live stream of a person's generations (subscription generationUpdated):
 * what the change feed (lib/live/changes.ts) announces, re-read as that
 * person under row-level security, as an async iterator.
 *
 * - Nothing is sent that the person's own read did not return: a
 *   notification for another person's row, or a deleted one, sends nothing.
 * - Between events the stream holds no database connection: each re-read
 *   takes one from the pool and hands it back.
 * - Changes that arrive while a read runs are gathered and read together
 *   after it; an event not yet taken by the client is replaced by a newer
 *   one of the same generation, so a slow client costs at most one event per
 *   generation.
 * - Every `recheckMs` (default 30 s) it asks whether its credential still
 *   stands (the Clerk session, the API key, the account); when not, it
 *   sends one last event saying why and ends.
 * - A person holds at most `maxPerPerson` open streams on this process.
 * - The client going away (the request's signal, or return()) frees
 *   everything at once: no listener, timer or slot outlives the stream.
 */
import { generationsByIds, generationsChangedSince, type GenerationRow } from "@/lib/generations/generations";
import type { Sql } from "@/lib/db/client";
import { AppError, NotFoundError } from "@/lib/errors";
import type { ChangeFeed, GenerationChange } from "@/lib/live/changes";
import type { Logger } from "@/lib/log";

/** What a stream yields: a generation as its owner sees it now, or why the stream ends. */
export type LiveEvent = { kind: "generation"; row: GenerationRow } | { kind: "ended"; error: AppError };

export type StreamDeps = {
  feed: ChangeFeed;
  /** Runs SQL as the stream's person, under RLS (withUser). */
  read: <T>(fn: (sql: Sql) => Promise<T>) => Promise<T>;
  /** Whether the credential the stream opened with still stands; an error counts as yes (checked again later). */
  stillAllowed: () => Promise<{ allowed: true } | { allowed: false; reason: string }>;
  log: Logger;
  maxPerPerson: number;
  recheckMs?: number;
  /** How long opening waits for the LISTEN connection (default 5 s). */
  readyTimeoutMs?: number;
  /** The request's signal: aborted when the client goes away, which ends the stream at once. */
  signal?: AbortSignal;
};

export type StreamTarget = { userId: string; generationId: string | null };

const open = new Map<string, number>();

/** Streams open on this process, per person and in all. */
export function openStreamCount(userId?: string): number {
  if (userId !== undefined) return open.get(userId) ?? 0;
  let total = 0;
  for (const count of open.values()) total += count;
  return total;
}

function admit(userId: string, max: number): () => void {
  const current = open.get(userId) ?? 0;
  if (current >= max) {
    throw new AppError(
      "TOO_MANY_STREAMS",
      `You have ${current} live streams open on this server, the most one person may (per server process). Close one (end its subscription) before opening another.`,
      { limit: max },
    );
  }
  open.set(userId, current + 1);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const left = (open.get(userId) ?? 1) - 1;
    if (left > 0) open.set(userId, left);
    else open.delete(userId);
  };
}

/** What a client sees of a row change (files aside): equal fingerprints, nothing new to say. */
const fingerprint = (row: GenerationRow) =>
  JSON.stringify([row.status, row.completedAt, row.failureReason, row.bulletPoints, row.slides, row.quote, row.canvaDesignId]);

/**
 * Opens a stream: counts it against the person's limit, listens, waits for
 * the LISTEN connection, and (for one generation) checks the person can see
 * it (NOT_FOUND otherwise). Refusals throw before anything is held.
 */
export async function openGenerationStream(deps: StreamDeps, target: StreamTarget): Promise<AsyncIterableIterator<LiveEvent>> {
  const { feed, read, log } = deps;
  const release = admit(target.userId, deps.maxPerPerson);
  const queue: LiveEvent[] = [];
  let waiter: ((result: IteratorResult<LiveEvent>) => void) | null = null;
  let done = false;
  let ending = false;
  const dirty = new Set<string>();
  let resyncSince: Date | null = null;
  let draining = false;
  // Last fingerprint sent per generation, so a resync re-sends only what changed (at most 500 remembered).
  const sent = new Map<string, string>();
  let recheck: NodeJS.Timeout | null = null;
  let stopListening: () => void = () => {};

  const finish = () => {
    if (done) return;
    done = true;
    deps.signal?.removeEventListener("abort", finish);
    stopListening();
    if (recheck) clearInterval(recheck);
    release();
    queue.length = 0;
    dirty.clear();
    const wake = waiter;
    waiter = null;
    wake?.({ value: undefined, done: true });
  };

  const push = (event: LiveEvent) => {
    if (done || ending) return;
    if (waiter) {
      const wake = waiter;
      waiter = null;
      wake({ value: event, done: false });
      return;
    }
    if (event.kind === "generation") {
      const older = queue.findIndex((queued) => queued.kind === "generation" && queued.row.id === event.row.id);
      if (older >= 0) queue.splice(older, 1);
    }
    queue.push(event);
  };

  const end = (error: AppError) => {
    push({ kind: "ended", error });
    ending = true;
    if (!waiter && queue.length === 0) finish();
  };

  const note = (row: GenerationRow) => {
    sent.delete(row.id);
    sent.set(row.id, fingerprint(row));
    if (sent.size > 500) sent.delete(sent.keys().next().value!);
  };

  const drain = async () => {
    if (draining) return;
    draining = true;
    try {
      while (!done && !ending && (dirty.size > 0 || resyncSince)) {
        const ids = [...dirty];
        dirty.clear();
        const since = resyncSince;
        resyncSince = null;
        if (since) {
          const known = target.generationId ? [target.generationId] : [...sent.keys()];
          let rows = await read((sql) => generationsChangedSince(sql, new Date(since.getTime() - 30_000), [...known, ...ids]));
          if (target.generationId) rows = rows.filter((row) => row.id === target.generationId);
          for (const row of rows.reverse()) {
            if (ids.includes(row.id) || sent.get(row.id) !== fingerprint(row)) {
              note(row);
              push({ kind: "generation", row });
            }
          }
        } else {
          const rows = await read((sql) => generationsByIds(sql, ids));
          for (const row of rows) {
            if (!row) continue;
            note(row);
            push({ kind: "generation", row });
          }
        }
      }
    } catch (error) {
      log.warn("a live stream could not re-read its generations; it ends", { error });
      end(new AppError("SERVICE_UNAVAILABLE", "Live updates stopped: the database did not answer. Subscribe again in a few seconds."));
    } finally {
      draining = false;
    }
  };

  if (deps.signal?.aborted) {
    release();
    throw new AppError("FAILED_PRECONDITION", "The client went away before the stream opened.");
  }
  deps.signal?.addEventListener("abort", finish, { once: true });
  try {
    stopListening = feed.listen(target.userId, {
      onChange(change: GenerationChange) {
        if (target.generationId && change.generationId !== target.generationId) return;
        dirty.add(change.generationId);
        void drain();
      },
      onResync(lostAt: Date) {
        resyncSince = resyncSince && resyncSince < lostAt ? resyncSince : lostAt;
        void drain();
      },
    });
    if (!(await feed.ready(deps.readyTimeoutMs ?? 5000))) {
      throw new AppError("SERVICE_UNAVAILABLE", "Live updates are unavailable just now (the server cannot listen to the database). Try again shortly, or poll.");
    }
    if (target.generationId) {
      const [row] = await read((sql) => generationsByIds(sql, [target.generationId!]));
      if (!row) throw new NotFoundError("generation", target.generationId);
      note(row);
    }
  } catch (error) {
    finish();
    throw error;
  }

  recheck = setInterval(() => {
    deps.stillAllowed().then(
      (verdict) => {
        if (!verdict.allowed) end(new AppError("UNAUTHENTICATED", `This live stream ended: ${verdict.reason} Sign in again and subscribe again.`));
      },
      (error: unknown) => log.warn("could not check a live stream's credential; checking again later", { error }),
    );
  }, deps.recheckMs ?? 30_000);

  const iterator: AsyncIterableIterator<LiveEvent> = {
    next() {
      const event = queue.shift();
      if (event) return Promise.resolve({ value: event, done: false });
      if (done || ending) {
        finish();
        return Promise.resolve({ value: undefined, done: true });
      }
      return new Promise((resolve) => (waiter = resolve));
    },
    return() {
      finish();
      return Promise.resolve({ value: undefined, done: true });
    },
    throw(error?: unknown) {
      finish();
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
