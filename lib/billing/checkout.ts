/**
 * Selling plans: a Stripe Checkout session for a plan, and the Stripe
 * billing portal for managing (changing, cancelling) what was bought. Both
 * return a URL the client redirects to; what the person does there comes
 * back as webhook events (lib/billing/stripe-events.ts).
 *
 * Each user has one Stripe customer, created on first checkout: under the
 * user's row lock (a double click waits for the first click's customer) and
 * with an idempotency key derived from the user (a retried request gets the
 * same customer from Stripe). Storing it is a privileged write (people
 * cannot set their own customer id: it would open another's portal), so it
 * goes through the service path, like user provisioning.
 */
import { createHash } from "node:crypto";
import Stripe from "stripe";
import { PAID_PLANS, priceVariable, type PaidPlan, type PlanPrices } from "@/lib/billing/plans";
import { USER_ID_METADATA } from "@/lib/billing/stripe-events";
import { getStripe, type StripeClient } from "@/lib/billing/stripe";
import { asService } from "@/lib/db/client";
import { getEnv } from "@/lib/env";
import { AppError, BillingNotConfiguredError, PreconditionError, ValidationError } from "@/lib/errors";
import { logger, type Logger } from "@/lib/log";

/** What checkout and the portal use; each defaults from the configuration (tests and resolvers pass some). */
export type BillingDeps = {
  /** The Stripe API client, or null when STRIPE_SECRET_KEY is unset. */
  stripe: () => StripeClient | null;
  prices: PlanPrices;
  /** Where people are sent back to by default (APP_URL). */
  appUrl: string;
  /** Origins a success/cancel/return URL may point at: APP_URL and the frontends Clerk authorizes. */
  allowedOrigins: readonly string[];
  log: Logger;
};

function billingDeps(): BillingDeps {
  const env = getEnv();
  const origins = new Set([new URL(env.appUrl).origin, ...(env.clerk?.authorizedParties ?? []).map((party) => safeOrigin(party)).filter(Boolean)]);
  return {
    stripe: getStripe,
    prices: env.stripe.prices,
    appUrl: env.appUrl,
    allowedOrigins: [...origins] as string[],
    log: logger.child({ source: "billing" }),
  };
}

function safeOrigin(value: string): string | null {
  try {
    return new URL(value).origin;
  } catch {
    return null;
  }
}

export type BillingCaller = { userId: string; email: string };

const notConfigured = () =>
  new BillingNotConfiguredError(
    "Billing is not configured on this server: it needs STRIPE_SECRET_KEY (Stripe dashboard > Developers > API keys). Nothing you can change; try again later.",
  );

function requireStripe(deps: BillingDeps): StripeClient {
  const stripe = deps.stripe();
  if (!stripe) throw notConfigured();
  return stripe;
}

/** A redirect target on one of our own origins (never an open redirect), or the default. */
function redirectUrl(value: string | null | undefined, field: string, fallback: string, deps: BillingDeps): string {
  if (!value) return fallback;
  const origin = safeOrigin(value);
  if (!origin || !/^https?:/.test(origin) || !deps.allowedOrigins.includes(origin)) {
    throw new ValidationError(`\`${field}\` must be an absolute URL on ${deps.allowedOrigins.join(" or ")}.`, field.split("."));
  }
  return value;
}

/** Stripe could not do it (unreachable, refused): logged in full, reported as retryable. */
async function callStripe<T>(what: string, deps: BillingDeps, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!(error instanceof Stripe.errors.StripeError)) throw error;
    deps.log.error(`Stripe refused or failed to ${what}`, { type: error.type, code: error.code, requestId: error.requestId, error });
    throw new AppError("SERVICE_UNAVAILABLE", `Stripe could not ${what} right now. Try again in a moment.`);
  }
}

