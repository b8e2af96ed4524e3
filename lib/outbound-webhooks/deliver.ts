/**
 * One attempt at one delivery: the graphile-worker task `deliver_webhook`.
 *
 * The database trigger (supabase/migrations/20261207080000_outbound_webhooks.sql)
 * queues attempt 1 of every delivery in the transaction that made the event.
 * This task signs the message (the `standardwebhooks` package: webhook-id is
 * the message id, the same on every attempt; webhook-timestamp is the
 * attempt's time; for a day after a rotation, one signature per secret,
 * lib/outbound-webhooks/secrets.ts), POSTs it (lib/outbound-webhooks/target.ts), and then, in
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
import type { Sql } from "@/lib/db/client";
import type { Logger } from "@/lib/log";
import type { SecretBox } from "@/lib/secrets/box";
import { endpointSecretContext } from "@/lib/outbound-webhooks/secrets";
import { sendToTarget, type SendResult, type TargetPolicy } from "@/lib/outbound-webhooks/target";

export const DELIVER_WEBHOOK_TASK = "deliver_webhook";

/** Seconds to wait after failed attempt n before attempt n+1 (Svix's schedule): 8 attempts over about 27.6 hours. */
const RETRY_DELAYS_SECONDS = [5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600] as const;
export const MAX_DELIVERY_ATTEMPTS = RETRY_DELAYS_SECONDS.length + 1;
/** An endpoint whose attempts have all failed for this long is disabled. */
const DISABLE_AFTER_FAILING_HOURS = 72;

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
  /** The secret before the last rotation, while its window lasts; null otherwise. */
  previousSecretSealed: string | null;
  disabledAt: Date | null;
  userId: string;
};

