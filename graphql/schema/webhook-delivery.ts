/**
 * Webhook deliveries: one event to one endpoint, with every attempt's
 * status and time. Listed on the endpoint; sendTestWebhookEvent queues a
 * test event, redeliverWebhook one more attempt of a delivery.
 */
import { encodeGlobalID } from "@pothos/plugin-relay";
import { builder } from "@/graphql/builder";
import { endpointDeps, WebhookEndpointRef, webhookIdOf } from "@/graphql/schema/webhook-endpoint";
import { listDeliveries, redeliver, sendTestEvent, type WebhookAttempt, type WebhookDelivery } from "@/lib/outbound-webhooks/endpoints";
import { MAX_DELIVERY_ATTEMPTS } from "@/lib/outbound-webhooks/deliver";

const DeliveryStatusEnum = builder.enumType("WebhookDeliveryStatus", {
  description: "Where a delivery is.",
  values: {
    PENDING: { value: "pending" as const, description: "Not delivered yet: an attempt is queued (see nextAttemptAt)." },
    SUCCEEDED: { value: "succeeded" as const, description: "The endpoint answered 2xx." },
    FAILED: { value: "failed" as const, description: `Every attempt failed (${MAX_DELIVERY_ATTEMPTS} over about a day), or the endpoint was disabled; redeliverWebhook tries again.` },
  },
});

const WebhookAttemptRef = builder.objectRef<WebhookAttempt>("WebhookAttempt").implement({
  description: "One try at delivering an event to an endpoint.",
  fields: (t) => ({
    number: t.exposeInt("number", { description: "Which attempt of the delivery, from 1." }),
    attemptedAt: t.expose("attemptedAt", { type: "DateTime", description: "When it was sent." }),
    succeeded: t.exposeBoolean("succeeded", { description: "True when the endpoint answered 2xx." }),
    responseStatus: t.exposeInt("responseStatus", { nullable: true, description: "The endpoint's HTTP status; null when it gave none (refused, timed out, unreachable)." }),
    error: t.exposeString("error", { nullable: true, description: "Why it failed, in words you can act on; null when it succeeded." }),
    durationMs: t.exposeInt("durationMs", { description: "How long the exchange took, in milliseconds." }),
    manual: t.exposeBoolean("manual", { description: "True for an attempt you asked for with redeliverWebhook." }),
  }),
});

const WebhookDeliveryRef = builder.objectRef<WebhookDelivery>("WebhookDelivery").implement({
  description: "One event sent to one endpoint: the body, its status and its attempts.",
  fields: (t) => ({
    id: t.id({ description: "A global id: what redeliverWebhook takes.", resolve: (delivery) => encodeGlobalID("WebhookDelivery", delivery.id) }),
    eventId: t.exposeString("messageId", { description: "The event's id (`msg_...`): the webhook-id header of every attempt, the same on each, to de-duplicate by." }),
    eventType: t.exposeString("eventType", { description: "The event's type: generation.completed, generation.failed, generation.deleted, or webhook.test." }),
    payload: t.field({ type: "JSON", description: "The exact JSON body each attempt sends.", resolve: (delivery) => delivery.payload }),
    status: t.field({ type: DeliveryStatusEnum, description: "Where it is.", resolve: (delivery) => delivery.status }),
    attemptCount: t.exposeInt("attemptCount", { description: "Attempts made so far." }),
    nextAttemptAt: t.expose("nextAttemptAt", { type: "DateTime", nullable: true, description: "When the next attempt is due (PENDING only)." }),
    lastAttemptAt: t.expose("lastAttemptAt", { type: "DateTime", nullable: true, description: "When the last attempt was made; null before the first." }),
    createdAt: t.expose("createdAt", { type: "DateTime", description: "When the event happened." }),
    attempts: t.field({ type: [WebhookAttemptRef], description: "Every attempt, oldest first.", resolve: (delivery) => delivery.attempts }),
  }),
});

builder.objectField(WebhookEndpointRef, "deliveries", (t) =>
  t.field({
    type: [WebhookDeliveryRef],
    description: "The endpoint's deliveries, newest first.",
    args: {
      first: t.arg.int({
        required: false,
        defaultValue: 20,
        description: "How many (1 to 100, default 20).",
        validate: { min: [1, { message: "must be at least 1" }], max: [100, { message: "must be at most 100" }] },
      }),
    },
    resolve: (endpoint, args, ctx) => listDeliveries(endpointDeps(ctx), endpoint.id, args.first ?? 20),
  }),
);

const SESSION = { $all: { signedIn: true, session: true } } as const;

builder.relayMutationField(
  "sendTestWebhookEvent",
  {
    description: "Which endpoint to send a test event to.",
    inputFields: (t) => ({ id: t.id({ required: true, description: "The WebhookEndpoint's id." }) }),
  },
  {
    description: "Sends a `webhook.test` event to one of your enabled endpoints now, signed and retried like any other. Needs a signed-in session.",
    authScopes: SESSION,
    resolve: async (_root, { input }, ctx) => ({
      delivery: await sendTestEvent(endpointDeps(ctx), webhookIdOf(String(input.id), "input.id", "WebhookEndpoint")),
    }),
  },
  {
    description: "The test event's delivery, PENDING.",
    outputFields: (t) => ({ delivery: t.field({ type: WebhookDeliveryRef, description: "Its delivery: watch its attempts.", resolve: (payload) => payload.delivery }) }),
  },
);

builder.relayMutationField(
  "redeliverWebhook",
  {
    description: "Which delivery to send again.",
    inputFields: (t) => ({ id: t.id({ required: true, description: "The WebhookDelivery's id." }) }),
  },
  {
    description:
      "Makes one more attempt at a delivery now, with the same webhook-id and body (no automatic retries follow it); its endpoint must be enabled. Needs a signed-in session.",
    authScopes: SESSION,
    resolve: async (_root, { input }, ctx) => ({
      delivery: await redeliver(endpointDeps(ctx), webhookIdOf(String(input.id), "input.id", "WebhookDelivery")),
    }),
  },
  {
    description: "The delivery, PENDING until the attempt is made.",
    outputFields: (t) => ({ delivery: t.field({ type: WebhookDeliveryRef, description: "The delivery.", resolve: (payload) => payload.delivery }) }),
  },
);
