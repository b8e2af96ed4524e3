/**
 * The Stripe effects on their own (the inbox's `apply`), against the real
 * database: each event type, any order, unknown prices and old API versions.
 * The route test covers signatures, recording and replays over HTTP.
 */
import { describe, expect, it } from "vitest";
import { RetryLater } from "@/lib/webhooks/inbox";
import { applyStripeEvent } from "@/lib/billing/stripe-events";
import { asService } from "@/lib/db/client";
import { seedUser, type SeededUser } from "@/test/support";
import { stripeCheckoutSession, stripeEvent, stripeId, stripeInvoice, stripeSubscription, TEST_PRICES, type SubscriptionInput } from "@/test/stripe";

const DAY = 24 * 3600 * 1000;
const T0 = new Date(Math.floor(Date.now() / 1000) * 1000 - 3600_000);
const at = (secondsAfterT0: number) => new Date(T0.getTime() + secondsAfterT0 * 1000);

function apply(event: Record<string, unknown>): Promise<string> {
  return asService((sql) =>
    applyStripeEvent(
      sql,
      { provider: "stripe", eventId: String(event.id), type: String(event.type), payload: event, occurredAt: new Date(Number(event.created) * 1000) },
      { prices: TEST_PRICES },
    ),
  );
}

type Billing = { tier: string; stripeCustomerId: string | null; subscriptionId: string | null; subscriptionEnd: Date | null };
async function billingOf(user: SeededUser): Promise<Billing> {
  const [row] = await asService((sql) => sql<Billing[]>`select tier, stripe_customer_id, subscription_id, subscription_end from users where id = ${user.id}`);
  return row!;
}

type SubRow = { userId: string; plan: string; status: string; startDate: Date; endDate: Date; cancelAtPeriodEnd: boolean; endedAt: Date | null; stripeEventType: string };
async function subscriptionRows(stripeSubId: string): Promise<SubRow[]> {
  return asService((sql) => sql<SubRow[]>`
    select user_id, plan, status, start_date, end_date, cancel_at_period_end, ended_at, stripe_event_type from subscriptions where stripe_sub_id = ${stripeSubId}`);
}

/** A user who has been through our checkout: subscription events name them in metadata. */
async function buyer() {
  const user = await seedUser();
  const customer = stripeId("cus");
  const sub = (input: Partial<SubscriptionInput> = {}) =>
    stripeSubscription({ id: subId, customer, metadata: { postora_user_id: user.id }, periodStart: T0, periodEnd: new Date(T0.getTime() + 30 * DAY), ...input });
  const subId = stripeId("sub");
  return { user, customer, subId, sub };
}

describe("checkout.session.completed", () => {
  it("links the Stripe customer to the user named by client_reference_id", async () => {
    const { user, customer, subId } = await buyer();
    const note = await apply(stripeEvent({ type: "checkout.session.completed", object: stripeCheckoutSession({ customer, subscription: subId, userId: user.id }) }));
    expect(note).toBe(`linked customer ${customer} to user ${user.id}`);
    expect((await billingOf(user)).stripeCustomerId).toBe(customer);
    // Again (another session, same customer): nothing changes.
    expect(await apply(stripeEvent({ type: "checkout.session.completed", object: stripeCheckoutSession({ customer, subscription: subId, userId: user.id }) }))).toMatch(/^confirmed/);
  });

  it("ignores payment-mode checkouts and sessions Postora did not start", async () => {
    const { user, customer, subId } = await buyer();
    expect(await apply(stripeEvent({ type: "checkout.session.completed", object: stripeCheckoutSession({ customer, subscription: subId, userId: user.id, mode: "payment" }) }))).toMatch(/is a payment checkout/);
    expect(await apply(stripeEvent({ type: "checkout.session.completed", object: stripeCheckoutSession({ customer, subscription: subId, userId: null }) }))).toMatch(/not started by Postora/);
    expect((await billingOf(user)).stripeCustomerId).toBeNull();
  });

  it("refuses to hand one customer to a second user", async () => {
    const first = await buyer();
    const second = await seedUser();
    await apply(stripeEvent({ type: "checkout.session.completed", object: stripeCheckoutSession({ customer: first.customer, subscription: first.subId, userId: first.user.id }) }));
    await expect(apply(stripeEvent({ type: "checkout.session.completed", object: stripeCheckoutSession({ customer: first.customer, subscription: first.subId, userId: second.id }) })))
      .rejects.toThrow(/already linked to another Postora user/);
  });
});

