-- =====================================================================
-- The last grants: no API role truncates storage's tables, and no API
-- role, service_role included, reads the retired users.password.
--
-- 1. storage.objects and storage.buckets come with Supabase's `grant all`
--    to anon, authenticated and service_role. TRUNCATE passes row-level
--    security and row triggers, so any signed-in person (or anyone at all,
--    as anon) could wipe every file's record in one statement. Hosted
--    Supabase does not let a migration revoke privileges on storage's
--    tables (supabase_storage_admin owns them), but it does allow triggers
--    there: a BEFORE TRUNCATE statement trigger refuses it for the API
--    roles. Supabase's own roles (postgres, supabase_storage_admin) keep it.
--
-- 2. users.password is retired (Clerk owns credentials) but service_role,
--    the Supabase service key, still had a table-wide SELECT, and with it
--    every old password hash. Column privileges cannot carve a column out
--    of a table-wide grant, so service_role's table-wide privileges on
--    users become the same privileges on every other column. A column
--    added later needs its own grant to service_role (none of our code
--    connects as service_role: the server is the database's owner).
--    `npm run users:export-passwords` reads the values once, as the owner,
--    for Clerk's user import (README, "Retired passwords").
-- =====================================================================

-- ---------------------------------------------------------------------
-- 1. TRUNCATE on storage's tables: refused for the API roles
-- ---------------------------------------------------------------------
create or replace function private.refuse_truncate_by_api_roles() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  -- current_user is the role the Data API switched to (PostgREST's `set role`), not its login.
  if current_user::text in ('anon', 'authenticated', 'service_role') then
    raise exception using
      errcode = '42501',
      message = format('permission denied for table %s: TRUNCATE is not allowed through the API; delete objects through Supabase Storage.', tg_table_name);
  end if;
  return null;
end;
$$;

comment on function private.refuse_truncate_by_api_roles() is
  'BEFORE TRUNCATE statement trigger: the API roles (anon, authenticated, service_role) may not truncate a table whose privileges we cannot revoke.';

revoke all on function private.refuse_truncate_by_api_roles() from public;

drop trigger if exists refuse_truncate_by_api_roles on storage.objects;
create trigger refuse_truncate_by_api_roles
  before truncate on storage.objects
  for each statement execute function private.refuse_truncate_by_api_roles();

drop trigger if exists refuse_truncate_by_api_roles on storage.buckets;
create trigger refuse_truncate_by_api_roles
  before truncate on storage.buckets
  for each statement execute function private.refuse_truncate_by_api_roles();

-- ---------------------------------------------------------------------
-- 2. users.password: no API role, service_role included
-- ---------------------------------------------------------------------
do $$
declare
  columns text;
  privilege text;
begin
  select string_agg(quote_ident(column_name), ', ' order by ordinal_position)
    into columns
    from information_schema.columns
   where table_schema = 'public' and table_name = 'users' and column_name <> 'password';

  foreach privilege in array array['select', 'insert', 'update', 'references'] loop
    if has_table_privilege('service_role', 'public.users', privilege) then
      -- Revoking the table-wide privilege revokes its column privileges too; every column but password gets it back.
      execute format('revoke %s on public.users from service_role', privilege);
      execute format('grant %s (%s) on public.users to service_role', privilege, columns);
    end if;
  end loop;
end;
$$;

revoke select (password), insert (password), update (password), references (password)
  on public.users from anon, authenticated, service_role;
