/**
 * Stripe's webhook events: a verified event in, subscription and tier
 * effects out. applyStripeEvent is the `apply` the webhook inbox runs once
 * per event under that event's row lock (lib/webhooks/inbox.ts); whatever
 * it throws is rolled back and recorded on the event, and Stripe retries.
 *
 * Events are read as the API version pinned in lib/billing/stripe.ts
 * renders them (basil and later): a subscription's current period lives on
 * its items, an invoice's subscription on invoice.parent.subscription_details.
 * Older renderings are refused with instructions rather than misread.
 */
import { z } from "zod";
import { planForPrice, priceVariable, PAID_PLANS, type PaidPlan, type PlanPrices } from "@/lib/billing/plans";
import { STRIPE_API_VERSION } from "@/lib/billing/stripe";
import {
  applyInvoiceStatus,
  findSubscription,
  linkCustomer,
  lockUser,
  syncUserTier,
  upsertSubscription,
  type EventStamp,
  type StripeSubscriptionState,
} from "@/lib/billing/subscriptions";
import type { Sql } from "@/lib/db/client";
import { getEnv } from "@/lib/env";
import { isUuid } from "@/lib/ids";
import { RetryLater, type InboxDelivery } from "@/lib/webhooks/inbox";

/** The first API version whose shapes this module reads ("basil"). */
const BASIL = "2025-03-31";

/** The metadata key our checkout puts on sessions and subscriptions (lib/billing/checkout.ts). */
export const USER_ID_METADATA = "postora_user_id";

export type StripeEventDeps = { prices: PlanPrices };

const defaultDeps = (): StripeEventDeps => ({ prices: getEnv().stripe.prices });

const id = z.string().min(1);
/** An expandable field: an id, or the object with its id. */
const ref = z.union([id, z.looseObject({ id })]).transform((value) => (typeof value === "string" ? value : value.id));
const unix = z.number().int().transform((seconds) => new Date(seconds * 1000));
const metadata = z.record(z.string(), z.string()).nullish().transform((value) => value ?? {});

const stripeEvent = z.looseObject({
  id: id,
  type: z.string(),
  created: z.number().int(),
  api_version: z.string().nullish(),
  data: z.looseObject({ object: z.looseObject({ object: z.string() }) }),
});

const subscriptionObject = z.looseObject({
  id: id,
  object: z.literal("subscription"),
  customer: ref,
  status: z.string(),
  cancel_at_period_end: z.boolean(),
  cancel_at: unix.nullable(),
  ended_at: unix.nullable(),
  metadata,
  items: z.looseObject({
    data: z.array(
      z.looseObject({
        price: z.looseObject({ id: id }),
        current_period_start: unix,
        current_period_end: unix,
      }),
    ),
  }),
});

const checkoutSessionObject = z.looseObject({
  id: id,
  object: z.literal("checkout.session"),
  mode: z.string(),
  client_reference_id: z.string().nullish(),
  customer: ref.nullish(),
  subscription: ref.nullish(),
  metadata,
});

const invoiceObject = z.looseObject({
  id: id,
  object: z.literal("invoice"),
  parent: z
    .looseObject({ subscription_details: z.looseObject({ subscription: ref }).nullish() })
    .nullish(),
  lines: z.looseObject({ data: z.array(z.looseObject({ period: z.looseObject({ end: unix }).nullish() })) }).nullish(),
});

/** Older than basil, or not knowable: refuse rather than misread the fields. */
function requireBasil(apiVersion: string | null | undefined, eventId: string): void {
  const date = apiVersion?.slice(0, 10);
  if (date && date >= BASIL) return;
  throw new Error(
    `Event ${eventId} was rendered in Stripe API version ${apiVersion ?? "(none)"}, older than ${BASIL}.basil, ` +
      `whose subscription and invoice fields Postora reads. Update the endpoint's API version to ${STRIPE_API_VERSION} ` +
      "(Stripe dashboard > Developers > Webhooks > this endpoint > ... > Update API version, or create the endpoint with " +
      `api_version ${STRIPE_API_VERSION}); events created after that arrive in the new shape.`,
  );
}

type Subscription = z.infer<typeof subscriptionObject>;

/** The plan a subscription sells: its highest plan among its items' prices. Unknown prices are an error. */
function subscriptionState(subscription: Subscription, prices: PlanPrices): StripeSubscriptionState {
  const priced = subscription.items.data
    .map((item) => ({ item, plan: planForPrice(prices, item.price.id) }))
    .filter((entry): entry is { item: (typeof subscription.items.data)[number]; plan: PaidPlan } => entry.plan !== null)
    .sort((a, b) => PAID_PLANS.indexOf(b.plan) - PAID_PLANS.indexOf(a.plan));
  const chosen = priced[0];
  if (!chosen) {
    const ids = subscription.items.data.map((item) => item.price.id).join(", ") || "(no items)";
    throw new Error(
      `Subscription ${subscription.id} is for price ${ids}, which no plan sells: add it to ${PAID_PLANS.map(priceVariable).join(" or ")} ` +
        "(comma-separated), then run `npm run webhooks:retry` or let Stripe retry.",
    );
  }
  return {
    stripeSubId: subscription.id,
    stripeCustomerId: subscription.customer,
    plan: chosen.plan,
    priceId: chosen.item.price.id,
    status: subscription.status,
    currentPeriodStart: chosen.item.current_period_start,
    currentPeriodEnd: chosen.item.current_period_end,
    cancelAtPeriodEnd: subscription.cancel_at_period_end,
    cancelAt: subscription.cancel_at,
    endedAt: subscription.ended_at,
  };
}

