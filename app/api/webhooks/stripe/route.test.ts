/**
 * POST /api/webhooks/stripe with requests signed by the stripe package's own
 * test-header helper and event bodies shaped like the pinned API version's:
 * what is refused (and writes nothing), what each event does, replays,
 * out-of-order deliveries, failures that Stripe must retry, and the result
 * as a client sees it through GraphQL. No STRIPE_SECRET_KEY is set here: the
 * webhook never needs one.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { POST } from "@/app/api/webhooks/stripe/route";
import { createGraphQLServer } from "@/graphql/yoga";
import { getStripe } from "@/lib/billing/stripe";
import { asService } from "@/lib/db/client";
import { retryPendingWebhooks } from "@/lib/webhooks/handlers";
import { postGraphQL, signedInPerson, type SignedInPerson } from "@/test/support";
import {
  signedStripeWebhook,
  stripeCheckoutSession,
  stripeEvent,
  stripeId,
  stripeInvoice,
  stripeSubscription,
  TEST_PRICES,
  TEST_STRIPE_WEBHOOK_SECRET,
  type SubscriptionInput,
} from "@/test/stripe";

beforeAll(() => {
  // Read once by lib/env on first use; this file's process only.
  process.env.STRIPE_WEBHOOK_SECRET = TEST_STRIPE_WEBHOOK_SECRET;
  process.env.STRIPE_PRICE_PRO = TEST_PRICES.pro.join(",");
  process.env.STRIPE_PRICE_BUSINESS = TEST_PRICES.business.join(",");
  delete process.env.STRIPE_SECRET_KEY;
});

const server = createGraphQLServer();
const DAY = 24 * 3600 * 1000;
const T0 = new Date(Math.floor(Date.now() / 1000) * 1000 - 3600_000);
const at = (secondsAfterT0: number) => new Date(T0.getTime() + secondsAfterT0 * 1000);

async function deliver(event: Record<string, unknown>, options?: Parameters<typeof signedStripeWebhook>[1]) {
  const response = await POST(signedStripeWebhook(event, options));
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

type EventRow = { type: string; processed: boolean; attempts: number; lastError: string | null; occurredAt: Date | null };
async function eventRow(eventId: string): Promise<EventRow | undefined> {
  const [row] = await asService((sql) => sql<EventRow[]>`
    select type, processed, attempts, last_error, occurred_at from webhook_events where provider = 'stripe' and event_id = ${eventId}`);
  return row;
}

async function counts() {
  const [row] = await asService((sql) => sql<{ events: number; subscriptions: number }[]>`
    select (select count(*)::int from webhook_events) as events, (select count(*)::int from subscriptions) as subscriptions`);
  return row!;
}

type ViewerBilling = {
  viewer: {
    tier: string;
    subscription: { plan: string; status: string; endDate: string } | null;
    usage: { used: number; limit: number };
  };
};
const viewerBilling = async (person: SignedInPerson) =>
  (await postGraphQL<ViewerBilling>(server, "{ viewer { tier subscription { plan status endDate } usage { used limit } } }", {
    authorization: person.authorization,
  })).body.data!.viewer;

/** A person who has opened a checkout: their subscription's events carry their users.id. */
async function customer() {
  const person = await signedInPerson(server);
  const customerId = stripeId("cus");
  const subId = stripeId("sub");
  const periodEnd = new Date(T0.getTime() + 30 * DAY);
  const sub = (input: Partial<SubscriptionInput> = {}) =>
    stripeSubscription({ id: subId, customer: customerId, metadata: { postora_user_id: person.id }, periodStart: T0, periodEnd, ...input });
  return { person, customerId, subId, periodEnd, sub };
}

