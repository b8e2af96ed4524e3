-- =====================================================================
-- Finding the accounts from before Clerk that are still unlinked
-- =====================================================================
-- Why: a new Clerk user's first request asks Clerk's Backend API for their
-- profile (external_id, verified email) only while some users row still
-- has a legacy Supabase Auth UUID as auth_id: only then can they be one of
-- those people (lib/users/sync.ts). That check runs on every new user's
-- first request; this partial index makes it one probe instead of a scan
-- of users, and it shrinks to nothing as accounts are linked.
--
-- The predicate's text must stay the same as the query's (LEGACY_AUTH_ID
-- in lib/users/sync.ts) for the planner to use it.

create index users_legacy_idx on public.users (id)
  where auth_id ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';
