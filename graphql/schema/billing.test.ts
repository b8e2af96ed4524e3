/**
 * createCheckoutSession and createBillingPortalSession over GraphQL, with
 * Stripe configured to a stand-in of its API on 127.0.0.1 (no network),
 * then the webhook that completes the purchase, as the client sees it.
 */
import { afterAll, expect, it } from "vitest";
import { POST as stripeWebhook } from "@/app/api/webhooks/stripe/route";
import { CreateBillingPortalSessionDocument, CreateCheckoutSessionDocument, ViewerBillingDocument } from "@/graphql/generated/graphql";
import { createGraphQLServer } from "@/graphql/yoga";
import { asService } from "@/lib/db/client";
import { postDocument, signedInPerson } from "@/test/support";
import { signedStripeWebhook, startStripeStandIn, stripeEvent, stripeId, stripeSubscription, TEST_PRICES, TEST_STRIPE_WEBHOOK_SECRET } from "@/test/stripe";

// Configuration is read once per process, on first use: set it before anything asks.
const standIn = await startStripeStandIn();
process.env.STRIPE_SECRET_KEY = "sk_test_postoraGraphQL";
process.env.STRIPE_API_URL = standIn.url;
process.env.STRIPE_WEBHOOK_SECRET = TEST_STRIPE_WEBHOOK_SECRET;
process.env.STRIPE_PRICE_PRO = TEST_PRICES.pro.join(",");
process.env.STRIPE_PRICE_BUSINESS = TEST_PRICES.business.join(",");
afterAll(() => standIn.close());

const server = createGraphQLServer();

it("sells a plan: checkout URL, then the webhook, then viewer shows the plan; the portal opens for the same customer", async () => {
  const person = await signedInPerson(server);
  const checkout = await postDocument(server, CreateCheckoutSessionDocument, {
    authorization: person.authorization,
    variables: { input: { plan: "PRO" } },
  });
  expect(checkout.body.errors).toBeUndefined();
  expect(checkout.body.data?.createCheckoutSession.url).toMatch(/^https:\/\/checkout\.stripe\.com\/c\/pay\/cs_test_/);
  const session = standIn.requests.find((request) => request.path === "/v1/checkout/sessions")!;
  expect(session.form.get("line_items[0][price]")).toBe(TEST_PRICES.pro[0]);
  expect(session.form.get("client_reference_id")).toBe(person.id);
  const customer = session.form.get("customer")!;

  // What Stripe then sends once the person has paid.
  const subscription = stripeSubscription({ id: stripeId("sub"), customer, metadata: { postora_user_id: session.form.get("subscription_data[metadata][postora_user_id]")! } });
  expect((await stripeWebhook(signedStripeWebhook(stripeEvent({ type: "customer.subscription.created", object: subscription })))).status).toBe(200);
  const viewer = await postDocument(server, ViewerBillingDocument, { authorization: person.authorization });
  expect(viewer.body.data?.viewer).toMatchObject({ tier: "PRO", subscription: { plan: "pro", status: "active" }, usage: { limit: 200 } });

  const again = await postDocument(server, CreateCheckoutSessionDocument, { authorization: person.authorization, variables: { input: { plan: "BUSINESS" } } });
  expect(again.body.errors?.[0]?.extensions?.code).toBe("FAILED_PRECONDITION");

  const portal = await postDocument(server, CreateBillingPortalSessionDocument, { authorization: person.authorization, variables: { input: {} } });
  expect(portal.body.data?.createBillingPortalSession.url).toMatch(/^https:\/\/billing\.stripe\.com\/p\/session\/bps_/);
  expect(standIn.requests.at(-1)?.form.get("customer")).toBe(customer);
  const [row] = await asService((sql) => sql<{ stripeCustomerId: string }[]>`select stripe_customer_id from users where id = ${person.id}`);
  expect(row?.stripeCustomerId).toBe(customer);
});

it("refuses anonymous callers and redirect URLs on other origins", async () => {
  const anonymous = await postDocument(server, CreateCheckoutSessionDocument, { variables: { input: { plan: "PRO" } } });
  expect(anonymous.body.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  const person = await signedInPerson(server);
  const phishing = await postDocument(server, CreateCheckoutSessionDocument, {
    authorization: person.authorization,
    variables: { input: { plan: "PRO", successUrl: "https://evil.example/" } },
  });
  expect(phishing.body.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "input.successUrl" });
});