describe("verification: anything but a genuine Stripe delivery gets 400 and writes nothing", () => {
  const event = () => stripeEvent({ type: "customer.subscription.created", object: stripeSubscription({ id: stripeId("sub"), customer: stripeId("cus") }) });
  const otherSecret = `whsec_${"0".repeat(32)}`;
  const cases: { name: string; request: () => Request; error: RegExp }[] = [
    { name: "no Stripe-Signature header", request: () => signedStripeWebhook(event(), { signature: null }), error: /^Missing Stripe-Signature header/ },
    { name: "a garbage signature", request: () => signedStripeWebhook(event(), { signature: "t=123,v1=deadbeef" }), error: /^Signature verification failed: No signatures found matching the expected signature for payload/ },
    { name: "a header with no signature in it", request: () => signedStripeWebhook(event(), { signature: "nonsense" }), error: /^Signature verification failed: Unable to extract timestamp and signatures from header/ },
    { name: "a tampered body", request: () => signedStripeWebhook(event(), { body: JSON.stringify({ ...event(), type: "customer.subscription.deleted" }) }), error: /No signatures found matching/ },
    { name: "another endpoint's secret", request: () => signedStripeWebhook(event(), { secret: otherSecret }), error: /No signatures found matching/ },
    { name: "a stale timestamp (captured and replayed 10 minutes later)", request: () => signedStripeWebhook(event(), { signedAt: new Date(Date.now() - 10 * 60_000) }), error: /Timestamp outside the tolerance zone/ },
  ];

  for (const { name, request, error } of cases) {
    it(`refuses ${name}`, async () => {
      const before = await counts();
      const response = await POST(request());
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: string }).error).toMatch(error);
      expect(await counts()).toEqual(before);
    });
  }

  it("needs no Stripe API key (none is configured in this file)", () => {
    expect(process.env.STRIPE_SECRET_KEY).toBeUndefined();
    expect(getStripe()).toBeNull();
  });
});

describe("a subscription's life, as the client sees it", () => {
  it("checkout, created, payment failed, paid, cancel at period end, deleted: each visible in viewer { tier subscription usage }", async () => {
    const { person, customerId, subId, periodEnd, sub } = await customer();
    expect(await viewerBilling(person)).toEqual({ tier: "FREE", subscription: null, usage: { used: 0, limit: 10 } });

    const checkout = stripeEvent({ type: "checkout.session.completed", object: stripeCheckoutSession({ customer: customerId, subscription: subId, userId: person.id }), created: at(1) });
    expect(await deliver(checkout)).toEqual({ status: 200, body: { received: true, status: "processed" } });
    expect(await eventRow(String(checkout.id))).toEqual({ type: "checkout.session.completed", processed: true, attempts: 1, lastError: null, occurredAt: at(1) });

    expect((await deliver(stripeEvent({ type: "customer.subscription.created", object: sub(), created: at(2) }))).status).toBe(200);
    expect(await viewerBilling(person)).toEqual({
      tier: "PRO",
      subscription: { plan: "pro", status: "active", endDate: periodEnd.toISOString() },
      usage: { used: 0, limit: 200 },
    });

    await deliver(stripeEvent({ type: "invoice.payment_failed", object: stripeInvoice({ subscription: subId, customer: customerId, paid: false }), created: at(3) }));
    expect(await viewerBilling(person)).toMatchObject({ tier: "PRO", subscription: { status: "past_due" } });

    await deliver(stripeEvent({ type: "invoice.paid", object: stripeInvoice({ subscription: subId, customer: customerId, paid: true, periodEnd }), created: at(4) }));
    expect(await viewerBilling(person)).toMatchObject({ tier: "PRO", subscription: { status: "active" } });

    await deliver(stripeEvent({ type: "customer.subscription.updated", object: sub({ priceId: TEST_PRICES.business[0] }), created: at(5) }));
    expect(await viewerBilling(person)).toMatchObject({ tier: "BUSINESS", usage: { limit: 2000 } });

    await deliver(stripeEvent({ type: "customer.subscription.updated", object: sub({ priceId: TEST_PRICES.business[0], cancelAtPeriodEnd: true, canceledAt: at(6) }), created: at(6) }));
    expect(await viewerBilling(person)).toMatchObject({ tier: "BUSINESS", subscription: { status: "active", endDate: periodEnd.toISOString() } });

    await deliver(stripeEvent({ type: "customer.subscription.deleted", object: sub({ priceId: TEST_PRICES.business[0], status: "canceled", endedAt: at(7) }), created: at(7) }));
    expect(await viewerBilling(person)).toEqual({
      tier: "FREE",
      subscription: { plan: "business", status: "canceled", endDate: periodEnd.toISOString() },
      usage: { used: 0, limit: 10 },
    });
  });

  it("a cancelled subscription whose period has passed reads as FREE without any further event", async () => {
    const { person, sub } = await customer();
    const ended = new Date(Date.now() - 60_000);
    await deliver(stripeEvent({ type: "customer.subscription.updated", object: sub({ periodStart: new Date(ended.getTime() - 30 * DAY), periodEnd: ended, cancelAtPeriodEnd: true }) }));
    expect(await viewerBilling(person)).toMatchObject({ tier: "FREE", usage: { limit: 10 } });
  });
});

