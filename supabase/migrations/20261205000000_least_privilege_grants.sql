-- =====================================================================
-- Least privilege for the API roles
-- =====================================================================
-- Why: Supabase's Data API (PostgREST) accepts a signed-in person's Clerk
-- token and runs whatever SQL its URL describes as `authenticated` (or
-- `anon` without a token), straight against the exposed schemas. Supabase
-- grants ALL on every table, sequence and function created in public to
-- anon, authenticated and service_role by default (`alter default
-- privileges for role postgres in schema public grant all ...`; the local
-- stand-ins do the same), and the earlier migrations narrowed that only
-- for some tables. Tried as an attacker would, an authenticated person
-- could `truncate templates, generations` (every user's rows), hard-delete
-- their own generations (refilling their quota), and call
-- `setval('webhook_events_id_seq', 1)` (making the next real webhook fail).
--
-- This migration:
--   1. takes every privilege on our tables away from anon and authenticated
--      and grants back exactly what a person needs, column by column for
--      INSERT and UPDATE; hard DELETE of generations is gone (soft delete
--      only, through private.soft_delete_generation);
--   2. takes TRUNCATE, REFERENCES and TRIGGER from the API roles on every
--      table we own in public and private, and every privilege on our
--      sequences (no nextval, no setval);
--   3. lets only the functions a person needs be executed, by them only;
--   4. changes the default privileges of the role that runs migrations
--      (postgres on Supabase, via `supabase db push`; the connecting user
--      locally) so a table, sequence or function created by a later
--      migration starts with no privileges for anon or authenticated.
--      Later migrations still grant explicitly what they need.
--
-- What each role may then write is tested statement by statement in
-- lib/db/data-api.test.ts. The row rules (whose rows, which transitions)
-- are in 20261205010000_generation_invariants.sql.
--
-- service_role keeps Supabase's grants: it is the Data API's privileged
-- key (never in a browser) and bypasses RLS anyway.

-- ---------------------------------------------------------------------
-- 1. Our tables: nothing for anon, the least for authenticated
-- ---------------------------------------------------------------------
revoke all on table public.users, public.generations, public.subscriptions,
  public.templates, public.webhook_events, public.clerk_deleted_users
  from anon, authenticated;

-- users: read your own row (RLS), except the retired password column and
-- the sync bookkeeping. Rows are written only by the service path.
grant select (id, auth_id, email, tier, stripe_customer_id, subscription_id,
  subscription_end, created_at, last_login, metadata) on public.users to authenticated;

-- subscriptions: read your own (RLS); Stripe webhooks write them.
grant select on public.subscriptions to authenticated;

-- generations: read your own live ones; create one for yourself (the row
-- rules say it starts queued); change only what a person edits. id,
-- created_at and deleted_at are the database's; no DELETE at all.
grant select on public.generations to authenticated;
grant insert (user_id, input_content, output_format, template_id, status) on public.generations to authenticated;
grant update (bullet_points, canva_design_id, status) on public.generations to authenticated;

-- templates: read your own and the system ones; create, rename, edit and
-- delete your own (RLS). type, owner and timestamps never change.
grant select on public.templates to authenticated;
grant insert (user_id, name, type, content) on public.templates to authenticated;
grant update (name, content) on public.templates to authenticated;
grant delete on public.templates to authenticated;

-- webhook_events and clerk_deleted_users: the service path only (no grant).

-- ---------------------------------------------------------------------
-- 2. Every table and sequence we own: no TRUNCATE, REFERENCES, TRIGGER,
--    and no sequence use, whichever migration created it
-- ---------------------------------------------------------------------
-- Tables made by migrations that ran before this one may carry Supabase's
-- default grants. Their explicit SELECT/INSERT/UPDATE/DELETE grants are
-- theirs to decide; these privileges no API role ever needs.
do $$
declare
  target record;
begin
  for target in
    select c.oid::regclass as name, c.relkind
      from pg_class c
      join pg_namespace n on n.oid = c.relnamespace
     where n.nspname in ('public', 'private')
       and c.relkind in ('r', 'p', 'v', 'm', 'f', 'S')
       and pg_get_userbyid(c.relowner) = current_user
       -- objects an extension owns are the extension's business
       and not exists (select 1 from pg_depend d where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype = 'e')
  loop
    if target.relkind = 'S' then
      execute format('revoke all on sequence %s from anon, authenticated', target.name);
    else
      execute format('revoke truncate, references, trigger on table %s from anon, authenticated', target.name);
    end if;
  end loop;
end
$$;

-- ---------------------------------------------------------------------
-- 3. Functions: only what a person's SQL calls, only for authenticated
-- ---------------------------------------------------------------------
-- Policies call requesting_user_id() as the caller, so it must stay
-- executable; the other two are the only writes and counts a person may
-- ask for by name.
revoke all on function private.requesting_user_id() from public, anon, authenticated;
revoke all on function private.soft_delete_generation(uuid) from public, anon, authenticated;
revoke all on function private.generations_created_between(timestamptz, timestamptz) from public, anon, authenticated;
grant execute on function private.requesting_user_id() to authenticated, service_role;
grant execute on function private.soft_delete_generation(uuid) to authenticated;
grant execute on function private.generations_created_between(timestamptz, timestamptz) to authenticated;

-- ---------------------------------------------------------------------
-- 4. Later migrations start from nothing
-- ---------------------------------------------------------------------
-- For the role running this migration (postgres on Supabase, whose
-- defaults are the ones that grant ALL). Postgres's own built-in default
-- (EXECUTE on functions to PUBLIC) is global, not per schema, and changing
-- it would also strip extensions' functions; so a new function still
-- starts with `revoke all on function ... from public`, as the house rules
-- say, and lib/db/data-api.test.ts fails for any function in public or
-- private that PUBLIC may execute.
alter default privileges in schema public revoke all on tables from anon, authenticated;
alter default privileges in schema public revoke all on sequences from anon, authenticated;
alter default privileges in schema public revoke all on functions from anon, authenticated;
