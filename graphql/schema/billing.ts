/**
 * Buying and managing a plan: Stripe Checkout and the Stripe billing
 * portal. Each mutation answers with the URL to send the person to; what
 * they do there comes back through the Stripe webhook and shows in
 * viewer { tier subscription usage }. Without Stripe keys on the server both
 * answer BILLING_NOT_CONFIGURED.
 */
import { builder } from "@/graphql/builder";
import { createBillingPortalSession, createCheckoutSession } from "@/lib/billing/checkout";
import { PAID_PLANS } from "@/lib/billing/plans";

const PlanEnum = builder.enumType("Plan", {
  description: "A plan Postora sells through Stripe.",
  values: Object.fromEntries(PAID_PLANS.map((plan) => [plan.toUpperCase(), { value: plan, description: `The ${plan} plan.` }])) as Record<
    Uppercase<(typeof PAID_PLANS)[number]>,
    { value: (typeof PAID_PLANS)[number]; description: string }
  >,
});

const redirectField = (description: string) => ({
  required: false as const,
  description: `${description} An absolute URL on this API's origin (APP_URL) or one of the frontends Clerk authorizes.`,
});

builder.relayMutationField(
  "createCheckoutSession",
  {
    description: "The plan to buy, and where Stripe sends the person afterwards.",
    inputFields: (t) => ({
      plan: t.field({ type: PlanEnum, required: true, description: "The plan to subscribe to." }),
      successUrl: t.string(redirectField("Where to go after paying (default: APP_URL/?checkout=success).")),
      cancelUrl: t.string(redirectField("Where to go when they back out (default: APP_URL/?checkout=cancelled).")),
    }),
  },
  {
    description:
      "Starts a Stripe Checkout for a plan: redirect the person to `url`. Their tier changes once Stripe confirms the payment " +
      "(watch viewer.tier). FAILED_PRECONDITION when already on a paid plan (use createBillingPortalSession to change it).",
    authScopes: { signedIn: true },
    resolve: (_root, { input }, ctx) =>
      createCheckoutSession(
        { userId: ctx.identity!.userId, email: ctx.identity!.email },
        { plan: input.plan, successUrl: input.successUrl, cancelUrl: input.cancelUrl },
        { log: ctx.log },
      ),
  },
  {
    description: "Where to send the person to pay.",
    outputFields: (t) => ({
      url: t.exposeString("url", { description: "The Stripe Checkout page for this session." }),
      expiresAt: t.field({ type: "DateTime", description: "When the checkout page stops working.", resolve: (payload) => payload.expiresAt }),
    }),
  },
);

builder.relayMutationField(
  "createBillingPortalSession",
  {
    description: "Where Stripe sends the person back to.",
    inputFields: (t) => ({
      returnUrl: t.string(redirectField("Where the portal's back link goes (default: APP_URL/).")),
    }),
  },
  {
    description:
      "Opens the Stripe billing portal, where the person changes or cancels their plan and updates their card: redirect them to `url`. " +
      "FAILED_PRECONDITION before their first checkout.",
    authScopes: { signedIn: true },
    resolve: (_root, { input }, ctx) =>
      createBillingPortalSession({ userId: ctx.identity!.userId, email: ctx.identity!.email }, { returnUrl: input.returnUrl }, { log: ctx.log }),
  },
  {
    description: "Where to send the person to manage their plan.",
    outputFields: (t) => ({
      url: t.exposeString("url", { description: "The billing portal page, valid for a few minutes." }),
    }),
  },
);