describe("at least once, in any order", () => {
  it("applies an event delivered 100 times (concurrently) once", async () => {
    const { person, subId, sub } = await customer();
    const event = stripeEvent({ type: "customer.subscription.created", object: sub() });
    const responses = await Promise.all(Array.from({ length: 100 }, () => deliver(event)));
    expect(responses.every((response) => response.status === 200)).toBe(true);
    expect(responses.filter((response) => response.body.status === "processed")).toHaveLength(1);
    expect(responses.filter((response) => response.body.status === "duplicate")).toHaveLength(99);
    expect(await eventRow(String(event.id))).toMatchObject({ processed: true, attempts: 1 });
    const rows = await asService((sql) => sql`select id from subscriptions where stripe_sub_id = ${subId}`);
    expect(rows).toHaveLength(1);
    expect((await viewerBilling(person)).tier).toBe("PRO");
  });

  it("updated before created: ends with the update", async () => {
    const { person, sub } = await customer();
    await deliver(stripeEvent({ type: "customer.subscription.updated", object: sub({ priceId: TEST_PRICES.business[0] }), created: at(20) }));
    const created = stripeEvent({ type: "customer.subscription.created", object: sub({ status: "incomplete" }), created: at(10) });
    expect((await deliver(created)).status).toBe(200);
    expect(await viewerBilling(person)).toMatchObject({ tier: "BUSINESS", subscription: { status: "active" } });
  });

  it("deleted before updated: stays deleted and free", async () => {
    const { person, sub } = await customer();
    await deliver(stripeEvent({ type: "customer.subscription.deleted", object: sub({ status: "canceled", endedAt: at(20) }), created: at(20) }));
    await deliver(stripeEvent({ type: "customer.subscription.updated", object: sub(), created: at(10) }));
    expect(await viewerBilling(person)).toMatchObject({ tier: "FREE", subscription: { status: "canceled" } });
  });

  it("a subscription event before its checkout waits, and `webhooks:retry` applies it once the checkout linked the customer", async () => {
    const person = await signedInPerson(server);
    const customerId = stripeId("cus");
    const subId = stripeId("sub");
    // Created outside our checkout: no postora_user_id on the subscription.
    const early = stripeEvent({ type: "customer.subscription.created", object: stripeSubscription({ id: subId, customer: customerId }), created: at(1) });
    const first = await deliver(early);
    expect(first.status).toBe(500);
    expect(first.body).toMatchObject({ retry: true, error: expect.stringMatching(/^No Postora user for Stripe customer cus_/) });
    expect(await eventRow(String(early.id))).toMatchObject({ processed: false, attempts: 1 });

    await deliver(stripeEvent({ type: "checkout.session.completed", object: stripeCheckoutSession({ customer: customerId, subscription: subId, userId: person.id }), created: at(2) }));
    const reports = await retryPendingWebhooks();
    expect(reports.find((report) => report.provider === "stripe")).toMatchObject({ processed: 1 });
    expect(await eventRow(String(early.id))).toMatchObject({ processed: true, attempts: 2, lastError: null });
    expect((await viewerBilling(person)).tier).toBe("PRO");
  });
});

