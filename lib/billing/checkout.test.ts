/**
 * Checkout and the billing portal through the real stripe client, against
 * a stand-in for the Stripe API on 127.0.0.1 (no network): what is sent,
 * one customer per user under double clicks, and the errors when Stripe is
 * not configured or fails.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createBillingPortalSession, createCheckoutSession, type BillingDeps } from "@/lib/billing/checkout";
import { STRIPE_API_VERSION, stripeClientFor } from "@/lib/billing/stripe";
import { asService } from "@/lib/db/client";
import { logger } from "@/lib/log";
import { seedUser, type SeededUser } from "@/test/support";
import { startStripeStandIn, TEST_PRICES, type StripeStandIn } from "@/test/stripe";

let standIn: StripeStandIn;
beforeAll(async () => {
  standIn = await startStripeStandIn();
});
afterAll(() => standIn.close());
beforeEach(() => {
  standIn.requests.length = 0;
  standIn.delayMs = 0;
  standIn.failNext.clear();
});

const SECRET_KEY = "sk_test_postoraStandIn";

function deps(overrides: Partial<BillingDeps> = {}): BillingDeps {
  const client = stripeClientFor({ secretKey: SECRET_KEY, apiUrl: standIn.url });
  return {
    stripe: () => client,
    prices: TEST_PRICES,
    appUrl: "https://api.postora.test",
    allowedOrigins: ["https://api.postora.test", "https://app.postora.test"],
    log: logger.child({ source: "billing.test" }),
    ...overrides,
  };
}

const caller = (user: SeededUser) => ({ userId: user.id, email: user.email });
const customerOf = async (user: SeededUser) =>
  (await asService((sql) => sql<{ stripeCustomerId: string | null }[]>`select stripe_customer_id from users where id = ${user.id}`))[0]!.stripeCustomerId;
const requestsTo = (path: string) => standIn.requests.filter((request) => request.path === path);

describe("without Stripe keys", () => {
  it("answers BILLING_NOT_CONFIGURED for checkout and the portal, and calls nothing", async () => {
    const user = await seedUser();
    const unconfigured = deps({ stripe: () => null });
    await expect(createCheckoutSession(caller(user), { plan: "pro" }, unconfigured)).rejects.toMatchObject({
      code: "BILLING_NOT_CONFIGURED",
      message: expect.stringMatching(/needs STRIPE_SECRET_KEY/),
    });
    await expect(createBillingPortalSession(caller(user), {}, unconfigured)).rejects.toMatchObject({ code: "BILLING_NOT_CONFIGURED" });
    expect(standIn.requests).toEqual([]);
  });

  it("names the missing STRIPE_PRICE_<PLAN> for a plan that is not on sale", async () => {
    const user = await seedUser();
    await expect(createCheckoutSession(caller(user), { plan: "business" }, deps({ prices: { pro: TEST_PRICES.pro, business: [] } }))).rejects.toMatchObject({
      code: "BILLING_NOT_CONFIGURED",
      message: "The business plan is not on sale on this server: it needs STRIPE_PRICE_BUSINESS.",
    });
  });
});

describe("createCheckoutSession", () => {
  it("creates the customer, then a subscription checkout for the plan's price that names the user", async () => {
    const user = await seedUser();
    const started = await createCheckoutSession(caller(user), { plan: "pro" }, deps());
    expect(started.url).toMatch(/^https:\/\/checkout\.stripe\.com\/c\/pay\/cs_test_/);
    expect(started.expiresAt.getTime()).toBeGreaterThan(Date.now());

    const [customerRequest] = requestsTo("/v1/customers");
    expect(customerRequest).toMatchObject({ method: "POST", idempotencyKey: `postora-customer-${user.id}`, apiVersion: STRIPE_API_VERSION, authorization: `Bearer ${SECRET_KEY}` });
    expect(Object.fromEntries(customerRequest!.form)).toEqual({ email: user.email, "metadata[postora_user_id]": user.id });
    const customer = await customerOf(user);
    expect(customer).toMatch(/^cus_/);

    const [sessionRequest] = requestsTo("/v1/checkout/sessions");
    expect(sessionRequest?.idempotencyKey).toMatch(new RegExp(`^postora-checkout-${user.id}-\\d+-[0-9a-f]{16}$`));
    expect(Object.fromEntries(sessionRequest!.form)).toEqual({
      mode: "subscription",
      customer,
      client_reference_id: user.id,
      "line_items[0][price]": TEST_PRICES.pro[0],
      "line_items[0][quantity]": "1",
      "metadata[postora_user_id]": user.id,
      "metadata[plan]": "pro",
      "subscription_data[metadata][postora_user_id]": user.id,
      "subscription_data[metadata][plan]": "pro",
      success_url: "https://api.postora.test/?checkout=success",
      cancel_url: "https://api.postora.test/?checkout=cancelled",
    });
  });

  it("creates one customer under a burst of double clicks, and reuses it later", async () => {
    const user = await seedUser();
    standIn.delayMs = 150;
    const started = await Promise.all(Array.from({ length: 5 }, () => createCheckoutSession(caller(user), { plan: "pro" }, deps())));
    expect(requestsTo("/v1/customers")).toHaveLength(1);
    const customer = await customerOf(user);
    expect(requestsTo("/v1/checkout/sessions").map((request) => request.form.get("customer"))).toEqual(Array(5).fill(customer));
    // Same minute, same parameters: the same idempotency key, so Stripe answers with the same session.
    expect(new Set(started.map((session) => session.sessionId)).size).toBe(1);

    standIn.delayMs = 0;
    await createCheckoutSession(caller(user), { plan: "business", successUrl: "https://app.postora.test/billing?done=1" }, deps());
    expect(requestsTo("/v1/customers")).toHaveLength(1);
    expect(requestsTo("/v1/checkout/sessions").at(-1)?.form.get("success_url")).toBe("https://app.postora.test/billing?done=1");
  });

  it("retries a failed Stripe call with the same idempotency key, so a retry cannot make a second customer", async () => {
    const user = await seedUser();
    standIn.failNext.set("/v1/customers", 500);
    await createCheckoutSession(caller(user), { plan: "pro" }, deps());
    const attempts = requestsTo("/v1/customers");
    expect(attempts).toHaveLength(2);
    expect(new Set(attempts.map((request) => request.idempotencyKey))).toEqual(new Set([`postora-customer-${user.id}`]));
  });

  it("reports a Stripe refusal as SERVICE_UNAVAILABLE and stores no customer", async () => {
    const user = await seedUser();
    standIn.failNext.set("/v1/customers", 400);
    await expect(createCheckoutSession(caller(user), { plan: "pro" }, deps())).rejects.toMatchObject({
      code: "SERVICE_UNAVAILABLE",
      message: "Stripe could not create your billing account right now. Try again in a moment.",
    });
    expect(await customerOf(user)).toBeNull();
  });

  it("refuses a second plan while one is active, and redirect targets on other origins", async () => {
    const subscriber = await seedUser({ tier: "pro" });
    await expect(createCheckoutSession(caller(subscriber), { plan: "business" }, deps())).rejects.toMatchObject({
      code: "FAILED_PRECONDITION",
      message: expect.stringMatching(/already on the pro plan: change or cancel it in the billing portal/),
    });
    const user = await seedUser();
    await expect(createCheckoutSession(caller(user), { plan: "pro", cancelUrl: "https://evil.example/phish" }, deps())).rejects.toMatchObject({
      code: "BAD_USER_INPUT",
      details: { field: "input.cancelUrl" },
    });
    expect(standIn.requests).toEqual([]);
  });
});

describe("createBillingPortalSession", () => {
  it("needs a customer first, then opens the portal for it", async () => {
    const user = await seedUser();
    await expect(createBillingPortalSession(caller(user), {}, deps())).rejects.toMatchObject({ code: "FAILED_PRECONDITION" });
    await createCheckoutSession(caller(user), { plan: "pro" }, deps());
    const portal = await createBillingPortalSession(caller(user), { returnUrl: "https://app.postora.test/settings" }, deps());
    expect(portal.url).toMatch(/^https:\/\/billing\.stripe\.com\/p\/session\/bps_/);
    expect(Object.fromEntries(requestsTo("/v1/billing_portal/sessions")[0]!.form)).toEqual({
      customer: await customerOf(user),
      return_url: "https://app.postora.test/settings",
    });
  });
});
