/**
 * The signed-in person's own account, as the API shows it. Read as the
 * caller: under row-level security a person can only ever read their own
 * users row, so asking for anyone else's answers nothing.
 */
import type { Sql } from "@/lib/db/client";
import type { Tier } from "@/lib/billing/plans";
import { inRequestedOrder, isUuid } from "@/lib/ids";

/** tier is the effective one (private.effective_tier): a subscription that has run out reads as free. */
export type ViewerRow = { id: string; email: string; tier: Tier; createdAt: Date; lastSignedInAt: Date | null };

/** One query for any number of users ids; in the order asked, null for every row but the caller's own. */
export async function viewersByIds(sql: Sql, ids: readonly string[]): Promise<(ViewerRow | null)[]> {
  const wellFormed = ids.filter(isUuid);
  const rows = wellFormed.length
    ? await sql<ViewerRow[]>`
        select id, email, coalesce((select b.tier from private.viewer_billing() b), tier) as tier,
               created_at, last_login as last_signed_in_at
        from users where id = any(${wellFormed}::uuid[])`
    : [];
  return inRequestedOrder(ids, rows);
}
