const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids in our tables are UUIDs; anything else cannot name a row (and would make Postgres raise). */
export function isUuid(value: string): boolean {
  return uuid.test(value);
}

/** Rows in the order their ids were asked for, null where no row came back (what a batch loader returns). */
export function inRequestedOrder<Row extends { id: string }>(ids: readonly string[], rows: readonly Row[]): (Row | null)[] {
  const byId = new Map(rows.map((row) => [row.id, row]));
  return ids.map((id) => byId.get(id) ?? null);
}
