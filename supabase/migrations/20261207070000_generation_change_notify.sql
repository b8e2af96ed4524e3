-- =====================================================================
-- Live: a notification, with ids only, each time a generation changes
-- =====================================================================
-- Why: clients learned that a generation finished only by polling. Each
-- server process holds one LISTEN connection on the channel below and
-- pushes the change to the streams of the generation's owner
-- (subscription generationUpdated, lib/live/). Anything else that wants to
-- hear of changes (outgoing webhooks, say) may LISTEN too.
--
-- Channel: postora_generation_changed
-- Payload: JSON {"generationId": uuid, "userId": uuid (users.id), "op":
--   "insert" | "update" | "delete" | "file"}; "file" is a write to, or
--   removal of, one of the generation's files in storage.objects.
--
-- Only ids travel: a listener re-reads the row as the person it serves,
-- under their row-level security, before it sends anything. A payload is
-- far below NOTIFY's 8000-byte limit, and Postgres drops duplicates of one
-- payload within a transaction, so a statement touching a row twice
-- notifies once. Notifications are sent on commit; a rolled back change
-- sends none.
--
-- The functions live in schema private: hosted Supabase allows triggers on
-- storage.objects but not functions in schema storage.

-- ---------------------------------------------------------------------
-- 1. Generations: status, output and deletion
-- ---------------------------------------------------------------------
create or replace function private.notify_generation_changed() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  row_changed public.generations;
begin
  row_changed := case when tg_op = 'DELETE' then old else new end;
  perform pg_notify(
    'postora_generation_changed',
    json_build_object('generationId', row_changed.id, 'userId', row_changed.user_id, 'op', lower(tg_op))::text
  );
  return null;
end
$$;
revoke all on function private.notify_generation_changed() from public, anon, authenticated;

create trigger postora_generation_changed_insert_delete
  after insert or delete on public.generations
  for each row execute function private.notify_generation_changed();

-- Only what a client sees: its status, its output, and whether it is deleted.
create trigger postora_generation_changed_update
  after update of status, bullet_points, slides, quote, failure_reason, completed_at, canva_design_id, deleted_at
  on public.generations
  for each row
  when ((old.status, old.bullet_points, old.slides, old.quote, old.failure_reason, old.completed_at, old.canva_design_id, old.deleted_at)
        is distinct from
        (new.status, new.bullet_points, new.slides, new.quote, new.failure_reason, new.completed_at, new.canva_design_id, new.deleted_at))
  execute function private.notify_generation_changed();

-- ---------------------------------------------------------------------
-- 2. Files: a person's upload changes only storage.objects
-- ---------------------------------------------------------------------
-- Names are <users.id>/generation-<generations.id>[-slide-<n>].png (see
-- 20261205020000); any other name in the bucket notifies nothing.
create or replace function private.notify_generation_file_changed() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  object_row record;
  parts text[];
begin
  if tg_op = 'DELETE' then object_row := old; else object_row := new; end if;
  if object_row.bucket_id is distinct from 'postora-generations' then
    return null;
  end if;
  parts := regexp_match(object_row.name, '^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/generation-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(-slide-[1-9][0-9]{0,3})?\.png$');
  if parts is not null then
    perform pg_notify(
      'postora_generation_changed',
      json_build_object('generationId', parts[2], 'userId', parts[1], 'op', 'file')::text
    );
  end if;
  return null;
end
$$;
revoke all on function private.notify_generation_file_changed() from public, anon, authenticated;

create trigger postora_generation_file_changed
  after insert or update or delete on storage.objects
  for each row execute function private.notify_generation_file_changed();