/** The user's Stripe customer id, creating the customer once (see the module comment). */
async function ensureCustomer(caller: BillingCaller, deps: BillingDeps): Promise<string> {
  const stripe = requireStripe(deps);
  return asService(async (sql) => {
    const [user] = await sql<{ stripeCustomerId: string | null }[]>`
      select stripe_customer_id from users where id = ${caller.userId} for no key update`;
    if (!user) throw new PreconditionError("Your account is not set up yet; sign in again.");
    if (user.stripeCustomerId) return user.stripeCustomerId;
    const customer = await callStripe("create your billing account", deps, () =>
      stripe.customers.create(
        { email: caller.email, metadata: { [USER_ID_METADATA]: caller.userId } },
        { idempotencyKey: `postora-customer-${caller.userId}` },
      ),
    );
    await sql`update users set stripe_customer_id = ${customer.id} where id = ${caller.userId}`;
    return customer.id;
  });
}

export type CheckoutInput = { plan: PaidPlan; successUrl?: string | null; cancelUrl?: string | null };
export type CheckoutStarted = { url: string; sessionId: string; expiresAt: Date };

/** A Checkout session for the plan: the URL to send the person to. */
export async function createCheckoutSession(caller: BillingCaller, input: CheckoutInput, given: Partial<BillingDeps> = {}): Promise<CheckoutStarted> {
  const deps = { ...billingDeps(), ...given };
  const stripe = requireStripe(deps);
  const price = deps.prices[input.plan][0];
  if (!price) {
    throw new BillingNotConfiguredError(`The ${input.plan} plan is not on sale on this server: it needs ${priceVariable(input.plan)}.`, { plan: input.plan });
  }
  const successUrl = redirectUrl(input.successUrl, "input.successUrl", `${deps.appUrl}/?checkout=success`, deps);
  const cancelUrl = redirectUrl(input.cancelUrl, "input.cancelUrl", `${deps.appUrl}/?checkout=cancelled`, deps);

  const [current] = await asService(
    (sql) => sql<{ tier: string }[]>`select private.effective_tier(${caller.userId}) as tier`,
  );
  if (current && (PAID_PLANS as readonly string[]).includes(current.tier)) {
    throw new PreconditionError(
      `You are already on the ${current.tier} plan: change or cancel it in the billing portal (createBillingPortalSession).`,
      { tier: current.tier },
    );
  }

  const customer = await ensureCustomer(caller, deps);
  const params = {
    mode: "subscription" as const,
    customer,
    client_reference_id: caller.userId,
    line_items: [{ price, quantity: 1 }],
    metadata: { [USER_ID_METADATA]: caller.userId, plan: input.plan },
    subscription_data: { metadata: { [USER_ID_METADATA]: caller.userId, plan: input.plan } },
    success_url: successUrl,
    cancel_url: cancelUrl,
  };
  // A double click within the same minute gets the same session back from Stripe.
  const minute = Math.floor(Date.now() / 60_000);
  const fingerprint = createHash("sha256").update(JSON.stringify(params)).digest("hex").slice(0, 16);
  const session = await callStripe("start a checkout", deps, () =>
    stripe.checkout.sessions.create(params, { idempotencyKey: `postora-checkout-${caller.userId}-${minute}-${fingerprint}` }),
  );
  if (!session.url) throw new Error(`Stripe returned checkout session ${session.id} without a URL.`);
  return { url: session.url, sessionId: session.id, expiresAt: new Date(session.expires_at * 1000) };
}

export type PortalOpened = { url: string };

/** A billing-portal session for the person's Stripe customer: the URL to send them to. */
export async function createBillingPortalSession(
  caller: BillingCaller,
  input: { returnUrl?: string | null },
  given: Partial<BillingDeps> = {},
): Promise<PortalOpened> {
  const deps = { ...billingDeps(), ...given };
  const stripe = requireStripe(deps);
  const returnUrl = redirectUrl(input.returnUrl, "input.returnUrl", `${deps.appUrl}/`, deps);
  const [user] = await asService(
    (sql) => sql<{ stripeCustomerId: string | null }[]>`select stripe_customer_id from users where id = ${caller.userId}`,
  );
  if (!user?.stripeCustomerId) {
    throw new PreconditionError("You have no billing account yet: start a checkout for a plan first (createCheckoutSession).");
  }
  const session = await callStripe("open the billing portal", deps, () =>
    stripe.billingPortal.sessions.create({ customer: user.stripeCustomerId!, return_url: returnUrl }),
  );
  return { url: session.url };
}
