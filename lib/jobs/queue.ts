/**
 * The generation job queue: graphile-worker on our own Postgres.
 *
 * Why graphile-worker (0.17.3, pinned): its `graphile_worker.add_job` is a
 * SQL function, so the database trigger in
 * supabase/migrations/20261202000000_generation_pipeline.sql enqueues in the
 * same transaction as the insert, whichever door the row came through
 * (GraphQL or Supabase's Data API); jobs are claimed with SKIP LOCKED, so any
 * number of workers on any number of machines share one queue; LISTEN/NOTIFY
 * starts a job within milliseconds. Its one gap, releasing a crashed
 * worker's jobs only after 4 hours, is closed by our heartbeats
 * (lib/jobs/worker.ts), which call its own force_unlock_workers.
 *
 * Its schema is installed by its own migrator (runMigrations): from
 * `npm run db:migrate` / `npm run dev` (lib/db/migrate.ts) and at every
 * worker's start-up, so production needs nothing beyond starting a worker
 * (or running db:migrate) against the direct connection.
 */
import { runMigrations } from "graphile-worker";
import type { Sql } from "@/lib/db/client";

/** The task every generation job runs. */
export const GENERATE_POST_TASK = "generate_post";
/** Attempts per job before the generation is marked failed (the trigger sets the same number). */
const MAX_ATTEMPTS = 5;

/** Installs or upgrades graphile-worker's schema (idempotent; takes its own lock). */
export async function installQueue(connectionString: string): Promise<void> {
  await runMigrations({ connectionString, logger: undefined });
}

/**
 * Gives a job to every live queued or processing generation that has none:
 * rows from before the queue existed, or from a database restored without
 * its jobs. Runs at worker start-up; the job key keeps it from doubling up.
 */
export async function enqueueOrphans(db: Sql): Promise<number> {
  const rows = await db`
    select graphile_worker.add_job(
             ${GENERATE_POST_TASK},
             json_build_object('generationId', g.id, 'userId', g.user_id),
             job_key => 'generation:' || g.id::text,
             max_attempts => ${MAX_ATTEMPTS}::int)
    from public.generations g
    where g.status in ('queued', 'processing') and g.deleted_at is null
      and not exists (select 1 from graphile_worker.jobs j where j.key = 'generation:' || g.id::text)`;
  return rows.length;
}
