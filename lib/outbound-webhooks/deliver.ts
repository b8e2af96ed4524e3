/**
 * One attempt at one delivery: the graphile-worker task `deliver_webhook`.
 *
 * The database trigger (supabase/migrations/20261207080000_outbound_webhooks.sql)
 * queues attempt 1 of every delivery in the transaction that made the event.
 * This task signs the message (the `standardwebhooks` package: webhook-id is
 * the message id, the same on every attempt; webhook-timestamp is the
 * attempt's time), POSTs it (lib/outbound-webhooks/target.ts), and then, in
 * one transaction: records the attempt, moves the delivery on, notes the
 * endpoint's success or failure (72 hours of nothing but failures disable
 * it), and queues the next attempt on our schedule. graphile-worker's own
 * retries (its exponential backoff) are only for this task's crashes.
 *
 * Each job names the attempt it makes; a job run twice (a worker that died
 * after recording) finds the attempt made and does nothing, so a receiver
 * is never sent the same attempt twice by us (at-least-once still holds
 * across a crash mid-request: receivers de-duplicate by webhook-id).
 */
import { Webhook } from "standardwebhooks";
import { asService, type Sql } from "@/lib/db/client";
import type { Logger } from "@/lib/log";
import type { SecretBox } from "@/lib/secrets/box";
import { endpointSecretContext } from "@/lib/outbound-webhooks/secrets";
import { sendToTarget, type TargetPolicy } from "@/lib/outbound-webhooks/target";

export const DELIVER_WEBHOOK_TASK = "deliver_webhook";

/** Seconds to wait after failed attempt n before attempt n+1 (Svix's schedule): 8 attempts over about 27.6 hours. */
export const RETRY_DELAYS_SECONDS = [5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600] as const;
export const MAX_DELIVERY_ATTEMPTS = RETRY_DELAYS_SECONDS.length + 1;
/** An endpoint whose attempts have all failed for this long is disabled. */
export const DISABLE_AFTER_FAILING_HOURS = 72;

export type DeliveryDeps = {
  /** The service-path pool (the worker's). */
  db: Sql;
  box: SecretBox;
  log: Logger;
  policy: TargetPolicy;
  /** The whole exchange with the receiver (default 10 s). */
  timeoutMs?: number;
};

export type DeliveryJob = { deliveryId: string; attempt: number; manual?: boolean };

export type DeliveryOutcome =
  | { outcome: "succeeded" | "failed"; status: number | null; retryInSeconds: number | null; endpointDisabled: boolean }
  | { outcome: "gone" | "already-attempted" | "endpoint-disabled" };

/** What a receiver's answer may add to an attempt's record, at most. */
const MAX_RESPONSE_BYTES = 4096;

type Loaded = {
  attemptCount: number;
  messageId: string;
  payload: unknown;
  endpointId: string;
  url: string;
  secretSealed: string;
  disabledAt: Date | null;
  userId: string;
};

