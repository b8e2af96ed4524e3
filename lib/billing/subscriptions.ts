/**
 * Subscription state from Stripe, kept true whatever order events arrive in.
 *
 * Each subscriptions row remembers the Stripe event its state came from.
 * An event applies only when it is at least as new as that one: by the
 * event's creation time, then (for events of the same second, which Stripe
 * often sends) by what the event is: created < invoice.* < updated <
 * deleted. A deleted subscription stays deleted: Stripe never revives one.
 * The users row (tier, subscription_id, subscription_end) is then derived
 * from all of the user's subscriptions, under that user's row lock, so two
 * events for one user cannot interleave.
 */
import type { Sql } from "@/lib/db/client";
import { PAID_PLANS, type PaidPlan } from "@/lib/billing/plans";

/** Stripe statuses that keep the paid tier (past_due: Stripe is still retrying the payment). */
const ENTITLED_STATUSES = ["active", "trialing", "past_due"] as const;

export type StripeSubscriptionState = {
  stripeSubId: string;
  stripeCustomerId: string;
  plan: PaidPlan;
  priceId: string;
  status: string;
  currentPeriodStart: Date;
  currentPeriodEnd: Date;
  cancelAtPeriodEnd: boolean;
  cancelAt: Date | null;
  endedAt: Date | null;
};

export type EventStamp = { id: string; type: string; createdAt: Date };

const DELETED = "customer.subscription.deleted";

/** Same-second tie-break: what an event says about a subscription's life, in the order Stripe lives it. */
const rankOf = (sql: Sql, type: ReturnType<Sql>) => sql`(case ${type}
  when 'customer.subscription.created' then 0
  when 'customer.subscription.updated' then 2
  when ${DELETED} then 3
  else 1 end)`;

/** Locks the user's row for the rest of the transaction: one user's billing changes happen one at a time. */
export async function lockUser(sql: Sql, userId: string): Promise<boolean> {
  const rows = await sql`select id from users where id = ${userId} for no key update`;
  return rows.length > 0;
}

/**
 * Writes a subscription's state from an event, unless the row already holds
 * newer state. Returns the row's user, or null when the event was older.
 */
export async function upsertSubscription(
  sql: Sql,
  userId: string,
  state: StripeSubscriptionState,
  event: EventStamp,
): Promise<{ userId: string } | null> {
  const [row] = await sql<{ userId: string }[]>`
    insert into subscriptions as s (
      user_id, stripe_sub_id, stripe_customer_id, plan, price_id, status, start_date, end_date,
      cancel_at_period_end, cancel_at, ended_at, stripe_event_id, stripe_event_type, stripe_event_created_at, updated_at)
    values (
      ${userId}, ${state.stripeSubId}, ${state.stripeCustomerId}, ${state.plan}, ${state.priceId}, ${state.status},
      ${state.currentPeriodStart}, ${state.currentPeriodEnd}, ${state.cancelAtPeriodEnd}, ${state.cancelAt}, ${state.endedAt},
      ${event.id}, ${event.type}, ${event.createdAt}, now())
    on conflict (stripe_sub_id) do update set
      stripe_customer_id = excluded.stripe_customer_id,
      plan = excluded.plan,
      price_id = excluded.price_id,
      status = excluded.status,
      start_date = excluded.start_date,
      end_date = excluded.end_date,
      cancel_at_period_end = excluded.cancel_at_period_end,
      cancel_at = excluded.cancel_at,
      ended_at = excluded.ended_at,
      stripe_event_id = excluded.stripe_event_id,
      stripe_event_type = excluded.stripe_event_type,
      stripe_event_created_at = excluded.stripe_event_created_at,
      updated_at = now()
    where (s.stripe_event_type is distinct from ${DELETED} or excluded.stripe_event_type = ${DELETED})
      and (s.stripe_event_created_at is null
           or (excluded.stripe_event_created_at, ${rankOf(sql, sql`excluded.stripe_event_type`)})
              >= (s.stripe_event_created_at, ${rankOf(sql, sql`s.stripe_event_type`)}))
    returning s.user_id`;
  return row ?? null;
}

export type StoredSubscription = { userId: string; status: string; endDate: Date; stripeEventType: string | null; stripeEventCreatedAt: Date | null };

