-- =====================================================================
-- Stripe subscriptions: one row per Stripe subscription, kept in order
-- =====================================================================
-- Why: the Stripe webhook (app/api/webhooks/stripe, lib/billing) keeps
-- `subscriptions` true to Stripe. Stripe delivers each event at least
-- once, retries for days and promises no order, so:
--
--   1. stripe_sub_id becomes unique: the webhook upserts by it, and two
--      rows for one Stripe subscription would make "the user's plan" a
--      guess. Production rows are checked first (section 1).
--   2. each row remembers which Stripe event its state came from (id,
--      type, creation time): an older event that arrives late never
--      overwrites newer state.
--   3. the fields the tier depends on are stored: the price, whether and
--      when it cancels, and when it ended.
--
-- The webhook is the only writer (service path); people keep reading their
-- own rows through subscriptions_select_own.

-- ---------------------------------------------------------------------
-- 1. Existing duplicates of stripe_sub_id
-- ---------------------------------------------------------------------
-- One Stripe subscription recorded for two different users cannot be
-- resolved by a migration: someone has to decide whose it is. Stop and say so.
do $$
declare
  conflicting text;
begin
  select string_agg(stripe_sub_id, ', ' order by stripe_sub_id) into conflicting
  from (
    select stripe_sub_id from public.subscriptions
    group by stripe_sub_id having count(distinct user_id) > 1
  ) shared;
  if conflicting is not null then
    raise exception 'subscriptions: Stripe subscription(s) % are recorded for more than one user', conflicting
      using hint = 'Look each up in the Stripe dashboard (its customer names the right user), delete the other users'' rows, then run the migrations again.';
  end if;
end
$$;

-- The same subscription recorded twice for one user is a repeated write
-- of the old backend: keep the row that ends last (then the newest). The
-- next Stripe event for it refreshes that row from Stripe anyway.
delete from public.subscriptions s
using (
  select id, row_number() over (partition by stripe_sub_id order by end_date desc, id desc) as position
  from public.subscriptions
) ranked
where s.id = ranked.id and ranked.position > 1;

alter table public.subscriptions
  add constraint subscriptions_stripe_sub_id_key unique (stripe_sub_id);

-- ---------------------------------------------------------------------
-- 2. What the tier depends on, and which event the state came from
-- ---------------------------------------------------------------------
alter table public.subscriptions
  add column stripe_customer_id text,
  add column price_id text,
  add column cancel_at_period_end boolean not null default false,
  add column cancel_at timestamptz,
  add column ended_at timestamptz,
  add column stripe_event_id text,
  add column stripe_event_type text,
  add column stripe_event_created_at timestamptz,
  add column updated_at timestamptz not null default now();

comment on column public.subscriptions.start_date is 'Start of the current billing period (Stripe: the items'' current_period_start).';
comment on column public.subscriptions.end_date is 'End of the current billing period (Stripe: the items'' current_period_end), or when it ended.';
comment on column public.subscriptions.cancel_at_period_end is 'Stripe cancel_at_period_end: the paid tier lasts until end_date, then the subscription ends.';
comment on column public.subscriptions.cancel_at is 'Stripe cancel_at: when a scheduled cancellation takes effect.';
comment on column public.subscriptions.ended_at is 'Stripe ended_at: set once the subscription has ended (customer.subscription.deleted).';
comment on column public.subscriptions.stripe_event_created_at is
  'Creation time of the Stripe event this row was last written from; older events are ignored.';

-- Finding a customer's subscriptions (checkout links a customer to a user).
create index subscriptions_stripe_customer_id_idx on public.subscriptions (stripe_customer_id)
  where stripe_customer_id is not null;
