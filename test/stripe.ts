/**
 * Stripe as tests meet it: event bodies shaped like the API version we pin
 * renders them (basil and later: periods on subscription items, an
 * invoice's subscription under parent.subscription_details), signed with
 * the stripe package's own test-header helper.
 */
import { randomBytes } from "node:crypto";
import Stripe from "stripe";

/** The endpoint secret tests configure (STRIPE_WEBHOOK_SECRET). */
export const TEST_STRIPE_WEBHOOK_SECRET = `whsec_${randomBytes(24).toString("hex")}`;

/** The prices tests configure (STRIPE_PRICE_PRO, STRIPE_PRICE_BUSINESS). */
export const TEST_PRICES = { pro: ["price_1TestProMonthly", "price_1TestProYearly"], business: ["price_1TestBusinessMonthly"] } as const;

export const stripeId = (prefix: string) => `${prefix}_${randomBytes(10).toString("hex")}`;
const seconds = (date: Date) => Math.floor(date.getTime() / 1000);
const DAY = 24 * 3600 * 1000;

export type SubscriptionInput = {
  id: string;
  customer: string;
  priceId?: string;
  status?: string;
  periodStart?: Date;
  periodEnd?: Date;
  cancelAtPeriodEnd?: boolean;
  cancelAt?: Date | null;
  canceledAt?: Date | null;
  endedAt?: Date | null;
  metadata?: Record<string, string>;
};

/** A Subscription object as Stripe renders it in API version 2025-03-31.basil and later. */
export function stripeSubscription(input: SubscriptionInput): Record<string, unknown> {
  const periodStart = input.periodStart ?? new Date(Date.now() - DAY);
  const periodEnd = input.periodEnd ?? new Date(periodStart.getTime() + 30 * DAY);
  const priceId = input.priceId ?? TEST_PRICES.pro[0];
  return {
    id: input.id,
    object: "subscription",
    application: null,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null },
    billing_cycle_anchor: seconds(periodStart),
    billing_mode: { type: "flexible" },
    cancel_at: input.cancelAt ? seconds(input.cancelAt) : null,
    cancel_at_period_end: input.cancelAtPeriodEnd ?? false,
    canceled_at: input.canceledAt ? seconds(input.canceledAt) : null,
    cancellation_details: { comment: null, feedback: null, reason: input.canceledAt ? "cancellation_requested" : null },
    collection_method: "charge_automatically",
    created: seconds(periodStart),
    currency: "usd",
    customer: input.customer,
    days_until_due: null,
    default_payment_method: "pm_1TestCard",
    description: null,
    discounts: [],
    ended_at: input.endedAt ? seconds(input.endedAt) : null,
    invoice_settings: { account_tax_ids: null, issuer: { type: "self" } },
    items: {
      object: "list",
      data: [
        {
          id: `si_${input.id.slice(4)}`,
          object: "subscription_item",
          created: seconds(periodStart),
          current_period_end: seconds(periodEnd),
          current_period_start: seconds(periodStart),
          discounts: [],
          metadata: {},
          price: {
            id: priceId,
            object: "price",
            active: true,
            billing_scheme: "per_unit",
            currency: "usd",
            livemode: false,
            lookup_key: null,
            metadata: {},
            product: "prod_TestPostora",
            recurring: { interval: "month", interval_count: 1, meter: null, usage_type: "licensed" },
            type: "recurring",
            unit_amount: 1900,
          },
          quantity: 1,
          subscription: input.id,
          tax_rates: [],
        },
      ],
      has_more: false,
      total_count: 1,
      url: `/v1/subscription_items?subscription=${input.id}`,
    },
    latest_invoice: stripeId("in"),
    livemode: false,
    metadata: input.metadata ?? {},
    pending_setup_intent: null,
    pending_update: null,
    schedule: null,
    start_date: seconds(periodStart),
    status: input.status ?? "active",
    test_clock: null,
    trial_end: null,
    trial_start: null,
  };
}

