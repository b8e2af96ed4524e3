/**
 * A person's retry of a failed generation: FAILED -> QUEUED, the one status
 * change people may make besides creating and deleting. The database does
 * the rest in the same transaction: the enqueue trigger adds its job and the
 * pipeline-columns guard clears the old failure reason.
 */
import type { Sql } from "@/lib/db/client";
import { NotFoundError, PreconditionError } from "@/lib/errors";
import { getGeneration, type GenerationRow } from "@/lib/generations/generations";
import { isUuid } from "@/lib/ids";

/** Runs in the caller's withUser transaction: another person's generation does not exist here. */
export async function retryGeneration(sql: Sql, id: string): Promise<GenerationRow> {
  if (!isUuid(id)) throw new NotFoundError("generation", id);
  const [row] = await sql<{ status: string }[]>`select status from generations where id = ${id} for update`;
  if (!row) throw new NotFoundError("generation", id);
  if (row.status !== "failed") {
    throw new PreconditionError(`Only a failed generation can be retried; this one is ${row.status}.`, { field: "input.id", status: row.status });
  }
  await sql`update generations set status = 'queued' where id = ${id}`;
  return getGeneration(sql, id);
}
