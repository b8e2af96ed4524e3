-- =====================================================================
-- System templates are marked, not inferred; owner-less rows are orphans
-- =====================================================================
-- Why: the production baseline declared templates.user_id
-- `on delete set null`, so every template whose owner was deleted is still
-- in production with user_id null. 20261125000000 made owner-less rows the
-- system templates that every signed-in user can read, which would publish
-- those former users' private templates (and show them as isSystem).
--
-- From here on a template is exactly one of three kinds, enforced by a
-- check constraint:
--
--   system  is_system, no owner, not orphaned: Postora's own templates
--           (supabase/seed.sql, by fixed id), readable by every signed-in
--           user, writable by none;
--   owned   an owner, not system, not orphaned: readable and writable by
--           that owner only;
--   orphan  no owner, not system, orphaned_at set: a deleted user's
--           template left behind by the old `on delete set null`. Readable
--           and writable by no API role; only the service path sees it.
--
-- Orphans are KEPT HIDDEN, not removed. Hiding is reversible and removing
-- is not: we cannot tell today which of these rows someone still wants
-- (support requests, a restore of an account deleted by mistake, a legal
-- hold), and a hidden row harms nobody. No API role can read one. A later
-- migration can delete them (`delete from templates where orphaned_at is
-- not null`) once the retention decision is made; orphaned_at says since
-- when each one has been an orphan. No new orphans can appear: since
-- 20261125000000 a user's templates are deleted with them.

-- ---------------------------------------------------------------------
-- 1. The columns that say what a template is
-- ---------------------------------------------------------------------
alter table public.templates
  add column is_system boolean not null default false,
  add column orphaned_at timestamptz;
comment on column public.templates.is_system is
  'True only for Postora''s own templates (seeded by fixed id): readable by every signed-in user, writable by none.';
comment on column public.templates.orphaned_at is
  'Set on templates whose owner was deleted before owners'' templates were deleted with them: hidden from every API role.';

-- ---------------------------------------------------------------------
-- 2. Classify the rows that exist
-- ---------------------------------------------------------------------
-- Our system templates are the fixed ids in supabase/seed.sql (present on
-- local databases seeded before this migration; production has none).
update public.templates
   set is_system = true
 where user_id is null
   and id in ('00000000-0000-4000-8000-000000000001',
              '00000000-0000-4000-8000-000000000002',
              '00000000-0000-4000-8000-000000000003');

-- Every other owner-less row belonged to a deleted user.
update public.templates
   set orphaned_at = now()
 where user_id is null and not is_system;

alter table public.templates
  add constraint templates_system_owned_or_orphan_check check (
    (is_system and user_id is null and orphaned_at is null)            -- system
    or (not is_system and user_id is not null and orphaned_at is null) -- owned
    or (not is_system and user_id is null and orphaned_at is not null) -- orphan
  );

-- ---------------------------------------------------------------------
-- 3. Policies: system or own, never an orphan; no one creates a system row
-- ---------------------------------------------------------------------
-- Anonymous callers still get nothing from templates (20261125000000);
-- restated so this migration stands on its own.
revoke all on public.templates from anon;

drop policy templates_select_own_or_system on public.templates;
create policy templates_select_own_or_system on public.templates
  for select to authenticated
  using (is_system or user_id = (select private.requesting_user_id()));

-- An owner's row can never be system or orphaned (the check constraint
-- says so too); stated here so the policy reads as the rule it enforces.
drop policy templates_insert_own on public.templates;
create policy templates_insert_own on public.templates
  for insert to authenticated
  with check (user_id = (select private.requesting_user_id()) and not is_system and orphaned_at is null);

drop policy templates_update_own on public.templates;
create policy templates_update_own on public.templates
  for update to authenticated
  using (user_id = (select private.requesting_user_id()))
  with check (user_id = (select private.requesting_user_id()) and not is_system and orphaned_at is null);

-- templates_delete_own (user_id = the caller) already excludes system rows and orphans.

-- The system templates, for `templates(type)` listings of every user.
create index templates_system_idx on public.templates (created_at desc, id desc) where is_system;
