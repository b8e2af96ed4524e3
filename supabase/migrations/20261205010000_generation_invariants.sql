-- =====================================================================
-- Row rules for generations and templates, whoever writes
-- =====================================================================
-- Why: grants (20261205000000) decide which columns a role may touch; they
-- cannot say which values. Until now the status pipeline, the owner of a
-- row and its timestamps were kept only by our resolvers, and a person
-- using the Data API could `update generations set status = 'completed'`
-- (skipping the pipeline and its quota). These rules hold in the
-- database for every door:
--
--   1. generation status is system-managed. A person (anon/authenticated)
--      inserts a generation as `queued` only and may move it only
--      failed -> queued (a retry). The service path (the worker, as the
--      table owner or service_role) moves queued -> processing,
--      processing -> completed | failed, processing -> queued (releasing a
--      job), and failed -> queued as well.
--   2. id, user_id and created_at of generations and templates never
--      change, and a deleted generation is never brought back, for any
--      role (a data fix that truly needs it disables the trigger in its own
--      migration, on purpose and on the record).
--   3. a person's new generation is live (not inserted soft-deleted).
--   4. hard DELETE of generations is not a person's: the policy goes with
--      the grant (soft delete is private.soft_delete_generation).
--
-- The trigger functions run as the caller (security invoker), so they see
-- the caller's role; nobody calls them by name (EXECUTE is revoked; a
-- trigger function's EXECUTE is checked only when the trigger is created).

-- ---------------------------------------------------------------------
-- 1 & 2. generations: status transitions and immutable columns
-- ---------------------------------------------------------------------
create or replace function private.guard_generation_write() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  by_person constant boolean := current_user in ('anon', 'authenticated');
begin
  if tg_op = 'INSERT' then
    if by_person and new.status is distinct from 'queued' then
      raise exception using
        errcode = '42501',
        message = format('A new generation starts queued; %s is set by the pipeline.', coalesce(new.status, 'null')),
        hint = 'Insert without a status, or with status ''queued''.';
    end if;
    return new;
  end if;

  if new.id <> old.id or new.user_id <> old.user_id or new.created_at <> old.created_at then
    raise exception using
      errcode = '42501',
      message = 'A generation''s id, user_id and created_at never change.';
  end if;
  if old.deleted_at is not null and new.deleted_at is distinct from old.deleted_at then
    raise exception using
      errcode = '42501',
      message = 'A deleted generation stays deleted.';
  end if;

  if new.status is distinct from old.status then
    if by_person then
      if not (old.status = 'failed' and new.status = 'queued') then
        raise exception using
          errcode = '42501',
          message = format('A generation''s status is set by the pipeline: you may only retry a failed one (failed -> queued), not move %s -> %s.',
                           old.status, new.status);
      end if;
    elsif not ((old.status, new.status) in (('queued', 'processing'), ('processing', 'completed'),
                                           ('processing', 'failed'), ('processing', 'queued'), ('failed', 'queued'))) then
      raise exception using
        errcode = '23514',
        message = format('A generation cannot move %s -> %s.', old.status, new.status),
        hint = 'The pipeline moves queued -> processing -> completed or failed, processing -> queued, and failed -> queued.';
    end if;
  end if;
  return new;
end
$$;
revoke all on function private.guard_generation_write() from public, anon, authenticated;

create trigger generations_guard_write
  before insert or update on public.generations
  for each row execute function private.guard_generation_write();

-- ---------------------------------------------------------------------
-- 2. templates: immutable owner, id and creation time
-- ---------------------------------------------------------------------
create or replace function private.guard_template_update() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.id <> old.id or new.user_id is distinct from old.user_id or new.created_at <> old.created_at then
    raise exception using
      errcode = '42501',
      message = 'A template''s id, user_id and created_at never change.',
      hint = 'Copy it with a new insert instead.';
  end if;
  return new;
end
$$;
revoke all on function private.guard_template_update() from public, anon, authenticated;

create trigger templates_guard_update
  before update on public.templates
  for each row execute function private.guard_template_update();

-- ---------------------------------------------------------------------
-- 3. A person's new generation is live
-- ---------------------------------------------------------------------
-- Which template it may name is the trigger of 20261201040000 (a system
-- template or one of its owner's), for every writer.
drop policy generations_insert_own on public.generations;
create policy generations_insert_own on public.generations
  for insert to authenticated
  with check (
    user_id = (select private.requesting_user_id())
    and deleted_at is null
  );

-- ---------------------------------------------------------------------
-- 4. No hard delete of generations by a person
-- ---------------------------------------------------------------------
drop policy generations_delete_own on public.generations;