export async function deliverWebhook(deps: DeliveryDeps, job: DeliveryJob): Promise<DeliveryOutcome> {
  const [row] = await deps.db<Loaded[]>`
    select d.attempt_count, m.id as message_id, m.payload, e.id as endpoint_id, e.url, e.secret_sealed,
           case when e.previous_secret_expires_at > now() then e.previous_secret_sealed end as previous_secret_sealed,
           e.disabled_at, d.user_id
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
  const timestamp = new Date();
  const secret = openSecret(deps, row, row.secretSealed);
  // The previous secret signs too while its window lasts; one that does not open only loses its own signature.
  const previous = row.previousSecretSealed === null ? null : openSecret(deps, row, row.previousSecretSealed);
  const result: SendResult =
    secret === null
      ? { status: null, succeeded: false, error: UNOPENABLE_SECRET, durationMs: 0, body: "" }
      : await sendToTarget(
          row.url,
          body,
          {
            "webhook-id": row.messageId,
            "webhook-timestamp": String(Math.floor(timestamp.getTime() / 1000)),
            "webhook-signature": [secret, previous]
              .filter((key) => key !== null)
              .map((key) => new Webhook(key).sign(row.messageId, timestamp, body))
              .join(" "),
          },
          { policy: deps.policy, timeoutMs: deps.timeoutMs ?? 10_000, maxResponseBytes: MAX_RESPONSE_BYTES },
        );
  const retryIn = !result.succeeded && !job.manual && job.attempt < MAX_DELIVERY_ATTEMPTS ? RETRY_DELAYS_SECONDS[job.attempt - 1]! : null;

  const recorded = await record(deps.db, job, row, { at: timestamp, result, retryIn });

  const log = deps.log.child({ deliveryId: job.deliveryId, messageId: row.messageId, attempt: job.attempt });
  if (recorded.outcome === "succeeded") log.info("webhook delivered", { status: result.status, durationMs: result.durationMs });
  else if (recorded.outcome === "failed") {
    log.warn("webhook attempt failed", { status: result.status, error: result.error, retryInSeconds: recorded.retryInSeconds, endpointDisabled: recorded.endpointDisabled });
  }
  return recorded;
}

const UNOPENABLE_SECRET =
  "Not sent: this endpoint's signing secret cannot be opened (it was altered, or sealed under a key this server no longer has). Rotate it with rotateWebhookEndpointSecret.";

/** One of the endpoint's signing secrets, or null (logged) when it does not open: an attempt that fails, never a task that crashes. */
function openSecret(deps: DeliveryDeps, row: Loaded, sealed: string): string | null {
  try {
    return deps.box.open(sealed, endpointSecretContext(row.endpointId));
  } catch (error) {
    deps.log.error("a webhook endpoint's signing secret does not open", { endpointId: row.endpointId, error });
    return null;
  }
}

/**
 * Records an attempt in ONE statement (one round trip, one implicit
 * transaction): the delivery's row lock is the guard (an attempt already
 * recorded is not recorded again), then the attempt, the endpoint's
 * success or failure (72 hours of failures disable it), the delivery's new
 * state and, if another attempt is due, its job.
 *
 * A success writes the endpoint's row at most once a minute
 * (last_success_at to the minute): concurrent deliveries to one endpoint
 * would otherwise queue on its row lock.
 */
async function record(
  db: Sql,
  job: DeliveryJob,
  row: Loaded,
  attempt: { at: Date; result: SendResult; retryIn: number | null },
): Promise<DeliveryOutcome> {
  const { result } = attempt;
  const endpointUpdate = result.succeeded
    ? db`
        update webhook_endpoints set last_success_at = now(), failing_since = null
        where id = ${row.endpointId} and exists (select 1 from current)
          and (failing_since is not null or last_success_at is null or last_success_at < now() - interval '1 minute')
        returning false as disabled`
    : db`
        update webhook_endpoints set
          failing_since = coalesce(failing_since, now()),
          disabled_reason = case when disabled_at is null and coalesce(failing_since, now()) <= now() - make_interval(hours => ${DISABLE_AFTER_FAILING_HOURS})
                                 then 'failing' else disabled_reason end,
          disabled_at = case when disabled_at is null and coalesce(failing_since, now()) <= now() - make_interval(hours => ${DISABLE_AFTER_FAILING_HOURS})
                             then now() else disabled_at end
        where id = ${row.endpointId} and exists (select 1 from current)
        returning disabled_at is not null as disabled`;
  const [outcome] = await db<{ recorded: boolean; gone: boolean; retryIn: number | null; disabled: boolean | null; queued: number }[]>`
    with current as (
      select id from webhook_deliveries where id = ${job.deliveryId} and attempt_count < ${job.attempt} for update
    ), endpoint as (
      ${endpointUpdate}
    ), next as (
      select ${attempt.retryIn}::int as seconds
       where ${attempt.retryIn}::int is not null and not coalesce((select disabled from endpoint), true)
    ), attempt as (
      insert into webhook_attempts (delivery_id, user_id, number, attempted_at, succeeded, response_status, error, duration_ms, manual)
      select id, ${row.userId}, ${job.attempt}, ${attempt.at}, ${result.succeeded}, ${result.status},
             ${result.error?.slice(0, 500) ?? null}, ${result.durationMs}, ${job.manual ?? false}
        from current
    ), delivery as (
      update webhook_deliveries set
        attempt_count = ${job.attempt}, last_attempt_at = ${attempt.at},
        status = case when ${result.succeeded} then 'succeeded' when exists (select 1 from next) then 'pending' else 'failed' end,
        next_attempt_at = now() + make_interval(secs => (select seconds from next))
      where id in (select id from current)
    ), queued as (
      select graphile_worker.add_job(
               ${DELIVER_WEBHOOK_TASK}, ${db.json({ deliveryId: job.deliveryId, attempt: job.attempt + 1 })}::json,
               run_at => now() + make_interval(secs => seconds),
               job_key => ${`webhook-delivery:${job.deliveryId}`},
               max_attempts => 5)
        from next where exists (select 1 from current)
    )
    select exists (select 1 from current) as recorded,
           not exists (select 1 from webhook_deliveries where id = ${job.deliveryId}) as gone,
           (select seconds from next) as retry_in,
           (select disabled from endpoint) as disabled,
           (select count(*)::int from queued) as queued`;
  if (!outcome!.recorded) return outcome!.gone ? { outcome: "gone" } : { outcome: "already-attempted" };
  return {
    outcome: result.succeeded ? "succeeded" : "failed",
    status: result.status,
    retryInSeconds: outcome!.retryIn,
    endpointDisabled: outcome!.disabled ?? false,
  };
}

/** Days an event and its deliveries' history are kept (one still being retried is kept until it is done). */
const HISTORY_DAYS = 30;

/** Deletes webhook history older than HISTORY_DAYS; graphile-worker's cron runs it daily (lib/jobs/worker.ts). */
export async function pruneWebhookHistory(db: Sql): Promise<number> {
  const [row] = await db<{ pruned: number }[]>`
    with pruned as (
      delete from webhook_messages m
       where m.created_at < now() - make_interval(days => ${HISTORY_DAYS})
         and not exists (select 1 from webhook_deliveries d where d.message_id = m.id and d.status = 'pending')
      returning 1
    )
    select count(*)::int as pruned from pruned`;
  return row!.pruned;
}
