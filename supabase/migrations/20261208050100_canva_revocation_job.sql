-- =====================================================================
-- Open in Canva: a revocation owed is a queued job, retried until done
-- =====================================================================
-- Why: deleting a Canva grant (disconnectCanva, or the person's Postora
-- account going, by cascade) keeps its sealed refresh token in
-- private.canva_revocations (20261207060000), and the server revokes it
-- at Canva right after the commit. When that call failed (Canva down, a
-- timeout, the server stopping), the row stayed owed with nobody to try
-- again. Now the same transaction that owes a revocation queues a
-- graphile-worker job for it (task canva_revoke, lib/canva/revoke-task.ts):
-- it revokes and deletes the row, or fails and is retried with the
-- queue's exponential backoff (25 attempts: about three days). The job
-- waits a minute first, so the server's own attempt after the commit
-- normally settles it and the job finds nothing left to do. A database
-- without the queue installed (it always is after `npm run db:migrate` or a
-- worker's start) still lets the grant go, with a warning: deleting an
-- account must never fail for want of a retry.

create or replace function private.queue_canva_revocation() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if to_regprocedure('graphile_worker.add_job(text, json, text, timestamptz, integer, text, integer, text[], text)') is null then
    raise warning 'canva_revocations %: the job queue is not installed; the revocation is not retried', new.id;
    return null;
  end if;
  perform graphile_worker.add_job(
    'canva_revoke',
    json_build_object('revocationId', new.id),
    run_at => now() + interval '1 minute',
    max_attempts => 25,
    job_key => 'canva-revoke:' || new.id::text
  );
  return null;
end
$$;
revoke all on function private.queue_canva_revocation() from public, anon, authenticated;

create trigger canva_revocations_queue_job
  after insert on private.canva_revocations
  for each row execute function private.queue_canva_revocation();