describe("what Stripe must retry, and what it must fix", () => {
  it("records an unknown price as the event's error and answers 500", async () => {
    const { person, sub } = await customer();
    const event = stripeEvent({ type: "customer.subscription.created", object: sub({ priceId: "price_1NotOurs" }) });
    const response = await deliver(event);
    expect(response.status).toBe(500);
    const row = await eventRow(String(event.id));
    expect(row).toMatchObject({ processed: false, attempts: 1 });
    expect(row?.lastError).toMatch(/price price_1NotOurs, which no plan sells: add it to STRIPE_PRICE_PRO or STRIPE_PRICE_BUSINESS/);
    expect((await viewerBilling(person)).tier).toBe("FREE");
  });

  it("records an event rendered before basil as an error that says how to update the endpoint", async () => {
    const { sub } = await customer();
    const event = stripeEvent({ type: "customer.subscription.updated", object: sub(), apiVersion: "2024-09-30.acacia" });
    expect((await deliver(event)).status).toBe(500);
    expect((await eventRow(String(event.id)))?.lastError).toMatch(/older than 2025-03-31\.basil.*Update the endpoint's API version to 2026-10-28\.endive/);
  });

  it("records an event that is not shaped like Stripe's, naming the field", async () => {
    const { sub } = await customer();
    const broken = { ...sub(), items: { object: "list", data: [{ price: { id: TEST_PRICES.pro[0] } }] } };
    const event = stripeEvent({ type: "customer.subscription.updated", object: broken });
    expect((await deliver(event)).status).toBe(500);
    expect((await eventRow(String(event.id)))?.lastError).toMatch(/not what Stripe documents: .*current_period_start/);
  });

  it("answers 5xx when the database fails, keeps the error and attempt count, and applies the event on retry", async () => {
    const { person, sub } = await customer();
    const event = stripeEvent({ type: "customer.subscription.created", object: sub() });
    // A real database failure in the middle of the effect.
    await asService((sql) => sql`alter table subscriptions rename to subscriptions_unavailable`);
    let response;
    try {
      response = await deliver(event);
      expect((await deliver(event)).status).toBe(500);
    } finally {
      await asService((sql) => sql`alter table subscriptions_unavailable rename to subscriptions`);
    }
    expect(response.status).toBe(500);
    expect(await eventRow(String(event.id))).toMatchObject({ processed: false, attempts: 2, lastError: expect.stringMatching(/relation "subscriptions" does not exist/) });
    expect((await deliver(event)).body).toEqual({ received: true, status: "processed" });
    expect((await viewerBilling(person)).tier).toBe("PRO");
  });

  it("answers 503 when the event cannot even be recorded", async () => {
    const { sub } = await customer();
    await asService((sql) => sql`alter table webhook_events rename to webhook_events_unavailable`);
    try {
      const response = await deliver(stripeEvent({ type: "customer.subscription.created", object: sub() }));
      expect(response).toEqual({ status: 503, body: { error: "The event could not be recorded; Stripe will retry it." } });
    } finally {
      await asService((sql) => sql`alter table webhook_events_unavailable rename to webhook_events`);
    }
  });

  it("acknowledges event types Postora does not act on", async () => {
    const event = stripeEvent({ type: "customer.created", object: { id: stripeId("cus"), object: "customer" } });
    expect(await deliver(event)).toEqual({ status: 200, body: { received: true, status: "processed" } });
    expect(await eventRow(String(event.id))).toMatchObject({ processed: true });
  });
});
