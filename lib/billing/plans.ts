/**
 * Tiers, the Stripe prices that sell them, and what the caller's tier
 * allows. The monthly limits themselves live in one place, the database
 * (private.monthly_generation_limit, supabase/migrations/*_generation_quota.sql),
 * because the database enforces them on every insert; this module reads them.
 */
import type { Sql } from "@/lib/db/client";

export const TIERS = ["free", "pro", "business"] as const;
export type Tier = (typeof TIERS)[number];

/** The tiers Stripe sells, lowest first. Each has a STRIPE_PRICE_<PLAN> variable (lib/env.ts). */
export const PAID_PLANS = ["pro", "business"] as const;
export type PaidPlan = (typeof PAID_PLANS)[number];

/** STRIPE_PRICE_<PLAN>, parsed: each plan's price ids, the first being the one checkout sells. */
export type PlanPrices = Record<PaidPlan, readonly string[]>;

export const priceVariable = (plan: PaidPlan) => `STRIPE_PRICE_${plan.toUpperCase()}`;

/** The plan a Stripe price sells, or null when no STRIPE_PRICE_<PLAN> lists it. */
export function planForPrice(prices: PlanPrices, priceId: string): PaidPlan | null {
  return PAID_PLANS.find((plan) => prices[plan].includes(priceId)) ?? null;
}

export type SubscriptionRow = {
  id: string;
  plan: string;
  status: string;
  startDate: Date;
  endDate: Date;
  cancelAtPeriodEnd: boolean;
  cancelAt: Date | null;
};

/** The caller's current subscription: the active or trialing one that ends last, else the latest. */
export async function currentSubscription(sql: Sql): Promise<SubscriptionRow | null> {
  const [row] = await sql<SubscriptionRow[]>`
    select id, plan, status, start_date, end_date, cancel_at_period_end, cancel_at from subscriptions
    where user_id = (select private.requesting_user_id())
    order by (status in ('active', 'trialing', 'past_due') and ended_at is null) desc, end_date desc, id desc
    limit 1`;
  return row ?? null;
}

export type Usage = { used: number; limit: number; periodStart: Date; periodEnd: Date };
export type ViewerBilling = { tier: Tier; usage: Usage };

/**
 * The caller's effective tier (a lapsed subscription already counts as
 * free) and this calendar month's (UTC) generations against its limit,
 * deleted ones included: exactly what the database enforces.
 */
export async function viewerBilling(sql: Sql): Promise<ViewerBilling | null> {
  const [row] = await sql<{ tier: Tier; used: number; monthlyLimit: number; periodStart: Date; periodEnd: Date }[]>`
    select tier, used, monthly_limit, period_start, period_end from private.viewer_billing()`;
  if (!row) return null;
  return { tier: row.tier, usage: { used: row.used, limit: row.monthlyLimit, periodStart: row.periodStart, periodEnd: row.periodEnd } };
}
