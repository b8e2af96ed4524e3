/**
 * `npm run webhooks:retry`: re-applies every webhook event that is recorded
 * but not processed (its effect failed, or had to wait for an earlier
 * event), for every provider in lib/webhooks/handlers.ts, oldest first, then
 * finishes what those events left owed outside the database. Safe to run at
 * any time and more than once: an event is applied at most once, and one
 * being delivered right now is left to that delivery.
 *
 * Uses DATABASE_URL; when it is unset, starts the embedded database (as
 * `npm run db:migrate` does). Exits 1 if any event still fails.
 */
import { retryPendingWebhooks } from "@/lib/webhooks/handlers";
import { runMaintenance, say } from "@/scripts/database";

runMaintenance(async ({ db, storage }) => {
  const reports = await retryPendingWebhooks({ db, storage });
  for (const { provider, processed, failed, followUp } of reports) {
    say(`${provider}: ${processed} event(s) processed, ${failed} still failing${followUp ? `; ${followUp}` : ""}`);
  }
  return reports.some((report) => report.failed > 0) ? 1 : 0;
});
