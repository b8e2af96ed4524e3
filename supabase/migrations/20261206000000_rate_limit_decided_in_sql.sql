-- =====================================================================
-- The rate limit's decision, in the statement that counts
-- =====================================================================
-- Why: a query request's counter travels in the message that opens its
-- transaction (lib/db/client.ts sharedUserTransaction). When the decision
-- came back to the server first, the request's first read had to wait for
-- it: one more round trip. Deciding here lets the server send the counter,
-- the transaction's opening and the first read in one message: over the
-- limit, this function raises, the transaction it sits in is aborted, and
-- every statement after it in the same pipeline fails unread (SQLSTATE
-- 25P02). Nothing is read for a caller over the limit.
--
-- Same counting as before (20261201400000_rate_limit_counters.sql): one
-- row per subject, reset in place when a new minute starts. A refused
-- request's increment is rolled back with the raise, so the count stays at
-- the limit and every further request in that minute is refused too.
--
-- The limits are arguments: they are configured in one place, the server's
-- environment (lib/env.ts). 0 turns a limit off. The error is SQLSTATE
-- PT429 (PostgREST's convention for an HTTP status) with a JSON detail the
-- server turns into RATE_LIMITED and a Retry-After header.
--
-- Only the server's own role calls it (the service path): nothing is
-- granted to anon or authenticated.

create function private.count_request(subject text, free_limit integer, paid_limit integer, anonymous_limit integer)
returns table (hits integer, applied_limit integer, seconds_left double precision)
language plpgsql volatile
set search_path = ''
as $$
#variable_conflict use_column
declare
  counted integer;
  left_seconds double precision;
  tier text;
  applies integer;
begin
  insert into private.rate_limit_counters as c (subject, window_start, hits)
  values (count_request.subject, date_trunc('minute', now()), 1)
  on conflict (subject) do update set
    hits = case when c.window_start = excluded.window_start then c.hits + 1 else 1 end,
    window_start = excluded.window_start
  returning c.hits, extract(epoch from (c.window_start + interval '1 minute' - clock_timestamp()))::double precision
  into counted, left_seconds;

  if count_request.subject like 'user:%' then
    select u.tier into tier from public.users u where u.id = substr(count_request.subject, 6)::uuid;
    applies := case when tier in ('pro', 'business') then paid_limit else free_limit end;
  else
    applies := anonymous_limit;
  end if;

  if applies > 0 and counted > applies then
    raise exception using
      errcode = 'PT429',
      message = format('rate limited: at most %s requests a minute', applies),
      detail = json_build_object('limit', applies, 'retryAfterSeconds', greatest(1, ceil(left_seconds)))::text;
  end if;

  hits := counted;
  applied_limit := applies;
  seconds_left := left_seconds;
  return next;
end
$$;

revoke all on function private.count_request(text, integer, integer, integer) from public, anon, authenticated;

comment on function private.count_request(text, integer, integer, integer) is
  'Counts one request for a subject (user:<users.id> or ip:<address>) and raises PT429 past its limit; see lib/rate-limit.ts.';
