/**
 * Every webhook provider's effects, by provider: what the inbox
 * (lib/webhooks/inbox.ts) applies inside its transaction, and what must
 * follow once retried events have committed. `npm run webhooks:retry`
 * (scripts/webhooks-retry.ts) runs retryPendingWebhooks over all of them.
 */
import { applyStripeEvent } from "@/lib/billing/stripe-events";
import type { Sql } from "@/lib/db/client";
import { getStorage } from "@/lib/storage/index";
import type { FileStorage } from "@/lib/storage/types";
import { applyClerkEvent, finishClerkDeletions } from "@/lib/webhooks/clerk";
import { reprocessPending, type WebhookApply, type WebhookProvider } from "@/lib/webhooks/inbox";

/** provider -> what one of its events does to the database. */
const webhookHandlers: Partial<Record<WebhookProvider, WebhookApply>> = {
  clerk: (sql, delivery) => applyClerkEvent(sql, delivery),
  stripe: (sql, delivery) => applyStripeEvent(sql, delivery),
};

/** provider -> work outside the database its events may leave owed (a deleted user's files): run after a retry. */
const afterRetry: Partial<Record<WebhookProvider, (options: RetryOptions) => Promise<string>>> = {
  clerk: ({ db, storage }) => finishClerkDeletions({ storage: () => storage ?? getStorage(), db }),
};

type RetryOptions = {
  /** The pool to work through (default: the process's, from DATABASE_URL). */
  db?: Sql;
  /** Where owed files are removed from (default: the process's storage). */
  storage?: FileStorage;
};

export type RetryReport = { provider: WebhookProvider; processed: number; failed: number; followUp: string | null };

/** Re-applies every provider's unprocessed events, oldest first, then each provider's follow-up work. */
export async function retryPendingWebhooks(options: RetryOptions = {}): Promise<RetryReport[]> {
  const reports: RetryReport[] = [];
  for (const [provider, apply] of Object.entries(webhookHandlers) as [WebhookProvider, WebhookApply][]) {
    const { processed, failed } = await reprocessPending(provider, apply, { db: options.db });
    const followUp = (await afterRetry[provider]?.(options)) ?? null;
    reports.push({ provider, processed, failed, followUp });
  }
  return reports;
}
