-- =====================================================================
-- Clerk user sync: event order and deletions
-- =====================================================================
-- Why: Clerk's webhooks arrive through svix at least once and in no
-- guaranteed order, and the API also creates a user on their first
-- request because webhooks can lag. Two facts keep users right anyway:
--
--   1. users.clerk_updated_at: the Clerk `updated_at` of the profile a
--      row was last written from. A profile older than that (a late
--      user.created, a retried user.updated) never overwrites a newer
--      email or metadata.
--   2. clerk_deleted_users: Clerk never reuses a user id, and a deleted
--      user's session token stays valid for up to a minute. Remembering
--      deletions stops a late event, or that last request, from creating
--      the user again (and holding their email hostage). It also records
--      the deleted user's storage folder until their files are gone: file
--      removal happens outside the database transaction, so it is tracked
--      here and finished by svix's retry if it fails.
--
-- Both are bookkeeping for the service path (webhooks, provisioning):
-- neither is readable by the API roles.

-- ---------------------------------------------------------------------
-- 1. users: the version of the Clerk profile each row reflects
-- ---------------------------------------------------------------------
alter table public.users add column clerk_updated_at timestamptz;
comment on column public.users.clerk_updated_at is
  'Clerk updated_at of the profile this row was last synced from; older profiles are ignored.';
-- Not added to the column grants of the authenticated role: clients have no use for it.

-- ---------------------------------------------------------------------
-- 2. Deleted Clerk users
-- ---------------------------------------------------------------------
create table public.clerk_deleted_users (
  auth_id text primary key,
  -- The deleted users.id, which names their folder in postora-generations; null if they never had a row.
  user_id uuid,
  deleted_at timestamptz not null default now(),
  -- Set once the folder is empty; null with a user_id means the purge is still owed.
  files_removed_at timestamptz
);
comment on table public.clerk_deleted_users is
  'Clerk user ids deleted in Clerk (user.deleted). Events and tokens for them never recreate a user.';

-- The service path only: RLS on with no policy, and no grant (Supabase's
-- default privileges would otherwise give the API roles everything).
alter table public.clerk_deleted_users enable row level security;
revoke all on public.clerk_deleted_users from anon, authenticated;