/** Whose subscription this is: the row we have, the linked customer, or the user id our checkout put in its metadata. */
async function ownerOf(sql: Sql, subscriptionId: string, customerId: string, meta: Record<string, string>): Promise<string | "deleted" | null> {
  const stored = await findSubscription(sql, subscriptionId);
  if (stored) return stored.userId;
  const [byCustomer] = await sql<{ id: string }[]>`select id from users where stripe_customer_id = ${customerId}`;
  if (byCustomer) return byCustomer.id;
  const claimed = meta[USER_ID_METADATA];
  if (claimed && isUuid(claimed)) {
    const [user] = await sql<{ id: string }[]>`select id from users where id = ${claimed}`;
    if (user) {
      await linkCustomer(sql, user.id, customerId);
      return user.id;
    }
    const [gone] = await sql`select 1 from clerk_deleted_users where user_id = ${claimed}`;
    if (gone) return "deleted";
  }
  return null;
}

async function applySubscriptionEvent(sql: Sql, subscription: Subscription, stamp: EventStamp, deps: StripeEventDeps): Promise<string> {
  const state = subscriptionState(subscription, deps.prices);
  const owner = await ownerOf(sql, subscription.id, subscription.customer, subscription.metadata);
  if (owner === "deleted") return `ignored: subscription ${subscription.id} belongs to a deleted user`;
  if (!owner) {
    throw new RetryLater(
      `No Postora user for Stripe customer ${subscription.customer} yet (subscription ${subscription.id} has no ${USER_ID_METADATA} metadata); ` +
        "waiting for checkout.session.completed to link them.",
    );
  }
  await lockUser(sql, owner);
  if (stamp.type === "customer.subscription.deleted") state.status = "canceled";
  const written = await upsertSubscription(sql, owner, state, stamp);
  if (!written) return `ignored: subscription ${subscription.id} already holds newer state than this ${stamp.type}`;
  const user = await syncUserTier(sql, written.userId);
  return `subscription ${subscription.id} ${state.status} (${state.plan}); user ${written.userId} is on ${user.tier}`;
}

async function applyCheckoutCompleted(sql: Sql, session: z.infer<typeof checkoutSessionObject>): Promise<string> {
  if (session.mode !== "subscription") return `ignored: checkout session ${session.id} is a ${session.mode} checkout`;
  const claimed = session.client_reference_id ?? session.metadata[USER_ID_METADATA] ?? null;
  if (!claimed || !isUuid(claimed)) return `ignored: checkout session ${session.id} was not started by Postora (no user id on it)`;
  if (!session.customer) throw new Error(`Checkout session ${session.id} completed without a customer.`);
  if (!(await lockUser(sql, claimed))) return `ignored: checkout session ${session.id} is for user ${claimed}, who no longer exists`;
  const linked = await linkCustomer(sql, claimed, session.customer);
  // The subscription's own events carry its state; if one came first, it is already applied.
  const known = session.subscription ? await findSubscription(sql, session.subscription) : null;
  if (known) await syncUserTier(sql, claimed);
  return `${linked === "linked" ? "linked" : "confirmed"} customer ${session.customer} to user ${claimed}`;
}

async function applyInvoiceEvent(sql: Sql, invoice: z.infer<typeof invoiceObject>, stamp: EventStamp): Promise<string> {
  const subscriptionId = invoice.parent?.subscription_details?.subscription;
  if (!subscriptionId) return `ignored: invoice ${invoice.id} is not for a subscription`;
  const stored = await findSubscription(sql, subscriptionId);
  // Subscription events carry the full state; an invoice for one we have not seen adds nothing they will not.
  if (!stored) return `ignored: subscription ${subscriptionId} is not known yet; its customer.subscription.* events carry its status`;
  await lockUser(sql, stored.userId);
  const periodEnd = (invoice.lines?.data ?? []).reduce<Date | null>(
    (latest, line) => (line.period?.end && (!latest || line.period.end > latest) ? line.period.end : latest),
    null,
  );
  const change =
    stamp.type === "invoice.paid"
      ? { from: ["past_due", "unpaid", "incomplete"], to: "active", periodEnd }
      : { from: ["active", "trialing"], to: "past_due", periodEnd: null };
  if ((await applyInvoiceStatus(sql, subscriptionId, change, stamp)) === "older") {
    return `ignored: subscription ${subscriptionId} already holds newer state than this ${stamp.type}`;
  }
  const user = await syncUserTier(sql, stored.userId);
  return `${stamp.type === "invoice.paid" ? "paid" : "payment failed"}: invoice ${invoice.id} of subscription ${subscriptionId}; user ${stored.userId} is on ${user.tier}`;
}

/** The inbox's `apply` for Stripe: one verified, recorded event's effects. Returns a note for the log. */
export async function applyStripeEvent(sql: Sql, delivery: InboxDelivery, deps: StripeEventDeps = defaultDeps()): Promise<string> {
  // A ZodError thrown from here is recorded by the inbox as "not what Stripe documents: ...".
  const event = stripeEvent.parse(delivery.payload);
  const stamp: EventStamp = { id: event.id, type: event.type, createdAt: new Date(event.created * 1000) };
  const object = event.data.object;
  switch (event.type) {
    case "checkout.session.completed":
      return applyCheckoutCompleted(sql, checkoutSessionObject.parse(object));
    case "customer.subscription.created":
    case "customer.subscription.updated":
    case "customer.subscription.deleted":
      requireBasil(event.api_version, event.id);
      return applySubscriptionEvent(sql, subscriptionObject.parse(object), stamp, deps);
    case "invoice.paid":
    case "invoice.payment_failed":
      requireBasil(event.api_version, event.id);
      return applyInvoiceEvent(sql, invoiceObject.parse(object), stamp);
    default:
      return `ignored: Postora does not act on ${event.type}`;
  }
}
