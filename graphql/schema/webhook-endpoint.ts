/**
 * Webhook endpoints through GraphQL: list them on the viewer, create one
 * (its signing secret is in that payload only), update, rotate its secret,
 * delete. The work is lib/outbound-webhooks/endpoints.ts, run as the caller
 * under RLS: another person's endpoint id is NOT_FOUND. Managing endpoints
 * needs a session, like API keys, so a leaked key cannot point your events
 * somewhere else.
 */
import { decodeGlobalID, encodeGlobalID } from "@pothos/plugin-relay";
import { builder } from "@/graphql/builder";
import type { GraphQLContext } from "@/graphql/context";
import { Viewer } from "@/graphql/schema/viewer";
import { ValidationError } from "@/lib/errors";
import { isUuid } from "@/lib/ids";
import {
  createEndpoint,
  deleteEndpoint,
  listEndpoints,
  rotateEndpointSecret,
  updateEndpoint,
  WEBHOOK_EVENT_TYPES,
  type EndpointDeps,
  type WebhookEndpoint,
  type WebhookEventType,
} from "@/lib/outbound-webhooks/endpoints";
import { PREVIOUS_SECRET_GRACE_HOURS } from "@/lib/outbound-webhooks/secrets";

/** The database id inside a global id of `typename`, sent as `argument`; BAD_USER_INPUT quoting it otherwise. */
export function webhookIdOf(globalId: string, argument: string, typename: "WebhookEndpoint" | "WebhookDelivery"): string {
  let decoded: { typename: string; id: string } | null = null;
  try {
    decoded = decodeGlobalID(globalId);
  } catch {
    /* not base64 of Type:id */
  }
  if (!decoded || decoded.typename !== typename || !isUuid(decoded.id)) {
    throw new ValidationError(`\`${argument}\` is not a ${typename} id: got "${globalId}".`, [argument]);
  }
  return decoded.id;
}

/** What lib/outbound-webhooks takes from a request: SQL as the caller. */
export const endpointDeps = (ctx: GraphQLContext): EndpointDeps => ({ db: ctx.db });

const WebhookEventTypeEnum = builder.enumType("WebhookEventType", {
  description: "An event a webhook endpoint can subscribe to; its `type` in the delivered body is the value in parentheses.",
  values: {
    GENERATION_COMPLETED: { value: "generation.completed" as const, description: "A generation finished (`generation.completed`): the body carries its output." },
    GENERATION_FAILED: { value: "generation.failed" as const, description: "The pipeline gave up on a generation (`generation.failed`): the body says why." },
    GENERATION_DELETED: { value: "generation.deleted" as const, description: "A generation was deleted (`generation.deleted`)." },
  } satisfies Record<string, { value: WebhookEventType; description: string }>,
});

const DisabledReasonEnum = builder.enumType("WebhookEndpointDisabledReason", {
  description: "Why an endpoint is not being sent events.",
  values: {
    MANUAL: { value: "manual" as const, description: "You disabled it (updateWebhookEndpoint with enabled: false)." },
    FAILING: { value: "failing" as const, description: "Every delivery to it failed for 72 hours, so we stopped; fix the receiver and enable it again." },
  },
});

export const WebhookEndpointRef = builder.objectRef<WebhookEndpoint>("WebhookEndpoint").implement({
  description: "A URL your generation events are POSTed to, signed per the Standard Webhooks specification. Its secret is never shown after creation.",
  fields: (t) => ({
    id: t.id({ description: "A global id: what updateWebhookEndpoint and the others take.", resolve: (endpoint) => encodeGlobalID("WebhookEndpoint", endpoint.id) }),
    url: t.exposeString("url", { description: "Where events are POSTed." }),
    events: t.field({ type: [WebhookEventTypeEnum], description: "The events sent to it.", resolve: (endpoint) => endpoint.events }),
    enabled: t.boolean({ description: "True while events are being sent to it.", resolve: (endpoint) => endpoint.disabledAt === null }),
    disabledAt: t.expose("disabledAt", { type: "DateTime", nullable: true, description: "When it was disabled; null while enabled." }),
    disabledReason: t.field({
      type: DisabledReasonEnum,
      nullable: true,
      description: "Why it is disabled: by you, or after 72 hours of failed deliveries; null while enabled.",
      resolve: (endpoint) => endpoint.disabledReason,
    }),
    failingStartedAt: t.expose("failingSince", {
      type: "DateTime",
      nullable: true,
      description: "When the run of failed attempts that is still going on began; null when the last attempt succeeded. After 72 hours of it the endpoint is disabled.",
    }),
    lastSuccessAt: t.expose("lastSuccessAt", { type: "DateTime", nullable: true, description: "When a delivery to it last succeeded; null if never." }),
    previousSecretExpiresAt: t.expose("previousSecretExpiresAt", {
      type: "DateTime",
      nullable: true,
      description: `Until when the secret it had before its last rotation still signs deliveries, beside the current one (${PREVIOUS_SECRET_GRACE_HOURS} hours after rotating); null when only the current secret signs.`,
    }),
    createdAt: t.expose("createdAt", { type: "DateTime", description: "When it was created." }),
    updatedAt: t.expose("updatedAt", { type: "DateTime", description: "When you last changed it (URL, events, enabled or secret)." }),
  }),
});

