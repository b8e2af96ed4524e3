/**
 * `npm run storage:sweep`: removes stored files that no live generation owns
 * (lib/storage/sweep.ts) and clears spent upload windows. The generation
 * worker also runs it every hour (the storage_sweep task); run this by hand
 * after restoring a database, or from any scheduler when no worker runs.
 * Safe to run at any time and more than once.
 *
 * Uses DATABASE_URL; when it is unset, starts the embedded database (as
 * `npm run db:migrate` does).
 */
import { closePool, createPool } from "@/lib/db/client";
import { ConfigError, getEnv } from "@/lib/env";
import { logger } from "@/lib/log";
import { storageFor } from "@/lib/storage/index";
import { sweepOrphanedFiles } from "@/lib/storage/sweep";
import { prepareDatabase, say } from "@/scripts/database";

async function main(): Promise<number> {
  const env = getEnv();
  const { url, embedded } = env.databaseUrl ? { url: env.databaseUrl, embedded: null } : await prepareDatabase(env);
  const db = createPool(url, { max: 1 });
  try {
    const { removed, windowsClosed } = await sweepOrphanedFiles({ storage: storageFor(db), db, log: logger.child({ source: "storage-sweep" }) });
    say(`removed ${removed} file(s) no live generation owns; cleared ${windowsClosed} spent upload window(s)`);
    return 0;
  } finally {
    await db.end({ timeout: 5 });
    await closePool();
    await embedded?.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof ConfigError ? error.message : error);
    process.exit(1);
  },
);
