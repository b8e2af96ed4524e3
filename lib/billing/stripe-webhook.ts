/**
 * Stripe's webhook: verified event in, effects through the webhook inbox.
 *
 * Verification is offline: the stripe package's static webhooks helper
 * checks the Stripe-Signature header (HMAC of the raw body with the
 * endpoint's signing secret, and a timestamp no older than the tolerance),
 * so the webhook needs STRIPE_WEBHOOK_SECRET and never the API key.
 * Recording, once-only processing and retries are the inbox's
 * (lib/webhooks/inbox.ts); what an event does is lib/billing/stripe-events.ts.
 */
import Stripe from "stripe";
import { z } from "zod";
import { applyStripeEvent } from "@/lib/billing/stripe-events";
import { SIGNATURE_TOLERANCE_SECONDS } from "@/lib/billing/stripe";
import { receiveWebhook, type InboxDelivery, type WebhookOutcome } from "@/lib/webhooks/inbox";

/** The request is not a genuine Stripe delivery: answer 400 and write nothing. */
export class StripeWebhookRejected extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StripeWebhookRejected";
  }
}

const eventEnvelope = z.looseObject({ id: z.string().min(1), type: z.string().min(1), created: z.number().int() });

/** Checks the signature over the exact bytes received; returns the event as an inbox delivery. */
export function verifyStripeWebhook(secret: string, rawBody: string, signature: string | null): InboxDelivery {
  if (!signature) {
    throw new StripeWebhookRejected("Missing Stripe-Signature header: this endpoint only accepts webhooks signed by Stripe.");
  }
  let event: unknown;
  try {
    // receivedAt is in milliseconds; the header's timestamp in seconds.
    event = Stripe.webhooks.constructEvent(rawBody, signature, secret, SIGNATURE_TOLERANCE_SECONDS, undefined, Date.now());
  } catch (error) {
    if (!(error instanceof Stripe.errors.StripeSignatureVerificationError)) {
      throw new StripeWebhookRejected("The signed body is not JSON: send Stripe's request body unchanged.");
    }
    // Stripe's message goes on with integration advice; its first line says what failed.
    throw new StripeWebhookRejected(`Signature verification failed: ${error.message.split("\n")[0]!.trim()}`);
  }
  const envelope = eventEnvelope.safeParse(event);
  if (!envelope.success) throw new StripeWebhookRejected("The signed body is not a Stripe event (it needs id, type and created).");
  return {
    provider: "stripe",
    eventId: envelope.data.id,
    type: envelope.data.type,
    payload: event as Record<string, unknown>,
    occurredAt: new Date(envelope.data.created * 1000),
  };
}

/** Records and applies one verified event once (see lib/webhooks/inbox.ts for the guarantees). */
export function processStripeEvent(delivery: InboxDelivery): Promise<WebhookOutcome> {
  return receiveWebhook(delivery, (sql, recorded) => applyStripeEvent(sql, recorded));
}