describe("customer.subscription.*", () => {
  it("created: the row, the tier, subscription_id and subscription_end, read from the items' current period", async () => {
    const { user, customer, subId, sub } = await buyer();
    const periodEnd = new Date(T0.getTime() + 30 * DAY);
    expect(await apply(stripeEvent({ type: "customer.subscription.created", object: sub(), created: at(0) }))).toBe(
      `subscription ${subId} active (pro); user ${user.id} is on pro`,
    );
    expect(await billingOf(user)).toEqual({ tier: "pro", stripeCustomerId: customer, subscriptionId: subId, subscriptionEnd: periodEnd });
    expect(await subscriptionRows(subId)).toEqual([
      expect.objectContaining({ userId: user.id, plan: "pro", status: "active", startDate: T0, endDate: periodEnd, cancelAtPeriodEnd: false }),
    ]);
  });

  it("updated: a plan change, including to another of the plan's prices (yearly)", async () => {
    const { user, subId, sub } = await buyer();
    await apply(stripeEvent({ type: "customer.subscription.created", object: sub(), created: at(0) }));
    await apply(stripeEvent({ type: "customer.subscription.updated", object: sub({ priceId: TEST_PRICES.business[0] }), created: at(10) }));
    expect(await billingOf(user)).toMatchObject({ tier: "business", subscriptionId: subId });
    await apply(stripeEvent({ type: "customer.subscription.updated", object: sub({ priceId: TEST_PRICES.pro[1] }), created: at(20) }));
    expect(await billingOf(user)).toMatchObject({ tier: "pro" });
  });

  it("cancel_at_period_end keeps the paid tier until the period ends; deleted drops to free at once", async () => {
    const { user, subId, sub } = await buyer();
    const periodEnd = new Date(T0.getTime() + 30 * DAY);
    await apply(stripeEvent({ type: "customer.subscription.created", object: sub(), created: at(0) }));
    await apply(stripeEvent({ type: "customer.subscription.updated", object: sub({ cancelAtPeriodEnd: true, canceledAt: at(30) }), created: at(30) }));
    expect(await billingOf(user)).toMatchObject({ tier: "pro", subscriptionEnd: periodEnd });
    expect(await subscriptionRows(subId)).toEqual([expect.objectContaining({ status: "active", cancelAtPeriodEnd: true })]);

    const endedAt = at(60);
    await apply(stripeEvent({ type: "customer.subscription.deleted", object: sub({ status: "canceled", cancelAtPeriodEnd: true, canceledAt: at(30), endedAt }), created: at(60) }));
    expect(await billingOf(user)).toEqual(expect.objectContaining({ tier: "free", subscriptionId: subId, subscriptionEnd: endedAt }));
    expect(await subscriptionRows(subId)).toEqual([expect.objectContaining({ status: "canceled", endedAt })]);
  });

  it("an earlier scheduled cancel_at ends the paid tier then", async () => {
    const { user, sub } = await buyer();
    const cancelAt = new Date(T0.getTime() + 10 * DAY);
    await apply(stripeEvent({ type: "customer.subscription.created", object: sub({ cancelAt }), created: at(0) }));
    expect(await billingOf(user)).toMatchObject({ tier: "pro", subscriptionEnd: cancelAt });
  });

  it("out of order: updated before created, the older created changes nothing", async () => {
    const { user, subId, sub } = await buyer();
    await apply(stripeEvent({ type: "customer.subscription.updated", object: sub({ priceId: TEST_PRICES.business[0] }), created: at(10) }));
    expect(await apply(stripeEvent({ type: "customer.subscription.created", object: sub({ status: "incomplete" }), created: at(0) }))).toMatch(/already holds newer state/);
    expect(await billingOf(user)).toMatchObject({ tier: "business" });
    expect(await subscriptionRows(subId)).toEqual([expect.objectContaining({ plan: "business", status: "active", stripeEventType: "customer.subscription.updated" })]);
  });

  it("out of order: deleted before updated, the subscription stays ended", async () => {
    const { user, subId, sub } = await buyer();
    await apply(stripeEvent({ type: "customer.subscription.created", object: sub(), created: at(0) }));
    await apply(stripeEvent({ type: "customer.subscription.deleted", object: sub({ status: "canceled", endedAt: at(20) }), created: at(20) }));
    expect(await apply(stripeEvent({ type: "customer.subscription.updated", object: sub({ cancelAtPeriodEnd: true }), created: at(10) }))).toMatch(/already holds newer state/);
    // Even one stamped later cannot revive it: Stripe never resumes a deleted subscription.
    expect(await apply(stripeEvent({ type: "customer.subscription.updated", object: sub(), created: at(30) }))).toMatch(/already holds newer state/);
    expect(await billingOf(user)).toMatchObject({ tier: "free" });
    expect(await subscriptionRows(subId)).toEqual([expect.objectContaining({ status: "canceled" })]);
  });

  it("in the same second, updated wins over created whichever arrives first", async () => {
    const { subId, sub } = await buyer();
    await apply(stripeEvent({ type: "customer.subscription.updated", object: sub({ status: "active" }), created: at(5) }));
    await apply(stripeEvent({ type: "customer.subscription.created", object: sub({ status: "incomplete" }), created: at(5) }));
    expect(await subscriptionRows(subId)).toEqual([expect.objectContaining({ status: "active" })]);
  });

  it("finds the user by the linked customer when the subscription has no metadata", async () => {
    const { user, customer, subId } = await buyer();
    await apply(stripeEvent({ type: "checkout.session.completed", object: stripeCheckoutSession({ customer, subscription: subId, userId: user.id }) }));
    await apply(stripeEvent({ type: "customer.subscription.created", object: stripeSubscription({ id: subId, customer }) }));
    expect(await billingOf(user)).toMatchObject({ tier: "pro", subscriptionId: subId });
  });

  it("waits (RetryLater) when nothing links the customer to a user yet", async () => {
    const customer = stripeId("cus");
    const subId = stripeId("sub");
    await expect(apply(stripeEvent({ type: "customer.subscription.created", object: stripeSubscription({ id: subId, customer }) }))).rejects.toBeInstanceOf(RetryLater);
    expect(await subscriptionRows(subId)).toEqual([]);
  });

  it("records an unknown price as an error naming the variables to set, and writes nothing", async () => {
    const { user, subId, sub } = await buyer();
    await expect(apply(stripeEvent({ type: "customer.subscription.created", object: sub({ priceId: "price_1SomethingElse" }) }))).rejects.toThrow(
      `Subscription ${subId} is for price price_1SomethingElse, which no plan sells: add it to STRIPE_PRICE_PRO or STRIPE_PRICE_BUSINESS`,
    );
    expect(await subscriptionRows(subId)).toEqual([]);
    expect(await billingOf(user)).toMatchObject({ tier: "free", stripeCustomerId: null });
  });

  it("refuses an event rendered before basil, saying how to update the endpoint", async () => {
    const { subId, sub } = await buyer();
    const legacy = { ...sub(), current_period_start: Math.floor(T0.getTime() / 1000), current_period_end: Math.floor(T0.getTime() / 1000) + 30 * 86400 };
    await expect(apply(stripeEvent({ type: "customer.subscription.updated", object: legacy, apiVersion: "2024-06-20" }))).rejects.toThrow(
      /rendered in Stripe API version 2024-06-20, older than 2025-03-31\.basil.*Update the endpoint's API version to 2026-10-28\.endive/,
    );
    expect(await subscriptionRows(subId)).toEqual([]);
  });

  it("refuses an event not shaped like Stripe's, naming the field", async () => {
    const { sub } = await buyer();
    const broken = { ...sub(), items: { object: "list", data: [{ price: { id: TEST_PRICES.pro[0] } }] } };
    await expect(apply(stripeEvent({ type: "customer.subscription.updated", object: broken }))).rejects.toThrow(/current_period_start/);
  });
});

