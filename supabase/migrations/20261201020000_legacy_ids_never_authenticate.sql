-- =====================================================================
-- A legacy (Supabase Auth) user id in a JWT opens nothing
-- =====================================================================
-- Why: until a person signs in through Clerk and their row is linked
-- (20261201010000), users.auth_id still holds their old Supabase Auth
-- UUID. The policies match rows by auth_id = the JWT's sub, so a JWT whose
-- sub is that UUID would open the row, its generations and its files
-- through the Data API. Supabase still accepts its own Auth tokens unless
-- Supabase Auth is switched off, and the old passwords still work there:
-- the cut-over rehearsal (supabase/rehearsal.test.ts) showed such a token
-- reading a legacy user's row. Clerk user ids are never UUIDs, so a
-- UUID-shaped sub is refused outright: only a Clerk identity, and only once
-- its row is linked, reaches a legacy user's data.

-- ---------------------------------------------------------------------
-- 1. The caller's Clerk id: the JWT's sub, unless it is a legacy UUID
-- ---------------------------------------------------------------------
create or replace function private.requesting_clerk_id() returns text
language sql stable
set search_path = ''
as $$
  select s.sub from (select auth.jwt() ->> 'sub' as sub) s
  where s.sub !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
$$;
revoke all on function private.requesting_clerk_id() from public;
grant execute on function private.requesting_clerk_id() to authenticated, service_role;

-- Same signature and grants as before; every policy that calls it follows.
create or replace function private.requesting_user_id() returns uuid
language sql stable security definer
set search_path = ''
as $$
  select u.id from public.users u where u.auth_id = private.requesting_clerk_id()
$$;

-- ---------------------------------------------------------------------
-- 2. users: the one policy that compares the sub itself
-- ---------------------------------------------------------------------
drop policy users_select_own on public.users;
create policy users_select_own on public.users
  for select to authenticated
  using (auth_id = (select private.requesting_clerk_id()));
