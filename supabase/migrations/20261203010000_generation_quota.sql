-- =====================================================================
-- Tier quotas: a monthly generation limit the database enforces
-- =====================================================================
-- Why: each tier allows a number of generations per calendar month (UTC).
-- People create generations through GraphQL and, with Supabase's Data API,
-- by inserting into public.generations directly, so the limit has to hold
-- in the database, atomically: twenty parallel inserts at the limit must
-- not all see "one left".
--
--   1. The limits and the tier a user is really on, in one place each:
--      private.monthly_generation_limit(tier) and private.effective_tier(user).
--      A cancellation at the period end keeps the paid tier until
--      users.subscription_end; after it the tier is free, computed when read,
--      so no job has to run on time for it to happen.
--   2. A per-user, per-month counter of generations made. It only goes up:
--      soft or hard deletes and edits of created_at cannot refill a quota.
--      Production's existing generations are counted into it.
--   3. Triggers on public.generations: a person's insert gets created_at
--      = now() and takes one unit under the counter row's lock, or fails
--      with SQLSTATE PT429 (PostgREST answers HTTP 429 for it; lib maps it
--      to QUOTA_EXCEEDED). The service path (no JWT: webhooks, jobs,
--      backfills) is counted but never refused.
--   4. private.viewer_billing(): the caller's effective tier and usage.

-- ---------------------------------------------------------------------
-- 1. Limits and the effective tier
-- ---------------------------------------------------------------------
-- Changing a limit is a new migration that replaces this function.
create or replace function private.monthly_generation_limit(tier text) returns integer
language sql immutable
set search_path = ''
as $$
  select case tier
    when 'business' then 2000
    when 'pro' then 200
    else 10
  end
$$;
revoke all on function private.monthly_generation_limit(text) from public;
grant execute on function private.monthly_generation_limit(text) to authenticated, service_role;

-- users.tier is what Stripe last told us; users.subscription_end is when
-- that paid tier stops (the current period's end). Past it, the user is on
-- free, except for a subscription that renews: Stripe moves its period on
-- at renewal and tells us a moment later, so it keeps the tier for a short
-- grace while that event is on its way.
create or replace function private.effective_tier(user_id uuid) returns text
language sql stable security definer
set search_path = ''
as $$
  select case
    when u.tier = 'free' or u.subscription_end is null or u.subscription_end > now() then u.tier
    when u.subscription_end + interval '2 days' > now() and exists (
      select 1 from public.subscriptions s
      where s.stripe_sub_id = u.subscription_id and s.user_id = u.id
        and s.status in ('active', 'trialing', 'past_due')
        and s.ended_at is null and not s.cancel_at_period_end and s.cancel_at is null
    ) then u.tier
    else 'free'
  end
  from public.users u
  where u.id = effective_tier.user_id
$$;
revoke all on function private.effective_tier(uuid) from public;
grant execute on function private.effective_tier(uuid) to service_role;

-- ---------------------------------------------------------------------
-- 2. The counter
-- ---------------------------------------------------------------------
create table private.generation_counts (
  user_id uuid not null references public.users (id) on delete cascade,
  -- First instant of the calendar month (UTC) the generations were made in.
  period_start timestamptz not null,
  used integer not null check (used >= 0),
  primary key (user_id, period_start)
);
comment on table private.generation_counts is
  'Generations each user made per calendar month (UTC). Only ever incremented, by the generations trigger.';

alter table private.generation_counts enable row level security;
revoke all on private.generation_counts from anon, authenticated;

create or replace function private.month_start(at timestamptz) returns timestamptz
language sql immutable
set search_path = ''
as $$
  select date_trunc('month', at at time zone 'UTC') at time zone 'UTC'
$$;
revoke all on function private.month_start(timestamptz) from public;

-- Every generation made so far, deleted or not, counts in its month.
insert into private.generation_counts (user_id, period_start, used)
select g.user_id, private.month_start(g.created_at), count(*)::integer
from public.generations g
group by 1, 2;

-- ---------------------------------------------------------------------
-- 3. Triggers on generations
-- ---------------------------------------------------------------------
-- A person cannot choose when their generation was made (it decides
-- which month it counts in).
create or replace function private.generations_set_created_at() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if private.requesting_user_id() is not null then
    new.created_at := now();
  end if;
  return new;
end
$$;
revoke all on function private.generations_set_created_at() from public;

-- AFTER the row passed row-level security, so new.user_id is the caller's.
-- The counter row's lock serialises a user's concurrent inserts; each
-- sees the count the previous one committed.
create or replace function private.generations_take_quota() returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  period_start timestamptz := private.month_start(new.created_at);
  period_end timestamptz := (date_trunc('month', new.created_at at time zone 'UTC') + interval '1 month') at time zone 'UTC';
  used_now integer;
  tier text;
  monthly_limit integer;
begin
  insert into private.generation_counts as c (user_id, period_start, used)
  values (new.user_id, period_start, 1)
  on conflict on constraint generation_counts_pkey do update set used = c.used + 1
  returning c.used into used_now;

  -- The service path is counted, never refused.
  if private.requesting_user_id() is null then
    return null;
  end if;

  tier := coalesce(private.effective_tier(new.user_id), 'free');
  monthly_limit := private.monthly_generation_limit(tier);
  if used_now > monthly_limit then
    raise exception using
      errcode = 'PT429',
      message = format('Monthly generation limit reached: the %s tier allows %s generations a month. It resets at %s.',
        tier, monthly_limit, to_char(period_end at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')),
      detail = json_build_object(
        'code', 'QUOTA_EXCEEDED', 'tier', tier, 'limit', monthly_limit, 'used', used_now - 1,
        'resetsAt', to_char(period_end at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))::text,
      hint = 'Upgrade your plan for a higher limit, or wait until it resets.';
  end if;
  return null;
end
$$;
revoke all on function private.generations_take_quota() from public;

create trigger generations_set_created_at
  before insert on public.generations
  for each row execute function private.generations_set_created_at();

create trigger generations_take_quota
  after insert on public.generations
  for each row execute function private.generations_take_quota();

-- ---------------------------------------------------------------------
-- 4. What the caller sees: viewer.tier and viewer.usage
-- ---------------------------------------------------------------------
create or replace function private.viewer_billing()
returns table (tier text, used integer, monthly_limit integer, period_start timestamptz, period_end timestamptz)
language sql stable security definer
set search_path = ''
as $$
  with caller as (
    select u.id, coalesce(private.effective_tier(u.id), 'free') as tier
    from public.users u where u.id = private.requesting_user_id()
  ), period as (
    select private.month_start(now()) as period_start,
           (date_trunc('month', now() at time zone 'UTC') + interval '1 month') at time zone 'UTC' as period_end
  )
  select caller.tier,
         coalesce((select c.used from private.generation_counts c
                   where c.user_id = caller.id and c.period_start = period.period_start), 0),
         private.monthly_generation_limit(caller.tier),
         period.period_start,
         period.period_end
  from caller, period
$$;
revoke all on function private.viewer_billing() from public;
grant execute on function private.viewer_billing() to authenticated;
