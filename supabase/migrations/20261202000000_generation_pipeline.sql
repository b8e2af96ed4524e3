-- =====================================================================
-- The generation pipeline: outputs, failure reasons and a job per queued
-- generation
-- =====================================================================
-- Why: a generation used to stay `queued` forever because nothing made
-- anything. The worker (lib/jobs/worker.ts, graphile-worker) now turns the
-- text into bullet points, carousel slides or a quote card and renders the
-- PNGs. This migration gives it what it needs:
--   1. columns for what the pipeline made and why it failed;
--   2. a guard so a person cannot write those columns themselves (they are
--      the system's, like status; a retry clears them);
--   3. an enqueue trigger: inserting a queued generation, or moving a failed
--      one back to queued, adds its job in the same transaction. This covers
--      every door, GraphQL and Supabase's Data API alike, so no queued
--      generation exists without a job;
--   4. worker heartbeats, so jobs held by a crashed (SIGKILLed) worker are
--      released within a bounded time instead of graphile-worker's 4 hours.
--
-- graphile-worker's own schema (graphile_worker.*) is installed by its
-- migrator, which `npm run db:migrate`, `npm run dev` and every worker run at
-- start-up (lib/jobs/queue.ts). The functions below name it at run time only,
-- so this file applies before or after it; until it exists, inserting a
-- queued generation is refused with a message that says what to run.
--
-- Safe on production data: only nullable columns are added; existing
-- queued generations get their jobs when the first worker starts
-- (lib/jobs/queue.ts enqueueOrphans).

-- ---------------------------------------------------------------------
-- 1. What the pipeline made
-- ---------------------------------------------------------------------
alter table public.generations
  add column slides jsonb,
  add column quote text,
  add column failure_reason text,
  add column completed_at timestamptz,
  add constraint generations_slides_is_array
    check (slides is null or jsonb_typeof(slides) = 'array'),
  add constraint generations_quote_length
    check (quote is null or length(quote) <= 1000),
  add constraint generations_failure_reason_length
    check (failure_reason is null or length(failure_reason) <= 2000);

comment on column public.generations.slides is
  'CAROUSEL output: [{"title": text, "body": text}, ...], written by the pipeline worker.';
comment on column public.generations.quote is
  'CANVA_DESIGN output: the line on the quote card, written by the pipeline worker.';
comment on column public.generations.failure_reason is
  'Why the pipeline gave up (status failed), in words a person can act on. Cleared by a retry.';
comment on column public.generations.completed_at is
  'When the pipeline wrote the output and set status completed.';

-- ---------------------------------------------------------------------
-- 2. Pipeline columns are the system's
-- ---------------------------------------------------------------------
-- The authenticated role has table-wide privileges on generations, so a
-- column-level revoke would not bite; a trigger keeps the rule instead. It
-- runs for the API roles only (the service path, which the worker uses,
-- connects as the table owner). A failed -> queued retry starts clean.
create or replace function private.guard_generation_pipeline_columns() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if current_user in ('authenticated', 'anon') then
    if tg_op = 'INSERT' then
      if new.slides is not null or new.quote is not null or new.failure_reason is not null or new.completed_at is not null then
        raise exception 'slides, quote, failure_reason and completed_at are written by the generation pipeline'
          using errcode = '42501';
      end if;
    elsif new.slides is distinct from old.slides
       or new.quote is distinct from old.quote
       or new.failure_reason is distinct from old.failure_reason
       or new.completed_at is distinct from old.completed_at then
      raise exception 'slides, quote, failure_reason and completed_at are written by the generation pipeline'
        using errcode = '42501';
    end if;
  end if;
  if tg_op = 'UPDATE' and old.status = 'failed' and new.status = 'queued' then
    new.failure_reason := null;
    new.completed_at := null;
  end if;
  return new;
end
$$;
revoke all on function private.guard_generation_pipeline_columns() from public;

create trigger generations_guard_pipeline_columns
  before insert or update on public.generations
  for each row execute function private.guard_generation_pipeline_columns();

-- ---------------------------------------------------------------------
-- 3. One job per queued generation, in the same transaction
-- ---------------------------------------------------------------------
-- security definer: people cannot reach the graphile_worker schema; this
-- function adds exactly one job, for the row that fired it, and nothing
-- else. The job key makes a second enqueue of the same generation update
-- the waiting job instead of adding another.
create or replace function private.enqueue_generation() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if to_regprocedure('graphile_worker.add_job(text, json, text, timestamptz, integer, text, integer, text[], text)') is null then
    raise exception 'The generation job queue is not installed'
      using errcode = '55000',
            hint = 'Run `npm run db:migrate` (or start a worker with `npm run worker`) against this database once.';
  end if;
  perform graphile_worker.add_job(
    'generate_post',
    json_build_object('generationId', new.id, 'userId', new.user_id),
    job_key => 'generation:' || new.id::text,
    max_attempts => 5
  );
  return null;
end
$$;
revoke all on function private.enqueue_generation() from public;

create trigger generations_enqueue_on_insert
  after insert on public.generations
  for each row
  when (new.status = 'queued' and new.deleted_at is null)
  execute function private.enqueue_generation();

create trigger generations_enqueue_on_retry
  after update of status on public.generations
  for each row
  when (old.status = 'failed' and new.status = 'queued' and new.deleted_at is null)
  execute function private.enqueue_generation();

-- Deleting a generation cancels a job that has not started; one that has
-- started sees deleted_at and stops (lib/generations/pipeline.ts).
create or replace function private.cancel_generation_job() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if to_regprocedure('graphile_worker.remove_job(text)') is not null then
    perform graphile_worker.remove_job('generation:' || new.id::text);
  end if;
  return null;
end
$$;
revoke all on function private.cancel_generation_job() from public;

create trigger generations_cancel_job_on_delete
  after update of deleted_at on public.generations
  for each row
  when (old.deleted_at is null and new.deleted_at is not null)
  execute function private.cancel_generation_job();

-- ---------------------------------------------------------------------
-- 4. Worker heartbeats
-- ---------------------------------------------------------------------
-- graphile-worker releases a crashed worker's jobs only after 4 hours. Each
-- of our workers records its graphile worker ids here and refreshes them
-- every few seconds; any worker releases (force_unlock_workers) the jobs of
-- ids that went quiet for longer than WORKER_LOCK_TIMEOUT_SECONDS.
create table private.worker_heartbeats (
  worker_id text primary key,
  host text not null,
  pid integer not null,
  started_at timestamptz not null default now(),
  seen_at timestamptz not null default now()
);
comment on table private.worker_heartbeats is
  'Live graphile-worker ids; ids not seen within the lock timeout have their jobs released.';
alter table private.worker_heartbeats enable row level security;
revoke all on private.worker_heartbeats from anon, authenticated;
create index worker_heartbeats_seen_at_idx on private.worker_heartbeats (seen_at);
