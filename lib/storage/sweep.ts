/**
 * The storage sweep: removes stored files that no live generation owns, so
 * storage and the database agree again after any crash or race (a removal
 * that failed after deleteGeneration, a purge interrupted half-way, a file
 * written just as its generation was deleted).
 *
 * The database says what is stored: both adapters record every file in
 * storage.objects (Supabase Storage does so itself), so one query finds the
 * orphans: objects in postora-generations that match none of the bucket's
 * file kinds (private.storage_file_kinds), or whose owner (for a cover or a
 * slide, a live generation of that folder's user) is gone. They are removed through
 * the storage adapter, which deletes the file and its row together. A live
 * generation's file is never touched, and the storage.objects trigger stops
 * a dead generation's file from coming back, so no grace period is needed.
 *
 * Runs hourly on the job queue (the storage_sweep task in lib/jobs/worker.ts)
 * and on demand with `npm run storage:sweep`.
 */
import { asService, type Sql } from "@/lib/db/client";
import type { Logger } from "@/lib/log";
import type { FileStorage } from "@/lib/storage/types";
import { GENERATIONS_BUCKET } from "@/lib/storage/types";
import { closeSpentUploadWindows } from "@/lib/storage/upload-window";

/** Objects removed per round: Supabase's delete endpoint takes at most 1,000 paths. */
const BATCH = 1000;

export type SweepResult = { removed: number; windowsClosed: number };

/**
 * The names of up to `limit` stored objects that are none of the bucket's
 * file kinds, or whose owner no longer lives (private.storage_file_kinds:
 * the same table the storage.objects guard reads).
 */
async function orphanedObjects(limit: number, db?: Sql): Promise<string[]> {
  const rows = await asService(
    (sql) => sql<{ name: string }[]>`
      select o.name
      from storage.objects o
      where o.bucket_id = ${GENERATIONS_BUCKET}
        and not private.storage_object_is_live(o.bucket_id, o.name)
      order by o.name
      limit ${limit}`,
    db,
  );
  return rows.map((row) => row.name);
}

export async function sweepOrphanedFiles(deps: { storage: FileStorage; log: Logger; db?: Sql }): Promise<SweepResult> {
  let removed = 0;
  let previousFirst: string | undefined;
  for (;;) {
    const orphans = await orphanedObjects(BATCH, deps.db);
    if (orphans.length === 0) break;
    if (orphans[0] === previousFirst) {
      // Storage said it removed them, yet they are still recorded: stop rather than loop; the next run tries again.
      deps.log.error("storage did not remove the files it was asked to; the sweep stopped", { first: previousFirst });
      break;
    }
    previousFirst = orphans[0];
    await deps.storage.remove(orphans);
    removed += orphans.length;
    deps.log.info("removed files no live generation owns", { count: orphans.length, first: orphans[0] });
    if (orphans.length < BATCH) break;
  }
  const windowsClosed = await closeSpentUploadWindows(deps.db);
  return { removed, windowsClosed };
}
