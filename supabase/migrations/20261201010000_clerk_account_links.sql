-- =====================================================================
-- Linking existing accounts to the Clerk users who sign in as them
-- =====================================================================
-- Why: production's users were created by Supabase Auth: their auth_id is
-- that system's user UUID, which no Clerk session token will ever carry.
-- When such a person signs in through Clerk, the API must find their row
-- and hand it to their Clerk id (keeping its id, and with it their
-- generations, files, tier and subscriptions), not create a second account
-- that collides with their email.
--
-- lib/users/sync.ts links a row only when Clerk vouches for the match:
--
--   external_id_auth_id   Clerk's external_id equals the row's legacy
--                         auth_id (Clerk's user-migration guide imports
--                         users with external_id = the old system's id);
--   external_id_user_id   Clerk's external_id equals the row's users.id;
--   verified_email        the Clerk user's primary email is verified and
--                         equals the row's email.
--
-- and only a row whose auth_id is still a legacy id (UUID-shaped: Clerk's
-- ids look like user_2abc...). A row already linked to a Clerk user is
-- never taken over.
--
-- Each link is recorded here, once per row: when, by which rule, what
-- matched, and the legacy auth_id the row had (users.auth_id is
-- overwritten by the Clerk id). Bookkeeping for the service path only.

-- ---------------------------------------------------------------------
-- 1. The record of links
-- ---------------------------------------------------------------------
create table public.user_account_links (
  -- One link per row, ever: a second attempt (a race) fails on this key.
  user_id uuid primary key references public.users (id) on delete cascade,
  clerk_user_id text not null unique,
  legacy_auth_id text not null,
  rule text not null
    constraint user_account_links_rule_check
    check (rule in ('external_id_auth_id', 'external_id_user_id', 'verified_email')),
  -- The external_id or the verified email Clerk gave.
  matched_value text not null,
  linked_at timestamptz not null default now()
);
comment on table public.user_account_links is
  'Legacy (Supabase Auth) users rows handed to the Clerk user who signed in as them, and by which rule.';

-- The service path only: RLS on with no policy, and no grant (Supabase's
-- default privileges would otherwise give the API roles everything).
alter table public.user_account_links enable row level security;
revoke all on public.user_account_links from anon, authenticated;

-- ---------------------------------------------------------------------
-- 2. Finding a legacy row by email
-- ---------------------------------------------------------------------
-- Emails are compared case-insensitively (Clerk and Supabase Auth both
-- store them lower-cased, but hand-edited rows may not be). users_email_key
-- stays the exact-match uniqueness rule it has always been.
create index users_lower_email_idx on public.users (lower(email));
