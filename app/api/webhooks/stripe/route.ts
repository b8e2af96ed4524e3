/**
 * POST /api/webhooks/stripe: Stripe's billing events. Public (Stripe calls
 * without a session; proxy.ts leaves /api/webhooks alone): the
 * Stripe-Signature header is the authentication. Verify, then hand the
 * event to lib/billing (recorded and applied once by the webhook inbox).
 */
import { processStripeEvent, StripeWebhookRejected, verifyStripeWebhook } from "@/lib/billing/stripe-webhook";
import { getEnv } from "@/lib/env";
import { readWebhookBody } from "@/lib/http/body";
import { logger } from "@/lib/log";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

const log = logger.child({ source: "webhooks.stripe" });

export async function POST(request: Request): Promise<Response> {
  const secret = getEnv().stripe.webhookSecret;
  if (!secret) {
    return Response.json(
      { error: "Stripe webhooks are not configured on this server: set STRIPE_WEBHOOK_SECRET to the endpoint's signing secret (Stripe dashboard > Developers > Webhooks > your endpoint > Signing secret)." },
      { status: 503 },
    );
  }
  const body = await readWebhookBody(request);
  if (body instanceof Response) return body;
  let delivery;
  try {
    delivery = verifyStripeWebhook(secret, body, request.headers.get("stripe-signature"));
  } catch (error) {
    if (error instanceof StripeWebhookRejected) return Response.json({ error: error.message }, { status: 400 });
    throw error;
  }
  try {
    const outcome = await processStripeEvent(delivery);
    if (outcome.status === "failed") return Response.json({ error: outcome.error, retry: true }, { status: 500 });
    return Response.json({ received: true, status: outcome.status });
  } catch (error) {
    log.error("could not record the event; Stripe will retry", { eventId: delivery.eventId, type: delivery.type, error });
    return Response.json({ error: "The event could not be recorded; Stripe will retry it." }, { status: 503 });
  }
}
