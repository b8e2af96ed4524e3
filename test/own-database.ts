/**
 * A Postgres of a test file's own, to stop and start at will (the shared
 * test database must stay up for every other file). Migrated like
 * production; `use()` points the app at it, which works only before the
 * file's first getEnv() (lib/env reads the environment once).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { Socket } from "node:net";
import path from "node:path";
import { asService, DB_LIMITS } from "@/lib/db/client";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "@/lib/db/embedded";
import { migrate } from "@/lib/db/migrate";
import { AppError } from "@/lib/errors";
import { freePort } from "@/test/ports";

export type OwnDatabase = {
  url: string;
  /** Points DATABASE_URL at this database. */
  use(): void;
  stop(): Promise<void>;
  /** Starts it again on the same port and data, as after a restart or failover. */
  start(): Promise<void>;
  /** Stops it and deletes its data. */
  remove(): Promise<void>;
};

export async function startOwnDatabase(): Promise<OwnDatabase> {
  const dataDir = await mkdtemp(path.join(tmpdir(), "postora-own-pg-"));
  const port = await freePort();
  let running: EmbeddedDatabase | null = null;
  const start = async () => {
    running = await startEmbeddedPostgres({ dataDir: path.join(dataDir, "data"), port, ephemeral: true });
  };
  const stop = async () => {
    await running?.stop();
    running = null;
  };
  await start();
  const url = running!.url();
  await migrate(url);
  return {
    url,
    use: () => {
      process.env.DATABASE_URL = url;
    },
    start,
    stop,
    remove: async () => {
      await stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** "Within a bounded time" for a fault: seconds (the connect timeout and a margin), well inside any client's timeout. */
export const FAULT_BOUND_MS = (DB_LIMITS.connectTimeoutSeconds + 3) * 1000;

/** How long a request took, and what it answered. */
export async function timed<T>(request: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await request();
  return { ms: performance.now() - started, value };
}

/** Every generation row, whoever owns it: what a fault must not have changed. */
export async function countGenerations(): Promise<number> {
  const [row] = await asService((sql) => sql<{ count: number }[]>`select count(*)::int as count from generations`);
  return row!.count;
}

/**
 * Runs `attempt` until it stops failing with SERVICE_UNAVAILABLE, as a client
 * told "retry in a few seconds" does, for at most `withinMs`: right after a
 * restart on a loaded machine the first connection can take longer than one
 * request's bounds. Any other error, or still unavailable at the end, throws.
 */
export async function onceAvailable<T>(attempt: () => Promise<T>, withinMs = 20_000): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof AppError && error.code === "SERVICE_UNAVAILABLE") || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

/** What fn returns, and how many socket writes (each one a packet to Postgres here) it made. */
export async function packetsDuring<T>(fn: () => Promise<T>): Promise<{ value: T; packets: number }> {
  const write = Socket.prototype.write;
  let packets = 0;
  Socket.prototype.write = function (this: Socket, ...args: Parameters<Socket["write"]>) {
    packets += 1;
    return write.apply(this, args);
  } as Socket["write"];
  try {
    return { value: await fn(), packets };
  } finally {
    Socket.prototype.write = write;
  }
}