/** A completed subscription Checkout Session, as our checkout creates them. */
export function stripeCheckoutSession(input: { customer: string; subscription: string; userId: string | null; mode?: string }): Record<string, unknown> {
  return {
    id: stripeId("cs_test"),
    object: "checkout.session",
    amount_subtotal: 1900,
    amount_total: 1900,
    cancel_url: "https://app.postora.test/billing",
    client_reference_id: input.userId,
    created: seconds(new Date()),
    currency: "usd",
    customer: input.customer,
    customer_details: { email: "buyer@example.com", name: null },
    livemode: false,
    metadata: input.userId ? { postora_user_id: input.userId } : {},
    mode: input.mode ?? "subscription",
    payment_status: "paid",
    status: "complete",
    subscription: input.subscription,
    success_url: "https://app.postora.test/billing?checkout=success",
    url: null,
  };
}

/** An Invoice for a subscription's period (basil: the subscription is under parent.subscription_details). */
export function stripeInvoice(input: { subscription: string; customer: string; paid: boolean; periodEnd?: Date }): Record<string, unknown> {
  const periodEnd = input.periodEnd ?? new Date(Date.now() + 30 * DAY);
  const periodStart = new Date(periodEnd.getTime() - 30 * DAY);
  return {
    id: stripeId("in"),
    object: "invoice",
    amount_due: 1900,
    amount_paid: input.paid ? 1900 : 0,
    amount_remaining: input.paid ? 0 : 1900,
    attempt_count: 1,
    billing_reason: "subscription_cycle",
    collection_method: "charge_automatically",
    created: seconds(periodStart),
    currency: "usd",
    customer: input.customer,
    lines: {
      object: "list",
      data: [
        {
          id: stripeId("il"),
          object: "line_item",
          amount: 1900,
          currency: "usd",
          parent: {
            type: "subscription_item_details",
            subscription_item_details: { subscription: input.subscription, subscription_item: stripeId("si"), proration: false },
          },
          period: { end: seconds(periodEnd), start: seconds(periodStart) },
          pricing: { price_details: { price: TEST_PRICES.pro[0], product: "prod_TestPostora" }, type: "price_details" },
          quantity: 1,
        },
      ],
      has_more: false,
      total_count: 1,
    },
    livemode: false,
    parent: {
      quote_details: null,
      subscription_details: { metadata: {}, subscription: input.subscription },
      type: "subscription_details",
    },
    period_end: seconds(periodStart),
    period_start: seconds(periodStart),
    status: input.paid ? "paid" : "open",
  };
}

export type StripeEventInput = {
  type: string;
  object: Record<string, unknown>;
  /** When Stripe created the event (its `created`); now unless given. */
  created?: Date;
  id?: string;
  /** The API version it was rendered in; the pinned one unless given. */
  apiVersion?: string | null;
  previousAttributes?: Record<string, unknown>;
};

/** A whole Event, as Stripe POSTs it. */
export function stripeEvent(input: StripeEventInput): Record<string, unknown> {
  return {
    id: input.id ?? stripeId("evt"),
    object: "event",
    api_version: input.apiVersion === undefined ? Stripe.API_VERSION : input.apiVersion,
    created: seconds(input.created ?? new Date()),
    data: { object: input.object, ...(input.previousAttributes ? { previous_attributes: input.previousAttributes } : {}) },
    livemode: false,
    pending_webhooks: 1,
    request: { id: stripeId("req"), idempotency_key: null },
    type: input.type,
  };
}

export type SignedStripeOptions = {
  secret?: string;
  /** When Stripe signed it; now unless given. */
  signedAt?: Date;
  /** Replace the body after signing (tampering). */
  body?: string;
  /** Replace (or with null drop) the Stripe-Signature header. */
  signature?: string | null;
};

/** A POST to /api/webhooks/stripe exactly as Stripe sends it: the raw body and its Stripe-Signature. */
export function signedStripeWebhook(event: Record<string, unknown>, options: SignedStripeOptions = {}): Request {
  const payload = JSON.stringify(event, null, 2);
  const signature = Stripe.webhooks.generateTestHeaderString({
    payload,
    secret: options.secret ?? TEST_STRIPE_WEBHOOK_SECRET,
    timestamp: Math.floor((options.signedAt ?? new Date()).getTime() / 1000),
  });
  const headers: Record<string, string> = { "content-type": "application/json; charset=utf-8", "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)" };
  const header = options.signature === undefined ? signature : options.signature;
  if (header !== null) headers["stripe-signature"] = header;
  return new Request("http://localhost/api/webhooks/stripe", { method: "POST", headers, body: options.body ?? payload });
}
