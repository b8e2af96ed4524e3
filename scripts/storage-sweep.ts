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
import { logger } from "@/lib/log";
import { sweepOrphanedFiles } from "@/lib/storage/sweep";
import { runMaintenance, say } from "@/scripts/database";

runMaintenance(async ({ db, storage }) => {
  const { removed, windowsClosed } = await sweepOrphanedFiles({ storage, db, log: logger.child({ source: "storage-sweep" }) });
  say(`removed ${removed} file(s) no live generation owns; cleared ${windowsClosed} spent upload window(s)`);
  return 0;
});