export async function deliverWebhook(deps: DeliveryDeps, job: DeliveryJob): Promise<DeliveryOutcome> {
  const [row] = await deps.db<Loaded[]>`
    select d.attempt_count, m.id as message_id, m.payload, e.id as endpoint_id, e.url, e.secret_sealed, e.disabled_at, d.user_id
      from webhook_deliveries d
      join webhook_messages m on m.id = d.message_id
      join webhook_endpoints e on e.id = d.endpoint_id
     where d.id = ${job.deliveryId}`;
  if (!row) return { outcome: "gone" };
  if (row.attemptCount >= job.attempt) return { outcome: "already-attempted" };
  if (row.disabledAt) {
    await deps.db`update webhook_deliveries set status = 'failed', next_attempt_at = null where id = ${job.deliveryId} and status = 'pending'`;
    return { outcome: "endpoint-disabled" };
  }

  const body = JSON.stringify(row.payload);
  const secret = deps.box.open(row.secretSealed, endpointSecretContext(row.endpointId));
  const timestamp = new Date();
  const headers = {
    "webhook-id": row.messageId,
    "webhook-timestamp": String(Math.floor(timestamp.getTime() / 1000)),
    "webhook-signature": new Webhook(secret).sign(row.messageId, timestamp, body),
  };
  const result = await sendToTarget(row.url, body, headers, { policy: deps.policy, timeoutMs: deps.timeoutMs ?? 10_000, maxResponseBytes: MAX_RESPONSE_BYTES });
  const retryIn = !result.succeeded && !job.manual && job.attempt < MAX_DELIVERY_ATTEMPTS ? RETRY_DELAYS_SECONDS[job.attempt - 1]! : null;

  const recorded = await asService(async (sql): Promise<DeliveryOutcome> => {
    const [current] = await sql<{ attemptCount: number }[]>`select attempt_count from webhook_deliveries where id = ${job.deliveryId} for update`;
    if (!current) return { outcome: "gone" };
    if (current.attemptCount >= job.attempt) return { outcome: "already-attempted" };
    await sql`
      insert into webhook_attempts (delivery_id, user_id, number, attempted_at, succeeded, response_status, error, duration_ms, manual)
      values (${job.deliveryId}, ${row.userId}, ${job.attempt}, ${timestamp}, ${result.succeeded}, ${result.status},
              ${result.error?.slice(0, 500) ?? null}, ${result.durationMs}, ${job.manual ?? false})`;
    const [endpoint] = result.succeeded
      ? await sql<{ disabled: boolean }[]>`
          update webhook_endpoints set last_success_at = now(), failing_since = null where id = ${row.endpointId}
          returning disabled_at is not null as disabled`
      : await sql<{ disabled: boolean }[]>`
          update webhook_endpoints set
            failing_since = coalesce(failing_since, now()),
            disabled_reason = case when disabled_at is null and coalesce(failing_since, now()) <= now() - make_interval(hours => ${DISABLE_AFTER_FAILING_HOURS})
                                   then 'failing' else disabled_reason end,
            disabled_at = case when disabled_at is null and coalesce(failing_since, now()) <= now() - make_interval(hours => ${DISABLE_AFTER_FAILING_HOURS})
                               then now() else disabled_at end
          where id = ${row.endpointId}
          returning disabled_at is not null as disabled`;
    const endpointDisabled = endpoint?.disabled ?? true;
    const next = retryIn !== null && !endpointDisabled ? retryIn : null;
    await sql`
      update webhook_deliveries set
        attempt_count = ${job.attempt}, last_attempt_at = ${timestamp},
        status = ${result.succeeded ? "succeeded" : next !== null ? "pending" : "failed"},
        next_attempt_at = ${next !== null ? sql`now() + make_interval(secs => ${next})` : null}
      where id = ${job.deliveryId}`;
    if (next !== null) {
      await sql`
        select graphile_worker.add_job(
          ${DELIVER_WEBHOOK_TASK}, ${sql.json({ deliveryId: job.deliveryId, attempt: job.attempt + 1 })}::json,
          run_at => now() + make_interval(secs => ${next}),
          job_key => ${`webhook-delivery:${job.deliveryId}`},
          max_attempts => 5)`;
    }
    return { outcome: result.succeeded ? "succeeded" : "failed", status: result.status, retryInSeconds: next, endpointDisabled };
  }, deps.db);

  const log = deps.log.child({ deliveryId: job.deliveryId, messageId: row.messageId, attempt: job.attempt });
  if (recorded.outcome === "succeeded") log.info("webhook delivered", { status: result.status, durationMs: result.durationMs });
  else if (recorded.outcome === "failed") {
    log.warn("webhook attempt failed", { status: result.status, error: result.error, retryInSeconds: recorded.retryInSeconds, endpointDisabled: recorded.endpointDisabled });
  }
  return recorded;
}
