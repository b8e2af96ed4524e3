/**
 * Webhook endpoints, as their owner manages them: create (the signing secret
 * is returned once), list, update (URL, events, enabled), rotate the secret,
 * delete, send a test event, redeliver a delivery, and read deliveries with
 * their attempts.
 *
 * Everything runs as the owner under row-level security (deps.db is withUser
 * bound to them): another person's endpoint or delivery is simply not there
 * (NOT_FOUND). The queue is reached only through the database's own
 * functions (private.send_test_webhook, private.redeliver_webhook), which
 * check ownership themselves.
 */
import { randomUUID } from "node:crypto";
import type { Sql } from "@/lib/db/client";
import { getEnv, type Env } from "@/lib/env";
import { NotFoundError, PreconditionError, ValidationError } from "@/lib/errors";
import { secretBox } from "@/lib/secrets/box";
import { endpointSecretContext, newSigningSecret, PREVIOUS_SECRET_GRACE_HOURS } from "@/lib/outbound-webhooks/secrets";
import { checkTargetUrl, TargetRefused, type TargetPolicy } from "@/lib/outbound-webhooks/target";

export const WEBHOOK_EVENT_TYPES = ["generation.completed", "generation.failed", "generation.deleted"] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** Endpoints per person: plenty for every integration, few enough to fan out to on each event. */
const MAX_ENDPOINTS = 20;

export type WebhookEndpoint = {
  id: string;
  url: string;
  events: WebhookEventType[];
  createdAt: Date;
  updatedAt: Date;
  disabledAt: Date | null;
  disabledReason: "manual" | "failing" | null;
  failingSince: Date | null;
  lastSuccessAt: Date | null;
  /** Until when the secret before the last rotation still signs deliveries (beside the current one); null when none does. */
  previousSecretExpiresAt: Date | null;
};

export type WebhookAttempt = {
  number: number;
  attemptedAt: Date;
  succeeded: boolean;
  responseStatus: number | null;
  error: string | null;
  durationMs: number;
  manual: boolean;
};

export type WebhookDelivery = {
  id: string;
  endpointId: string;
  messageId: string;
  eventType: string;
  payload: unknown;
  status: "pending" | "succeeded" | "failed";
  attemptCount: number;
  nextAttemptAt: Date | null;
  lastAttemptAt: Date | null;
  createdAt: Date;
  attempts: WebhookAttempt[];
};

type AsOwner = <T>(fn: (sql: Sql) => Promise<T>) => Promise<T>;
export type EndpointDeps = { db: AsOwner; env?: Pick<Env, "isProduction" | "dataDir" | "dataEncryption"> };

/** Production sends only to https on public addresses; development and tests also to a local receiver. */
export function targetPolicyFor(env: Pick<Env, "isProduction">): TargetPolicy {
  return { allowLocalhost: !env.isProduction };
}

// An expired previous secret reads as none, whether or not the daily prune has dropped it yet.
const ENDPOINT_COLUMNS =
  "id, url, events, created_at, updated_at, disabled_at, disabled_reason, failing_since, last_success_at, " +
  "case when previous_secret_expires_at > now() then previous_secret_expires_at end as previous_secret_expires_at";

function validUrl(url: string, env: Pick<Env, "isProduction">): string {
  try {
    return checkTargetUrl(url.trim(), targetPolicyFor(env)).href;
  } catch (error) {
    if (error instanceof TargetRefused) throw new ValidationError(`input.url: ${error.message}`, ["input", "url"]);
    throw error;
  }
}

function validEvents(events: readonly string[]): WebhookEventType[] {
  const unknown = events.find((event) => !(WEBHOOK_EVENT_TYPES as readonly string[]).includes(event));
  if (unknown !== undefined) throw new ValidationError(`input.events: unknown event ${JSON.stringify(unknown)}; use ${WEBHOOK_EVENT_TYPES.join(", ")}.`, ["input", "events"]);
  const chosen = WEBHOOK_EVENT_TYPES.filter((event) => events.includes(event));
  if (chosen.length === 0) throw new ValidationError("input.events: give at least one event.", ["input", "events"]);
  return chosen;
}

