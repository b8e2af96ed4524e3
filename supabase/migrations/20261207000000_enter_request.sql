-- =====================================================================
-- One short call that enters a request's RLS context
-- =====================================================================
-- Why: a query's read sends its opening, its statement and its COMMIT in
-- one packet (lib/db/client.ts userReads). postgres.js writes what it has
-- queued at once when the queue reaches 1 KiB, and the opening (BEGIN, two
-- timeouts, the role and the hex-encoded claims, with the rate limit's
-- counter in front) plus a page of generations came to about 1.2 KiB: the
-- COMMIT went in a second packet, a second round trip of syscalls on both
-- sides. This function does what the four set_config calls did, under a
-- name a fraction of their length.
--
-- Everything it sets is transaction-local (set_config(..., true)), as
-- before: nothing outlives the transaction on a pooled connection. The
-- function's own search_path setting is undone when it returns; the
-- settings it makes for the caller are not, which is the point. Any role
-- but 'authenticated' becomes 'anon', the least privilege there is.
--
-- Only the server's own role calls it, as it opens a transaction for a
-- person: nothing is granted to anon or authenticated, who could only have
-- set their own claims anyway.

create function private.enter_request(role text, claims text, statement_timeout_ms integer, idle_in_transaction_ms integer)
returns void
language sql volatile
set search_path = ''
as $$
  select set_config('statement_timeout', statement_timeout_ms::text, true),
         set_config('idle_in_transaction_session_timeout', idle_in_transaction_ms::text, true),
         set_config('request.jwt.claims', claims, true),
         set_config('role', case when role = 'authenticated' then 'authenticated' else 'anon' end, true);
$$;

revoke all on function private.enter_request(text, text, integer, integer) from public, anon, authenticated;

comment on function private.enter_request(text, text, integer, integer) is
  'Sets a transaction''s timeouts, JWT claims and role (authenticated or anon) for a person''s request; see lib/db/client.ts.';
