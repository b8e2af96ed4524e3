-- =====================================================================
-- Clerk identities and row-level security
-- =====================================================================
-- Why: the production baseline was written for Supabase Auth. Its users
-- have UUID auth ids and its policies compare auth.uid() with row ids.
-- Postora signs people in with Clerk, whose user ids are strings such as
-- "user_2abc...": auth.uid() casts the JWT's sub to uuid and raises
-- "invalid input syntax for type uuid" for every Clerk user, so the
-- baseline policies fail every signed-in query (a test proves this).
--
-- This migration keeps every production row. It:
--   1. makes users.auth_id hold Clerk ids and retires users.password;
--   2. adds check constraints for the enumerations the API exposes;
--   3. replaces the baseline policies with Clerk-aware ones on every table;
--   4. adds the indexes our queries need;
--   5. gives webhook_events what idempotent processing needs;
--   6. configures the private postora-generations bucket and its policies.
--
-- Policies find the caller's users.id through private.requesting_user_id(),
-- always wrapped as (select ...) so Postgres plans it as an InitPlan and
-- evaluates the lookup once per statement, not once per row.

-- ---------------------------------------------------------------------
-- 1. users: Clerk ids, credentials owned by Clerk
-- ---------------------------------------------------------------------
drop policy if exists "Users can only view their own data" on public.users;
drop policy if exists "User generations access" on public.generations;

alter table public.users alter column auth_id type text using auth_id::text;

-- Clerk owns credentials, so Postora never writes a password. The column is
-- kept (no longer required) instead of dropped because dropping it would
-- destroy production data irreversibly; no role but the owner can read it,
-- and a later migration can drop it once the old values are confirmed unused.
alter table public.users alter column password drop not null;
comment on column public.users.password is
  'Deprecated: Clerk owns credentials. Never written by Postora; unreadable by API roles.';
comment on column public.users.auth_id is 'The Clerk user id (JWT sub), e.g. user_2abc...';

-- ---------------------------------------------------------------------
-- 2. Enumerations the API exposes as GraphQL enums
-- ---------------------------------------------------------------------
alter table public.users
  add constraint users_tier_check check (tier in ('free', 'pro', 'business'));
alter table public.generations
  add constraint generations_status_check
    check (status in ('queued', 'processing', 'completed', 'failed')),
  add constraint generations_output_format_check
    check (output_format in ('bullet_points', 'carousel', 'canva_design'));
alter table public.templates
  add constraint templates_type_check
    check (type in ('bullet_points', 'carousel', 'canva_design'));

-- A deleted user's templates used to become owner-less, and owner-less
-- templates are the system templates everyone can read: their private
-- templates would have been published. They go with their owner instead.
alter table public.templates drop constraint templates_user_id_fkey;
alter table public.templates
  add constraint templates_user_id_fkey
    foreign key (user_id) references public.users (id) on delete cascade;

-- ---------------------------------------------------------------------
-- 3. Row-level security
-- ---------------------------------------------------------------------
create schema if not exists private;
revoke all on schema private from public;
grant usage on schema private to authenticated, service_role;

-- The caller's users.id, from the Clerk user id in the JWT's sub claim.
-- security definer: the lookup must not recurse through users' own policy.
create or replace function private.requesting_user_id() returns uuid
language sql stable security definer
set search_path = ''
as $$
  select u.id from public.users u where u.auth_id = (auth.jwt() ->> 'sub')
$$;
revoke all on function private.requesting_user_id() from public;
grant execute on function private.requesting_user_id() to authenticated, service_role;

-- Soft delete cannot be a plain UPDATE under RLS: Postgres checks the new
-- row against the SELECT policy, which hides deleted rows, so the update
-- would be refused. This function checks ownership itself and returns the
-- deleted generation's id, or null when the caller has no such generation.
create or replace function private.soft_delete_generation(generation_id uuid) returns uuid
language sql volatile security definer
set search_path = ''
as $$
  update public.generations g
     set deleted_at = now()
   where g.id = generation_id
     and g.user_id = private.requesting_user_id()
     and g.deleted_at is null
  returning g.id
$$;
revoke all on function private.soft_delete_generation(uuid) from public;
grant execute on function private.soft_delete_generation(uuid) to authenticated;

-- Anonymous callers get nothing from any table, whatever policies say.
revoke all on public.users, public.generations, public.subscriptions,
  public.templates, public.webhook_events from anon;

-- users: read own row. Rows are written only by the service path (sign-up
-- sync), and the retired password column is not readable at all.
alter table public.users enable row level security;
revoke all on public.users from authenticated;
grant select (id, auth_id, email, tier, stripe_customer_id, subscription_id,
  subscription_end, created_at, last_login, metadata) on public.users to authenticated;