async function one(sql: Sql, id: string): Promise<WebhookEndpoint> {
  const [row] = await sql<WebhookEndpoint[]>`select ${sql.unsafe(ENDPOINT_COLUMNS)} from webhook_endpoints where id = ${id}`;
  if (!row) throw new NotFoundError("webhook endpoint", id);
  return row;
}

export function listEndpoints(deps: EndpointDeps): Promise<WebhookEndpoint[]> {
  return deps.db((sql) => sql<WebhookEndpoint[]>`
    select ${sql.unsafe(ENDPOINT_COLUMNS)} from webhook_endpoints order by created_at desc, id`);
}

export async function createEndpoint(
  deps: EndpointDeps,
  owner: { userId: string },
  input: { url: string; events: readonly string[] },
): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
  const env = deps.env ?? getEnv();
  const url = validUrl(input.url, env);
  const events = validEvents(input.events);
  const id = randomUUID();
  const secret = newSigningSecret();
  const sealed = (await secretBox(env)).seal(secret, endpointSecretContext(id));
  return deps.db(async (sql) => {
    const [count] = await sql<{ n: number }[]>`select count(*)::int as n from webhook_endpoints`;
    if (count!.n >= MAX_ENDPOINTS) {
      throw new PreconditionError(`You already have ${MAX_ENDPOINTS} webhook endpoints. Delete one you no longer use, then create the new one.`, {
        limit: MAX_ENDPOINTS,
      });
    }
    await sql`insert into webhook_endpoints (id, user_id, url, events, secret_sealed) values (${id}, ${owner.userId}, ${url}, ${events}, ${sealed})`;
    return { endpoint: await one(sql, id), secret };
  });
}

export function updateEndpoint(
  deps: EndpointDeps,
  id: string,
  input: { url?: string | null; events?: readonly string[] | null; enabled?: boolean | null },
): Promise<WebhookEndpoint> {
  const env = deps.env ?? getEnv();
  const url = input.url == null ? null : validUrl(input.url, env);
  const events = input.events == null ? null : validEvents(input.events);
  return deps.db(async (sql) => {
    await one(sql, id);
    await sql`
      update webhook_endpoints set
        url = coalesce(${url}, url),
        events = coalesce(${events}::text[], events),
        disabled_at = case when ${input.enabled ?? null}::boolean is null then disabled_at
                           when ${input.enabled ?? null}::boolean then null
                           else coalesce(disabled_at, now()) end,
        disabled_reason = case when ${input.enabled ?? null}::boolean is null then disabled_reason
                               when ${input.enabled ?? null}::boolean then null
                               else coalesce(disabled_reason, 'manual') end,
        -- Enabled again: the 72 hours of failures start over.
        failing_since = case when ${input.enabled ?? null}::boolean then null else failing_since end,
        updated_at = now()
      where id = ${id}`;
    return one(sql, id);
  });
}

/**
 * A new signing secret for an endpoint. The one it replaces keeps signing
 * (beside the new one) for PREVIOUS_SECRET_GRACE_HOURS, so the receiver can
 * switch without refusing events; `revokePrevious` (a leaked secret) stops
 * it at once. A secret already in its window is dropped by a second rotation.
 */
export async function rotateEndpointSecret(
  deps: EndpointDeps,
  id: string,
  options: { revokePrevious?: boolean | null } = {},
): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
  const secret = newSigningSecret();
  const sealed = (await secretBox(deps.env ?? getEnv())).seal(secret, endpointSecretContext(id));
  const graceHours = options.revokePrevious ? 0 : PREVIOUS_SECRET_GRACE_HOURS;
  return deps.db(async (sql) => {
    await one(sql, id);
    // The owner may not read the sealed secret it replaces: the database's own function moves it (checking the owner).
    const [row] = await sql<{ rotated: boolean }[]>`select private.rotate_webhook_secret(${id}, ${sealed}, ${graceHours}) as rotated`;
    if (!row?.rotated) throw new NotFoundError("webhook endpoint", id);
    return { endpoint: await one(sql, id), secret };
  });
}

