import type { Sql } from "@/lib/db/client";

export type Health = { checkedAt: Date; databaseRole: string };

/** The database's clock and the role the caller's SQL runs as: proof the RLS context was set up. */
export async function databaseHealth(sql: Sql): Promise<Health> {
  const [row] = await sql<{ now: Date; role: string }[]>`select now() as now, current_user as role`;
  return { checkedAt: row!.now, databaseRole: row!.role };
}