describe("invoice.payment_failed and invoice.paid", () => {
  it("move the status (past_due keeps the tier while Stripe retries), and paid extends the period", async () => {
    const { user, customer, subId, sub } = await buyer();
    await apply(stripeEvent({ type: "customer.subscription.created", object: sub(), created: at(0) }));
    const failed = await apply(stripeEvent({ type: "invoice.payment_failed", object: stripeInvoice({ subscription: subId, customer, paid: false }), created: at(10) }));
    expect(failed).toMatch(/^payment failed: invoice in_\w+ of subscription/);
    expect(await subscriptionRows(subId)).toEqual([expect.objectContaining({ status: "past_due" })]);
    expect(await billingOf(user)).toMatchObject({ tier: "pro" });

    const nextEnd = new Date(T0.getTime() + 60 * DAY);
    await apply(stripeEvent({ type: "invoice.paid", object: stripeInvoice({ subscription: subId, customer, paid: true, periodEnd: nextEnd }), created: at(20) }));
    expect(await subscriptionRows(subId)).toEqual([expect.objectContaining({ status: "active", endDate: nextEnd })]);
    expect(await billingOf(user)).toMatchObject({ tier: "pro", subscriptionEnd: nextEnd });

    // A late failure notice from before the payment changes nothing.
    expect(await apply(stripeEvent({ type: "invoice.payment_failed", object: stripeInvoice({ subscription: subId, customer, paid: false }), created: at(15) }))).toMatch(/already holds newer state/);
    expect(await subscriptionRows(subId)).toEqual([expect.objectContaining({ status: "active" })]);
  });

  it("ignore invoices of subscriptions not seen yet, and invoices without a subscription", async () => {
    const customer = stripeId("cus");
    expect(await apply(stripeEvent({ type: "invoice.paid", object: stripeInvoice({ subscription: stripeId("sub"), customer, paid: true }) }))).toMatch(/is not known yet/);
    const oneOff = { ...stripeInvoice({ subscription: "x", customer, paid: true }), parent: null };
    expect(await apply(stripeEvent({ type: "invoice.paid", object: oneOff }))).toMatch(/is not for a subscription/);
  });

  it("leave a deleted subscription ended", async () => {
    const { customer, subId, sub } = await buyer();
    await apply(stripeEvent({ type: "customer.subscription.deleted", object: sub({ status: "canceled", endedAt: at(5) }), created: at(5) }));
    await apply(stripeEvent({ type: "invoice.paid", object: stripeInvoice({ subscription: subId, customer, paid: true }), created: at(50) }));
    expect(await subscriptionRows(subId)).toEqual([expect.objectContaining({ status: "canceled" })]);
  });
});

it("ignores event types Postora does not act on", async () => {
  expect(await apply(stripeEvent({ type: "customer.created", object: { id: stripeId("cus"), object: "customer" } }))).toBe("ignored: Postora does not act on customer.created");
});