export function deleteEndpoint(deps: EndpointDeps, id: string): Promise<void> {
  return deps.db(async (sql) => {
    const rows = await sql`delete from webhook_endpoints where id = ${id} returning id`;
    if (rows.length === 0) throw new NotFoundError("webhook endpoint", id);
  });
}

const DELIVERY_SELECT = `
  select d.id, d.endpoint_id, d.message_id, m.type as event_type, m.payload, d.status, d.attempt_count, d.next_attempt_at,
         d.last_attempt_at, d.created_at,
         coalesce((select json_agg(json_build_object(
                    'number', a.number, 'attemptedAt', a.attempted_at, 'succeeded', a.succeeded, 'responseStatus', a.response_status,
                    'error', a.error, 'durationMs', a.duration_ms, 'manual', a.manual) order by a.number, a.id)
                   from webhook_attempts a where a.delivery_id = d.id), '[]') as attempts
    from webhook_deliveries d join webhook_messages m on m.id = d.message_id`;

type DeliveryRow = Omit<WebhookDelivery, "attempts"> & { attempts: (Omit<WebhookAttempt, "attemptedAt"> & { attemptedAt: string })[] };

const toDelivery = (row: DeliveryRow): WebhookDelivery => ({
  ...row,
  attempts: row.attempts.map((attempt) => ({ ...attempt, attemptedAt: new Date(attempt.attemptedAt) })),
});

async function oneDelivery(sql: Sql, id: string): Promise<WebhookDelivery> {
  const [row] = await sql<DeliveryRow[]>`${sql.unsafe(DELIVERY_SELECT)} where d.id = ${id}`;
  if (!row) throw new NotFoundError("webhook delivery", id);
  return toDelivery(row);
}

/** An endpoint's deliveries, newest first, each with its attempts. */
export function listDeliveries(deps: EndpointDeps, endpointId: string, first: number): Promise<WebhookDelivery[]> {
  return deps.db(async (sql) => {
    const rows = await sql<DeliveryRow[]>`
      ${sql.unsafe(DELIVERY_SELECT)} where d.endpoint_id = ${endpointId} order by d.created_at desc, d.id limit ${first}`;
    return rows.map(toDelivery);
  });
}

/** Queues a `webhook.test` event to one endpoint now; its delivery is signed and retried like any other. */
export function sendTestEvent(deps: EndpointDeps, endpointId: string): Promise<WebhookDelivery> {
  return deps.db(async (sql) => {
    const endpoint = await one(sql, endpointId);
    if (endpoint.disabledAt) throw disabled(endpoint);
    const [row] = await sql<{ deliveryId: string | null }[]>`select private.send_test_webhook(${endpointId}) as delivery_id`;
    if (!row?.deliveryId) throw new NotFoundError("webhook endpoint", endpointId);
    return oneDelivery(sql, row.deliveryId);
  });
}

/** One more attempt at a delivery, now, with the same webhook-id and body; no automatic retries follow it. */
export function redeliver(deps: EndpointDeps, deliveryId: string): Promise<WebhookDelivery> {
  return deps.db(async (sql) => {
    const delivery = await oneDelivery(sql, deliveryId);
    const endpoint = await one(sql, delivery.endpointId);
    if (endpoint.disabledAt) throw disabled(endpoint);
    const [row] = await sql<{ deliveryId: string | null }[]>`select private.redeliver_webhook(${deliveryId}) as delivery_id`;
    if (!row?.deliveryId) throw new NotFoundError("webhook delivery", deliveryId);
    return oneDelivery(sql, deliveryId);
  });
}

function disabled(endpoint: WebhookEndpoint): PreconditionError {
  const why =
    endpoint.disabledReason === "failing"
      ? "it was disabled after 72 hours in which every delivery failed"
      : "it is disabled";
  return new PreconditionError(`This webhook endpoint is not sending: ${why}. Fix the receiver, then updateWebhookEndpoint(input: { id, enabled: true }).`, {
    disabledReason: endpoint.disabledReason,
  });
}