builder.objectField(Viewer, "webhookEndpoints", (t) =>
  t.field({
    type: [WebhookEndpointRef],
    description: "Your webhook endpoints, newest first. Never their secrets.",
    resolve: (_viewer, _args, ctx) => listEndpoints(endpointDeps(ctx)),
  }),
);

const SESSION = { $all: { signedIn: true, session: true } } as const;

const secretField = "The endpoint's signing secret (`whsec_...`), for `new Webhook(secret)` of the `standardwebhooks` package. Shown here once and never again: store it now.";

builder.relayMutationField(
  "createWebhookEndpoint",
  {
    description: "Where to send events, and which.",
    inputFields: (t) => ({
      url: t.string({
        required: true,
        description: "An https:// URL on a public address (outside production, http://localhost and http://127.0.0.1 too).",
        validate: { maxLength: [2048, { message: "must be at most 2048 characters" }] },
      }),
      events: t.field({ type: [WebhookEventTypeEnum], required: true, description: "At least one event to send to it." }),
    }),
  },
  {
    description: `Registers a webhook endpoint (at most 20 each). Needs a signed-in session, not an API key. Events: ${WEBHOOK_EVENT_TYPES.join(", ")}.`,
    authScopes: SESSION,
    resolve: (_root, { input }, ctx) => createEndpoint(endpointDeps(ctx), { userId: ctx.identity!.userId }, input),
  },
  {
    description: "The new endpoint, and its signing secret (once).",
    outputFields: (t) => ({
      webhookEndpoint: t.field({ type: WebhookEndpointRef, description: "The new endpoint, enabled.", resolve: (payload) => payload.endpoint }),
      secret: t.string({ description: secretField, resolve: (payload) => payload.secret }),
    }),
  },
);

builder.relayMutationField(
  "updateWebhookEndpoint",
  {
    description: "Which endpoint, and what to change (fields left out stay as they are).",
    inputFields: (t) => ({
      id: t.id({ required: true, description: "The WebhookEndpoint's id." }),
      url: t.string({ required: false, description: "A new URL, under the same rules as createWebhookEndpoint's.", validate: { maxLength: [2048, { message: "must be at most 2048 characters" }] } }),
      events: t.field({ type: [WebhookEventTypeEnum], required: false, description: "The events to send to it from now on (at least one)." }),
      enabled: t.boolean({ required: false, description: "false disables it (nothing is sent, retries stop); true enables it again and forgets past failures." }),
    }),
  },
  {
    description: "Changes one of your webhook endpoints: its URL, its events, or whether it is enabled. Needs a signed-in session.",
    authScopes: SESSION,
    resolve: async (_root, { input }, ctx) => ({
      endpoint: await updateEndpoint(endpointDeps(ctx), webhookIdOf(String(input.id), "input.id", "WebhookEndpoint"), input),
    }),
  },
  {
    description: "The endpoint as it is now.",
    outputFields: (t) => ({
      webhookEndpoint: t.field({ type: WebhookEndpointRef, description: "The endpoint, changed.", resolve: (payload) => payload.endpoint }),
    }),
  },
);

builder.relayMutationField(
  "rotateWebhookEndpointSecret",
  {
    description: "Which endpoint gets a new signing secret.",
    inputFields: (t) => ({
      id: t.id({ required: true, description: "The WebhookEndpoint's id." }),
      revokePrevious: t.boolean({
        required: false,
        description: "true stops the old secret signing at once (say it leaked); by default it keeps signing beside the new one for the grace period.",
      }),
    }),
  },
  {
    description:
      `Gives an endpoint a new signing secret. For ${PREVIOUS_SECRET_GRACE_HOURS} hours after, each delivery is signed with both the new and the old secret ` +
      "(two signatures in `webhook-signature`), so a receiver verifying with either accepts it while you deploy the new one; then only the new one signs " +
      "(see previousSecretExpiresAt). With revokePrevious: true, only the new one from now on. Needs a signed-in session.",
    authScopes: SESSION,
    resolve: (_root, { input }, ctx) =>
      rotateEndpointSecret(endpointDeps(ctx), webhookIdOf(String(input.id), "input.id", "WebhookEndpoint"), { revokePrevious: input.revokePrevious }),
  },
  {
    description: "The endpoint and its new signing secret (once).",
    outputFields: (t) => ({
      webhookEndpoint: t.field({ type: WebhookEndpointRef, description: "The endpoint.", resolve: (payload) => payload.endpoint }),
      secret: t.string({ description: secretField, resolve: (payload) => payload.secret }),
    }),
  },
);

builder.relayMutationField(
  "deleteWebhookEndpoint",
  {
    description: "Which endpoint to delete.",
    inputFields: (t) => ({ id: t.id({ required: true, description: "The WebhookEndpoint's id." }) }),
  },
  {
    description: "Deletes one of your webhook endpoints with its delivery history; retries waiting for it are dropped. Needs a signed-in session.",
    authScopes: SESSION,
    resolve: async (_root, { input }, ctx) => {
      await deleteEndpoint(endpointDeps(ctx), webhookIdOf(String(input.id), "input.id", "WebhookEndpoint"));
      return { id: String(input.id) };
    },
  },
  {
    description: "What was deleted.",
    outputFields: (t) => ({ deletedId: t.id({ description: "The deleted endpoint's id.", resolve: (payload) => payload.id }) }),
  },
);
