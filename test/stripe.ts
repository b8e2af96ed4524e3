/**
 * Stripe as tests meet it: event bodies shaped like the API version we pin
 * renders them (basil and later: periods on subscription items, an
 * invoice's subscription under parent.subscription_details), signed with
 * the stripe package's own test-header helper.
 */
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
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
  /** The API version it was rendered in; the pinned one unless given. */
  apiVersion?: string | null;
};

/** A whole Event, as Stripe POSTs it. */
export function stripeEvent(input: StripeEventInput): Record<string, unknown> {
  return {
    id: stripeId("evt"),
    object: "event",
    api_version: input.apiVersion === undefined ? Stripe.API_VERSION : input.apiVersion,
    created: seconds(input.created ?? new Date()),
    data: { object: input.object },
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

// ---------------------------------------------------------------------
// A stand-in for the Stripe API on 127.0.0.1: no network in tests
// ---------------------------------------------------------------------

type StandInRequest = { method: string; path: string; idempotencyKey: string | null; apiVersion: string | null; authorization: string | null; form: URLSearchParams };

export type StripeStandIn = {
  url: string;
  requests: StandInRequest[];
  /** Milliseconds each response waits (to widen race windows). */
  delayMs: number;
  /** Answer the next requests to this path with an error of this HTTP status. */
  failNext: Map<string, number>;
  close: () => Promise<void>;
};

/**
 * Answers the three calls Postora makes (create customer, checkout session,
 * billing-portal session) the way Stripe does, and records each request.
 * Like Stripe, a repeated Idempotency-Key gets the first response again.
 */
export async function startStripeStandIn(): Promise<StripeStandIn> {
  const byKey = new Map<string, { status: number; body: unknown }>();
  const standIn: StripeStandIn = { url: "", requests: [], delayMs: 0, failNext: new Map(), close: async () => {} };
  const respond = (path: string, form: URLSearchParams): { status: number; body: unknown } => {
    const failure = standIn.failNext.get(path);
    if (failure) {
      standIn.failNext.delete(path);
      return { status: failure, body: { error: { type: "api_error", message: "Stand-in failure", code: null } } };
    }
    const now = Math.floor(Date.now() / 1000);
    if (path === "/v1/customers") {
      return { status: 200, body: { id: stripeId("cus"), object: "customer", email: form.get("email"), metadata: { postora_user_id: form.get("metadata[postora_user_id]") }, created: now, livemode: false } };
    }
    if (path === "/v1/checkout/sessions") {
      const id = stripeId("cs_test");
      return {
        status: 200,
        body: { id, object: "checkout.session", mode: form.get("mode"), customer: form.get("customer"), client_reference_id: form.get("client_reference_id"), url: `https://checkout.stripe.com/c/pay/${id}`, expires_at: now + 24 * 3600, status: "open", livemode: false },
      };
    }
    if (path === "/v1/billing_portal/sessions") {
      const id = stripeId("bps");
      return { status: 200, body: { id, object: "billing_portal.session", customer: form.get("customer"), return_url: form.get("return_url"), url: `https://billing.stripe.com/p/session/${id}`, created: now, livemode: false } };
    }
    return { status: 404, body: { error: { type: "invalid_request_error", message: `Unrecognized request URL (POST: ${path})` } } };
  };
  const server = createServer((request, response) => {
    let raw = "";
    request.setEncoding("utf8");
    request.on("data", (chunk: string) => (raw += chunk));
    request.on("end", () => {
      const path = (request.url ?? "/").split("?")[0]!;
      const header = (name: string) => (request.headers[name] as string | undefined) ?? null;
      const recorded: StandInRequest = { method: request.method ?? "", path, idempotencyKey: header("idempotency-key"), apiVersion: header("stripe-version"), authorization: header("authorization"), form: new URLSearchParams(raw) };
      standIn.requests.push(recorded);
      const key = recorded.idempotencyKey ? `${path} ${recorded.idempotencyKey}` : null;
      const answer = (key && byKey.get(key)) || respond(path, recorded.form);
      if (key && answer.status === 200) byKey.set(key, answer);
      setTimeout(() => {
        response.writeHead(answer.status, { "content-type": "application/json", "request-id": stripeId("req") });
        response.end(JSON.stringify(answer.body));
      }, standIn.delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address() as AddressInfo;
  standIn.url = `http://127.0.0.1:${address.port}`;
  standIn.close = () => new Promise((resolve) => server.close(() => resolve()));
  return standIn;
}
