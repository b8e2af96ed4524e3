/**
 * A generation worker wired from the configuration: its own service-path
 * pool on the worker's connection, the configured storage and writer.
 * scripts/worker.ts and scripts/dev.ts both start workers through this.
 */
import { createPool } from "@/lib/db/client";
import { ConfigError, type Env } from "@/lib/env";
import type { Logger } from "@/lib/log";
import { writerFor } from "@/lib/ai/model";
import { startWorker, type RunningWorker } from "@/lib/jobs/worker";
import { storageFor } from "@/lib/storage";

/** Refuses what must not run: production on the offline writer unless AI_PROVIDER=offline says so. */
export function checkWorkerConfig(env: Env): void {
  if (env.isProduction && env.ai.provider === "offline" && !env.ai.explicit) {
    throw new ConfigError([
      "AI_PROVIDER is not set: in production the worker will not silently use the offline extractive writer. " +
        "Set AI_PROVIDER=openai or anthropic with its API key, or AI_PROVIDER=offline to choose it on purpose.",
    ]);
  }
}

export async function startWorkerFromEnv(
  env: Env,
  options: { log: Logger; connectionString?: string },
): Promise<RunningWorker & { close(): Promise<void> }> {
  checkWorkerConfig(env);
  const connectionString = options.connectionString ?? env.databaseDirectUrl;
  if (!connectionString) {
    throw new ConfigError(["DATABASE_DIRECT_URL (or DATABASE_URL) is required: the worker needs a database to take jobs from."]);
  }
  const concurrency = env.worker.concurrency;
  const db = createPool(connectionString, { max: concurrency + 2 });
  const storage = storageFor(db);
  try {
    const worker = await startWorker({
      connectionString,
      concurrency,
      lockTimeoutSeconds: env.worker.lockTimeoutSeconds,
      pipeline: { db, storage, writer: writerFor(env.ai) },
      log: options.log,
    });
    return {
      id: worker.id,
      done: worker.done,
      stop: worker.stop,
      async close() {
        await worker.stop();
        await db.end({ timeout: 5 });
      },
    };
  } catch (error) {
    await db.end({ timeout: 5 });
    throw error;
  }
}
