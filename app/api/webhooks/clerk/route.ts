/**
 * POST /api/webhooks/clerk: Clerk's user and session events, delivered by
 * svix. Public (Clerk calls without a session; proxy.ts leaves this path
 * alone): the svix signature is the authentication. Verify, then hand the
 * event to lib/webhooks/clerk.ts.
 */
import { getEnv } from "@/lib/env";
import { readWebhookBody } from "@/lib/http/body";
import { logger } from "@/lib/log";
import { processClerkEvent, verifyClerkWebhook, WebhookSecretInvalid, WebhookVerificationFailed } from "@/lib/webhooks/clerk";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

const log = logger.child({ source: "webhooks.clerk" });

export async function POST(request: Request): Promise<Response> {
  const secret = getEnv().clerkWebhookSecret;
  if (!secret) {
    return Response.json(
      { error: "Clerk webhooks are not configured on this server: set CLERK_WEBHOOK_SIGNING_SECRET to the endpoint's signing secret (Clerk dashboard > Webhooks > your endpoint > Signing Secret)." },
      { status: 503 },
    );
  }
  const body = await readWebhookBody(request);
  if (body instanceof Response) return body;
  let delivery;
  try {
    delivery = verifyClerkWebhook(secret, body, request.headers);
  } catch (error) {
    if (error instanceof WebhookVerificationFailed) return Response.json({ error: error.message }, { status: 400 });
    if (error instanceof WebhookSecretInvalid) {
      log.error("the Clerk webhook secret is malformed", { error });
      return Response.json({ error: error.message }, { status: 503 });
    }
    throw error;
  }
  try {
    const outcome = await processClerkEvent(delivery);
    if (outcome.status === "failed") return Response.json({ error: outcome.error, retry: true }, { status: 500 });
    return Response.json({ received: true, status: outcome.status });
  } catch (error) {
    log.error("could not record the event; svix will retry", { eventId: delivery.eventId, type: delivery.type, error });
    return Response.json({ error: "The event could not be recorded; svix will retry it." }, { status: 503 });
  }
}
