/**
 * The Stripe webhook on a server without STRIPE_WEBHOOK_SECRET (a file of
 * its own: configuration is read once per process).
 */
import { beforeAll, expect, it } from "vitest";
import { POST } from "@/app/api/webhooks/stripe/route";
import { asService } from "@/lib/db/client";
import { signedStripeWebhook, stripeEvent, stripeId, stripeSubscription } from "@/test/stripe";

beforeAll(() => {
  delete process.env.STRIPE_WEBHOOK_SECRET;
});

it("answers 503 naming the missing variable, and writes nothing", async () => {
  const event = stripeEvent({ type: "customer.subscription.created", object: stripeSubscription({ id: stripeId("sub"), customer: stripeId("cus") }) });
  const response = await POST(signedStripeWebhook(event));
  expect(response.status).toBe(503);
  expect(((await response.json()) as { error: string }).error).toMatch(/set STRIPE_WEBHOOK_SECRET/);
  expect(await asService((sql) => sql`select 1 from webhook_events`)).toEqual([]);
  expect(await asService((sql) => sql`select 1 from subscriptions`)).toEqual([]);
});
