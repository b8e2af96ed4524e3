/**
 * The Stripe package, two ways:
 *
 * - webhook verification is offline (Stripe.webhooks is static: the
 *   signing secret is all it needs), so the webhook works without an API key;
 * - the API client (checkout, billing portal) is created on first use and
 *   only when STRIPE_SECRET_KEY is set. Nothing here builds a client at
 *   import time, so a missing key can never take a module down with it.
 *
 * The API version is pinned to the one this package's types describe, so
 * what Stripe sends is what the code reads. Set the webhook endpoint to the
 * same version (README, Billing).
 */
import Stripe from "stripe";
import { getEnv, type Env } from "@/lib/env";

/** The API version of the installed `stripe` package (its types describe exactly this version). */
export const STRIPE_API_VERSION = Stripe.API_VERSION;

/** How far a signature's timestamp may be from now, in seconds (Stripe's default): older deliveries are replays. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

export type StripeClient = Stripe;

/** A client for the configured key, or null when Stripe is not configured. */
export function stripeClientFor(stripe: Pick<Env["stripe"], "secretKey" | "apiUrl">): Stripe | null {
  if (!stripe.secretKey) return null;
  const target = stripe.apiUrl ? new URL(stripe.apiUrl) : null;
  return new Stripe(stripe.secretKey, {
    apiVersion: STRIPE_API_VERSION,
    maxNetworkRetries: 2,
    timeout: 20_000,
    telemetry: false,
    appInfo: { name: "postora-api" },
    ...(target
      ? {
          host: target.hostname,
          port: target.port || (target.protocol === "http:" ? 80 : 443),
          protocol: target.protocol === "http:" ? "http" : "https",
        }
      : {}),
  });
}

let cached: { key: string; apiUrl: string | null; client: Stripe } | undefined;

/** The process's client, created on first use; null without STRIPE_SECRET_KEY. */
export function getStripe(): Stripe | null {
  const config = getEnv().stripe;
  if (!config.secretKey) return null;
  if (!cached || cached.key !== config.secretKey || cached.apiUrl !== config.apiUrl) {
    cached = { key: config.secretKey, apiUrl: config.apiUrl, client: stripeClientFor(config)! };
  }
  return cached.client;
}