export async function findSubscription(sql: Sql, stripeSubId: string): Promise<StoredSubscription | null> {
  const [row] = await sql<StoredSubscription[]>`
    select user_id, status, end_date, stripe_event_type, stripe_event_created_at from subscriptions where stripe_sub_id = ${stripeSubId}`;
  return row ?? null;
}

/**
 * An invoice event's news about a subscription's status (paid again, or a
 * payment failed), applied only if nothing newer is stored. The period end
 * moves forward only.
 */
export async function applyInvoiceStatus(
  sql: Sql,
  stripeSubId: string,
  change: { from: readonly string[]; to: string; periodEnd: Date | null },
  event: EventStamp,
): Promise<"applied" | "older"> {
  const rows = await sql`
    update subscriptions s set
      status = case when s.status = any(${change.from as string[]}) then ${change.to} else s.status end,
      end_date = greatest(s.end_date, coalesce(${change.periodEnd}::timestamptz, s.end_date)),
      stripe_event_id = ${event.id},
      stripe_event_type = ${event.type},
      stripe_event_created_at = ${event.createdAt},
      updated_at = now()
    where s.stripe_sub_id = ${stripeSubId}
      and s.stripe_event_type is distinct from ${DELETED}
      and (s.stripe_event_created_at is null
           or (${event.createdAt}::timestamptz, ${rankOf(sql, sql`${event.type}::text`)})
              >= (s.stripe_event_created_at, ${rankOf(sql, sql`s.stripe_event_type`)}))
    returning s.id`;
  return rows.length > 0 ? "applied" : "older";
}

/**
 * Derives users.tier, subscription_id and subscription_end from the user's
 * subscriptions: the best one that still entitles (highest plan, then
 * latest end) decides; with none, the tier is free and the columns name the
 * subscription that ended last. subscription_end is when the paid tier
 * stops: the period end, or an earlier scheduled cancellation.
 */
export async function syncUserTier(sql: Sql, userId: string): Promise<{ tier: string; subscriptionId: string | null; subscriptionEnd: Date | null }> {
  const [row] = await sql<{ tier: string; subscriptionId: string | null; subscriptionEnd: Date | null }[]>`
    with best as (
      select s.stripe_sub_id, s.plan,
             (s.status = any(${ENTITLED_STATUSES as unknown as string[]}) and s.ended_at is null
              and s.plan = any(${PAID_PLANS as unknown as string[]})) as entitled,
             least(s.end_date, coalesce(s.cancel_at, s.end_date)) as paid_until,
             coalesce(s.ended_at, s.end_date) as ended
      from subscriptions s
      where s.user_id = ${userId}
      order by entitled desc, array_position(${PAID_PLANS as unknown as string[]}::text[], s.plan::text) desc nulls last,
               s.end_date desc, s.id desc
      limit 1
    )
    update users u set
      tier = case when best.entitled then best.plan else 'free' end,
      subscription_id = best.stripe_sub_id,
      subscription_end = case when best.entitled then best.paid_until else best.ended end
    from best
    where u.id = ${userId}
    returning u.tier, u.subscription_id, u.subscription_end`;
  return row ?? { tier: "free", subscriptionId: null, subscriptionEnd: null };
}

/** Links a Stripe customer to a user; refuses to move a customer between users or replace another. */
export async function linkCustomer(sql: Sql, userId: string, stripeCustomerId: string): Promise<"linked" | "already"> {
  const [owner] = await sql<{ id: string }[]>`select id from users where stripe_customer_id = ${stripeCustomerId}`;
  if (owner && owner.id !== userId) {
    throw new Error(`Stripe customer ${stripeCustomerId} is already linked to another Postora user (${owner.id}); resolve it in the Stripe dashboard.`);
  }
  if (owner) return "already";
  const [user] = await sql<{ stripeCustomerId: string | null }[]>`select stripe_customer_id from users where id = ${userId}`;
  if (user?.stripeCustomerId && user.stripeCustomerId !== stripeCustomerId) {
    throw new Error(
      `Postora user ${userId} already has Stripe customer ${user.stripeCustomerId}, but this event is for ${stripeCustomerId}; ` +
        "merge or delete one of the customers in the Stripe dashboard, then resend the event.",
    );
  }
  await sql`update users set stripe_customer_id = ${stripeCustomerId} where id = ${userId}`;
  return "linked";
}
