-- =====================================================================
-- The functions every policy calls, with plans that last
-- =====================================================================
-- Why: every statement a person sends runs private.requesting_user_id()
-- at least once (each generations, templates and subscriptions policy
-- calls it, and our own queries filter by it too), and it calls
-- private.requesting_clerk_id(). Both were SQL functions with a SET
-- clause, which Postgres cannot inline and plans afresh on every call:
-- measured on PostgreSQL 17, a page of 20 generations cost about 1 ms of
-- database CPU, half of it planning these two bodies. PL/pgSQL keeps each
-- statement's plan for the session, and the same page costs about half.
--
-- Same signatures, results, volatility, SECURITY DEFINER and empty
-- search_path as before (20261201020000_legacy_ids_never_authenticate.sql),
-- so every policy and grant that names them stands: `create or replace`
-- keeps a function's privileges.
--
-- private.enter_request (20261207000000) moves to PL/pgSQL for the same
-- reason: as an SQL function it cost about 50 us more than the four
-- set_config calls it replaced; as PL/pgSQL it costs what they did.

create or replace function private.requesting_clerk_id() returns text
language plpgsql stable
set search_path = ''
as $$
declare
  sub text := auth.jwt() ->> 'sub';
begin
  -- A bare UUID is a legacy Supabase Auth id, never a Clerk identity.
  if sub ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
    return null;
  end if;
  return sub;
end
$$;

create or replace function private.requesting_user_id() returns uuid
language plpgsql stable security definer
set search_path = ''
as $$
declare
  found uuid;
begin
  select u.id into found from public.users u where u.auth_id = private.requesting_clerk_id();
  return found;
end
$$;

create or replace function private.enter_request(role text, claims text, statement_timeout_ms integer, idle_in_transaction_ms integer)
returns void
language plpgsql volatile
set search_path = ''
as $$
begin
  perform set_config('statement_timeout', statement_timeout_ms::text, true),
          set_config('idle_in_transaction_session_timeout', idle_in_transaction_ms::text, true),
          set_config('request.jwt.claims', claims, true),
          set_config('role', case when role = 'authenticated' then 'authenticated' else 'anon' end, true);
end
$$;
