-- =====================================================================
-- api_keys: the development identity's stand-in for Clerk's API keys
-- =====================================================================
-- Why: third-party clients call the API with long-lived, scoped, revocable
-- API keys. Wherever Clerk is configured (production included) Clerk keeps
-- the keys and verifies them; this table is never read there. With the
-- development identity (no Clerk keys, never NODE_ENV=production: see
-- lib/api-keys/local.ts) there is no Clerk to ask, so keys are kept here,
-- with the same secret prefix (ak_) and behaviour, and verified by the
-- same request path.
--
-- Secrets are never stored: only their SHA-256. A secret is 32 random
-- bytes, so a fast hash is enough (nothing to brute-force) and lets the
-- verifier find a key by an index lookup.
--
-- What a person (role authenticated, through GraphQL or the Data API) may
-- do: read their own keys' metadata (never the hash), insert a key for
-- themselves, and revoke one of their own through
-- private.revoke_api_key (revoked keys stay revoked). Verifying a secret
-- and recording last_used_at are done by the server on the service path,
-- before anyone is known to be calling.
--
-- Safe on production data: a new, empty table.

-- ---------------------------------------------------------------------
-- 1. The table
-- ---------------------------------------------------------------------
create table public.api_keys (
  -- The same shape of id as Clerk's API keys have: a prefix, then opaque.
  id text primary key
    default ('apikey_' || replace(gen_random_uuid()::text, '-', ''))
    check (id ~ '^apikey_[0-9a-f]{32}$'),
  user_id uuid not null references public.users (id) on delete cascade,
  name text not null check (char_length(btrim(name)) between 1 and 100),
  scopes text[] not null
    check (cardinality(scopes) between 1 and 2
           and scopes <@ array['read', 'write']::text[]
           and array_position(scopes, null) is null),
  secret_hash bytea not null unique check (octet_length(secret_hash) = 32),
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);

comment on table public.api_keys is
  'API keys of the development identity only (Clerk keeps them in production). Secrets are stored as SHA-256 only.';

-- A person's keys, newest first (the list query), and the unique
-- secret_hash index the verifier looks keys up by.
create index api_keys_user_id_created_at_idx on public.api_keys (user_id, created_at desc);

-- ---------------------------------------------------------------------
-- 2. Row-level security and grants
-- ---------------------------------------------------------------------
alter table public.api_keys enable row level security;
revoke all on public.api_keys from anon, authenticated;

-- Metadata only: the hash is never readable, not even by its owner.
grant select (id, user_id, name, scopes, created_at, last_used_at, revoked_at)
  on public.api_keys to authenticated;
-- A new key: its id, times and revocation are the server's to set.
grant insert (user_id, name, scopes, secret_hash) on public.api_keys to authenticated;

create policy api_keys_select_own on public.api_keys
  for select to authenticated
  using (user_id = (select private.requesting_user_id()));
create policy api_keys_insert_own on public.api_keys
  for insert to authenticated
  with check (user_id = (select private.requesting_user_id()));

-- ---------------------------------------------------------------------
-- 3. Revocation
-- ---------------------------------------------------------------------
-- Not an UPDATE grant: RLS cannot stop an update from clearing revoked_at
-- again. This function only ever sets it, on the caller's own key, once.
-- Returns the key's id, or null when the caller has no such live key.
create or replace function private.revoke_api_key(key_id text) returns text
language sql volatile security definer
set search_path = ''
as $$
  update public.api_keys k
     set revoked_at = now()
   where k.id = key_id
     and k.user_id = private.requesting_user_id()
     and k.revoked_at is null
  returning k.id
$$;
revoke all on function private.revoke_api_key(text) from public;
grant execute on function private.revoke_api_key(text) to authenticated;
