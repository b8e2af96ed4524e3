/**
 * What each tier allows. The billing issue enforces these limits; the API
 * already reports usage against them so clients can show it.
 */
import type { Sql } from "@/lib/db/client";

export const TIERS = ["free", "pro", "business"] as const;
export type Tier = (typeof TIERS)[number];

const MONTHLY_GENERATION_LIMIT: Record<Tier, number> = {
  free: 10,
  pro: 200,
  business: 2000,
};

export type SubscriptionRow = {
  id: string;
  plan: string;
  status: string;
  startDate: Date;
  endDate: Date;
};

/** The caller's current subscription: the active or trialing one that ends last, else the latest. */
export async function currentSubscription(sql: Sql): Promise<SubscriptionRow | null> {
  const [row] = await sql<SubscriptionRow[]>`
    select id, plan, status, start_date, end_date from subscriptions
    where user_id = (select private.requesting_user_id())
    order by (status in ('active', 'trialing')) desc, end_date desc
    limit 1`;
  return row ?? null;
}

export type Usage = { used: number; limit: number; periodStart: Date; periodEnd: Date };

/** Generations made in the current period: the subscription's if active, else the calendar month (UTC). */
export async function usageThisPeriod(sql: Sql, tier: Tier, subscription: SubscriptionRow | null, now = new Date()): Promise<Usage> {
  const active = subscription && ["active", "trialing"].includes(subscription.status) && subscription.endDate > now;
  const periodStart = active ? subscription.startDate : new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const periodEnd = active ? subscription.endDate : new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
  // Deleted generations still count (deleting must not refill the quota), and RLS hides them, hence the function.
  const [row] = await sql<{ used: number }[]>`select private.generations_created_between(${periodStart}, ${periodEnd}) as used`;
  return { used: row?.used ?? 0, limit: MONTHLY_GENERATION_LIMIT[tier] ?? MONTHLY_GENERATION_LIMIT.free, periodStart, periodEnd };
}
