-- =====================================================================
-- Open in Canva: a person's Canva grant, its sign-in attempts, and sends
-- =====================================================================
-- Why: a person connects their Canva account (OAuth 2.0 authorization
-- code with PKCE) and sends a finished generation there as an editable
-- design (lib/canva/). The tokens are secrets: they are stored sealed
-- (AES-256-GCM under DATA_ENCRYPTION_KEY, lib/secrets/box.ts; a CHECK
-- keeps plaintext out), in the private schema, with RLS on and no
-- privilege for anon or authenticated, so only the service path (the
-- server and the worker, which bypass RLS) can read them, and a dump of
-- the database holds no usable token.
--
-- 1. canva_authorizations: one row per connect attempt: the hash of its
--    `state`, the person it belongs to, the sealed PKCE verifier, and a
--    short expiry. The callback deletes the row it uses (used once).
-- 2. canva_accounts: the person's grant (one per person), or a note that
--    Canva stopped accepting it (status 'disconnected', tokens gone).
-- 3. canva_revocations: refresh tokens still owed a revocation at Canva.
--    Deleting an account row (disconnectCanva, or the person's Postora
--    account going, by cascade) moves its refresh token here in the same
--    transaction; the server revokes it after the commit and deletes the
--    row (lib/canva/accounts.ts).
-- 4. canva_sends: the latest "send to Canva" of each generation: queued,
--    sending, ready or failed with a reason a person can act on. The
--    design itself is public.generations.canva_design_id.
-- 5. canva_design_id is no longer a person's to write through the Data
--    API: only a send sets it.

-- ---------------------------------------------------------------------
-- 1. Connect attempts
-- ---------------------------------------------------------------------
create table private.canva_authorizations (
  -- sha256 of the state sent to Canva (base64url): the state itself is never stored.
  state_hash text primary key,
  user_id uuid not null references public.users (id) on delete cascade,
  code_verifier text not null check (code_verifier like 'enc:v1:%'),
  expires_at timestamptz not null
);
create index canva_authorizations_user on private.canva_authorizations (user_id);
comment on table private.canva_authorizations is
  'A pending Canva connect: the state''s hash, who started it, the sealed PKCE verifier; deleted when used or expired.';

-- ---------------------------------------------------------------------
-- 2. Grants
-- ---------------------------------------------------------------------
create table private.canva_accounts (
  user_id uuid primary key references public.users (id) on delete cascade,
  status text not null check (status in ('connected', 'disconnected')),
  display_name text,
  access_token text check (access_token like 'enc:v1:%'),
  refresh_token text check (refresh_token like 'enc:v1:%'),
  access_expires_at timestamptz,
  scope text not null default '',
  -- Why the grant stopped working (status 'disconnected'), in words a person can act on.
  disconnected_reason text,
  connected_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (status = 'disconnected' or (access_token is not null and refresh_token is not null and access_expires_at is not null))
);
comment on table private.canva_accounts is
  'A person''s Canva grant: sealed access and refresh tokens (lib/secrets/box.ts), readable only by the service path.';

-- ---------------------------------------------------------------------
-- 3. Revocations owed
-- ---------------------------------------------------------------------
create table private.canva_revocations (
  id bigint generated always as identity primary key,
  -- No foreign key: the row outlives the person it belonged to.
  user_id uuid not null,
  refresh_token text not null check (refresh_token like 'enc:v1:%'),
  created_at timestamptz not null default now(),
  last_error text
);
comment on table private.canva_revocations is
  'Refresh tokens of deleted Canva grants, kept sealed until Canva has been told to revoke them.';

create or replace function private.owe_canva_revocation() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if old.refresh_token is not null then
    insert into private.canva_revocations (user_id, refresh_token) values (old.user_id, old.refresh_token);
  end if;
  return old;
end
$$;
revoke all on function private.owe_canva_revocation() from public, anon, authenticated;

create trigger canva_accounts_owe_revocation
  before delete on private.canva_accounts
  for each row execute function private.owe_canva_revocation();

-- ---------------------------------------------------------------------
-- 4. Sends
-- ---------------------------------------------------------------------
create table private.canva_sends (
  generation_id uuid primary key references public.generations (id) on delete cascade,
  user_id uuid not null references public.users (id) on delete cascade,
  status text not null check (status in ('queued', 'sending', 'ready', 'failed')),
  failure_reason text check (failure_reason is null or status = 'failed'),
  requested_at timestamptz not null default now(),
  finished_at timestamptz
);
create index canva_sends_user on private.canva_sends (user_id);
comment on table private.canva_sends is
  'The latest send of a generation to Canva and where it is; the design it made is generations.canva_design_id.';

-- ---------------------------------------------------------------------
-- RLS on, nothing for the API roles: only the service path reads these
-- ---------------------------------------------------------------------
alter table private.canva_authorizations enable row level security;
alter table private.canva_accounts enable row level security;
alter table private.canva_revocations enable row level security;
alter table private.canva_sends enable row level security;
revoke all on private.canva_authorizations, private.canva_accounts, private.canva_revocations, private.canva_sends
  from public, anon, authenticated;

-- ---------------------------------------------------------------------
-- 5. canva_design_id: set by a send, not by hand
-- ---------------------------------------------------------------------
revoke update (canva_design_id) on public.generations from authenticated;
