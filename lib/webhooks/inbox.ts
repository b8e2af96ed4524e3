/**
 * The webhook inbox: once-only processing for every provider (Clerk through
 * svix, Stripe), so each provider's module only verifies and says what an
 * event does.
 *
 * Providers deliver at least once, in no guaranteed order, and retry
 * anything that is not a 2xx. So each event is recorded in webhook_events
 * under (provider, event id) and applied in one transaction that holds that
 * row's lock: a replay, or a second delivery racing the first, finds the row
 * processed and does nothing. If the effect fails it is rolled back to a
 * savepoint, the row keeps the attempt and the error, and the caller answers
 * 5xx so the provider tries again; `npm run webhooks:retry` re-applies what
 * is still unprocessed (reprocessPending). Effects themselves should be
 * order-proof (see lib/users/sync.ts).
 *
 * Work that must not happen inside the transaction (files in storage, calls
 * to other services) belongs to the provider's module, after receiveWebhook
 * returns: the effect's note and the outcome say what was committed.
 */
import type postgres from "postgres";
import { z } from "zod";
import { asService, type Sql } from "@/lib/db/client";
import { logger } from "@/lib/log";

const log = logger.child({ source: "webhooks.inbox" });

export type WebhookProvider = "clerk" | "stripe";

/** A delivery whose signature checked out, in the shape every provider shares. */
export type InboxDelivery = {
  provider: WebhookProvider;
  /** The provider's id for the event (svix-id, Stripe's evt_...): the same on every retry of it. */
  eventId: string;
  type: string;
  /** The whole event as the provider sent it; stored, and what a later retry applies. */
  payload: Record<string, unknown>;
  /** When the provider says the event happened. */
  occurredAt: Date;
};

export type WebhookOutcome =
  | { status: "processed"; note: string }
  | { status: "duplicate" }
  /** Not applied (or not finished); recorded on the event row. Answer 5xx so the provider retries. */
  | { status: "failed"; error: string };

/** Thrown by an effect that cannot happen yet (an earlier event is missing): recorded, retried later, logged at info. */
export class RetryLater extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RetryLater";
  }
}

/** Applies one event inside the inbox's transaction and says what it did (stored in the log, returned as `note`). */
export type WebhookApply = (sql: Sql, delivery: InboxDelivery) => Promise<string>;

const providerNames: Record<WebhookProvider, string> = { clerk: "Clerk", stripe: "Stripe" };

function describe(provider: WebhookProvider, error: unknown): string {
  if (error instanceof z.ZodError) {
    return `the event's data is not what ${providerNames[provider]} documents: ${z.prettifyError(error).replace(/\n/g, "; ")}`;
  }
  return error instanceof Error ? error.message : String(error);
}

/**
 * Applies a delivery whose row this transaction has locked and found
 * unprocessed, and records the result on the row.
 */
async function applyLocked(sql: Sql, rowId: string, delivery: InboxDelivery, apply: WebhookApply): Promise<WebhookOutcome> {
  const context = { provider: delivery.provider, eventId: delivery.eventId, type: delivery.type };
  await sql`savepoint effects`;
  try {
    const note = await apply(sql, delivery);
    await sql`release savepoint effects`;
    await sql`
      update webhook_events set processed = true, processed_at = now(), attempts = attempts + 1, last_error = null
      where id = ${rowId}`;
    log.info("event processed", { ...context, note });
    return { status: "processed", note };
  } catch (error) {
    await sql`rollback to savepoint effects`;
    const message = describe(delivery.provider, error);
    await sql`update webhook_events set attempts = attempts + 1, last_error = ${message} where id = ${rowId}`;
    if (error instanceof RetryLater) log.info("event deferred until it is retried", { ...context, reason: message });
    else log.error("event failed; recorded for a retry", { ...context, error });
    return { status: "failed", error: message };
  }
}

/** Records the delivery once per (provider, eventId) in webhook_events, then applies it exactly once under that
 *  row's lock; a failed effect is rolled back to a savepoint and recorded (attempts + 1, last_error). */
export function receiveWebhook(delivery: InboxDelivery, apply: WebhookApply, options: { db?: Sql } = {}): Promise<WebhookOutcome> {
  return asService(async (sql): Promise<WebhookOutcome> => {
    await sql`
      insert into webhook_events (provider, event_id, type, payload, occurred_at)
      values (${delivery.provider}, ${delivery.eventId}, ${delivery.type},
              ${sql.json(delivery.payload as postgres.JSONValue)}, ${delivery.occurredAt})
      on conflict (provider, event_id) do nothing`;
    // Waits for a concurrent delivery of the same event to finish, then sees what it did.
    const [event] = await sql<{ id: string; processed: boolean }[]>`
      select id, processed from webhook_events
      where provider = ${delivery.provider} and event_id = ${delivery.eventId} for update`;
    if (event!.processed) return { status: "duplicate" };
    return applyLocked(sql, event!.id, delivery, apply);
  }, options.db);
}

type PendingRow = { id: string; eventId: string; type: string; payload: Record<string, unknown>; occurredAt: Date | null; createdAt: Date };

/** Re-applies every unprocessed event of one provider, oldest first (npm run webhooks:retry). */
export async function reprocessPending(
  provider: WebhookProvider,
  apply: WebhookApply,
  options: { db?: Sql } = {},
): Promise<{ processed: number; failed: number }> {
  const pending = await asService(
    (sql) => sql<{ id: string }[]>`
      select id from webhook_events where provider = ${provider} and not processed order by created_at, id`,
    options.db,
  );
  const counts = { processed: 0, failed: 0 };
  for (const { id } of pending) {
    const outcome = await asService(async (sql): Promise<WebhookOutcome | null> => {
      // A delivery of this event being applied right now is left to finish it.
      const [row] = await sql<PendingRow[]>`
        select id, event_id, type, payload, occurred_at, created_at from webhook_events
        where id = ${id} and not processed for update skip locked`;
      if (!row) return null;
      const delivery: InboxDelivery = {
        provider,
        eventId: row.eventId,
        type: row.type,
        payload: row.payload,
        // Rows recorded before occurred_at existed: when the event arrived is the best we know.
        occurredAt: row.occurredAt ?? row.createdAt,
      };
      return applyLocked(sql, row.id, delivery, apply);
    }, options.db);
    if (outcome?.status === "processed") counts.processed += 1;
    else if (outcome?.status === "failed") counts.failed += 1;
  }
  return counts;
}