create policy users_select_own on public.users
  for select to authenticated
  using (auth_id = (select auth.jwt() ->> 'sub'));

-- generations: full access to own rows; soft-deleted rows are invisible.
alter table public.generations enable row level security;
create policy generations_select_own on public.generations
  for select to authenticated
  using (user_id = (select private.requesting_user_id()) and deleted_at is null);
create policy generations_insert_own on public.generations
  for insert to authenticated
  with check (user_id = (select private.requesting_user_id()) and deleted_at is null);
create policy generations_update_own on public.generations
  for update to authenticated
  using (user_id = (select private.requesting_user_id()) and deleted_at is null)
  with check (user_id = (select private.requesting_user_id()));
create policy generations_delete_own on public.generations
  for delete to authenticated
  using (user_id = (select private.requesting_user_id()));

-- templates: read own and system templates (no owner); write own only.
alter table public.templates enable row level security;
create policy templates_select_own_or_system on public.templates
  for select to authenticated
  using (user_id is null or user_id = (select private.requesting_user_id()));
create policy templates_insert_own on public.templates
  for insert to authenticated
  with check (user_id = (select private.requesting_user_id()));
create policy templates_update_own on public.templates
  for update to authenticated
  using (user_id = (select private.requesting_user_id()))
  with check (user_id = (select private.requesting_user_id()));
create policy templates_delete_own on public.templates
  for delete to authenticated
  using (user_id = (select private.requesting_user_id()));

-- subscriptions: read own only; Stripe webhooks write them.
alter table public.subscriptions enable row level security;
revoke insert, update, delete, truncate on public.subscriptions from authenticated;
create policy subscriptions_select_own on public.subscriptions
  for select to authenticated
  using (user_id = (select private.requesting_user_id()));

-- webhook_events: the service path only. RLS on with no policy, and no grant.
alter table public.webhook_events enable row level security;
revoke all on public.webhook_events from authenticated;

-- ---------------------------------------------------------------------
-- 4. Indexes for the queries we run
-- ---------------------------------------------------------------------
-- A user's live generations, newest first (keyset pagination on created_at, id).
create index generations_user_recent_idx
  on public.generations (user_id, created_at desc, id desc)
  where deleted_at is null;
create index templates_user_recent_idx
  on public.templates (user_id, created_at desc, id desc);
create index subscriptions_user_id_idx on public.subscriptions (user_id);

-- ---------------------------------------------------------------------
-- 5. webhook_events: idempotent, replayable processing
-- ---------------------------------------------------------------------
alter table public.webhook_events
  add column provider text,
  add column event_id text,
  add column attempts integer not null default 0,
  add column last_error text,
  add column processed_at timestamptz,
  add constraint webhook_events_provider_check check (provider in ('clerk', 'stripe'));
-- Rows from before this migration have no provider; they keep processed as it was.
update public.webhook_events set processed_at = created_at where processed and processed_at is null;
create unique index webhook_events_provider_event_id_key
  on public.webhook_events (provider, event_id);
create index webhook_events_unprocessed_idx
  on public.webhook_events (created_at) where not processed;

-- ---------------------------------------------------------------------
-- 6. Storage: the private bucket and per-user folders
-- ---------------------------------------------------------------------
-- Files live at <users.id>/generation-<generations.id>.png. Only PNGs up to
-- 10 MiB; the local storage adapter enforces the same limits from this row.
insert into storage.buckets (id, name, public, file_size_limit, allowed_mime_types)
values ('postora-generations', 'postora-generations', false, 10485760, array['image/png'])
on conflict (id) do update
  set public = false,
      file_size_limit = excluded.file_size_limit,
      allowed_mime_types = excluded.allowed_mime_types;

create policy postora_generations_select_own_folder on storage.objects
  for select to authenticated
  using (bucket_id = 'postora-generations'
         and (storage.foldername(name))[1] = (select private.requesting_user_id()::text));
create policy postora_generations_insert_own_folder on storage.objects
  for insert to authenticated
  with check (bucket_id = 'postora-generations'
              and (storage.foldername(name))[1] = (select private.requesting_user_id()::text));
create policy postora_generations_update_own_folder on storage.objects
  for update to authenticated
  using (bucket_id = 'postora-generations'
         and (storage.foldername(name))[1] = (select private.requesting_user_id()::text))
  with check (bucket_id = 'postora-generations'
              and (storage.foldername(name))[1] = (select private.requesting_user_id()::text));
create policy postora_generations_delete_own_folder on storage.objects
  for delete to authenticated
  using (bucket_id = 'postora-generations'
         and (storage.foldername(name))[1] = (select private.requesting_user_id()::text));
