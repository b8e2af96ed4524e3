/**
 * Sending a finished generation to Canva as an editable design.
 *
 * requestSend records the send (private.canva_sends) and queues a
 * graphile-worker job in one transaction; a send already queued or running
 * is returned as it is, and a later one makes a new design that replaces
 * the stored id (the images may have been made again since). The job
 * (processSend, one call per attempt):
 *   - a CAROUSEL: its PDF (made if missing) through the Design Import API;
 *   - a card: its PNG uploaded as an asset, then a design of the card's
 *     size made from it;
 * then stores generations.canva_design_id and marks the send ready. Canva's
 * 429s are waited out by the client; a grant Canva refuses ends the send
 * `failed`, asking to reconnect; other failures go back to the queue (with
 * its backoff) until the last attempt.
 */
import { asService, type Sql } from "@/lib/db/client";
import { NotFoundError, PreconditionError } from "@/lib/errors";
import type { Logger } from "@/lib/log";
import { CanvaNotConnectedError, RECONNECT_REASON, withCanvaAccess, type CanvaDeps } from "@/lib/canva/accounts";
import { CanvaApiError, type CanvaDesign } from "@/lib/canva/client";
import { ensureCarouselPdf } from "@/lib/generations/pdf";
import { StorageObjectNotFoundError } from "@/lib/storage/errors";
import { generationObjectPath, type FileStorage } from "@/lib/storage/types";

export const CANVA_SEND_TASK = "canva_send";
// The cards' sizes (lib/render/cards.ts, not imported: it loads resvg's native addon, which the API route cannot bundle).
const BULLET_CARD_SIZE = { width: 1080, height: 1350 } as const;
const QUOTE_CARD_SIZE = { width: 1080, height: 1080 } as const;
const MAX_ATTEMPTS = 5;

type SendStatus = "queued" | "sending" | "ready" | "failed";
export type CanvaSendState = { status: SendStatus; failureReason: string | null; requestedAt: Date; finishedAt: Date | null };
export type SendDeps = CanvaDeps & { storage: FileStorage };

const UNEXPECTED = "Sending to Canva failed several times for a reason on our side. Send it again later; if it keeps failing, contact support.";

/** Queues a send of one of this person's finished generations (or returns the one in flight). */
export async function requestSend(deps: Pick<CanvaDeps, "db">, userId: string, generationId: string): Promise<CanvaSendState> {
  return asService(async (sql) => {
    const [generation] = await sql<{ status: string }[]>`
      select status from public.generations where id = ${generationId} and user_id = ${userId} and deleted_at is null for update`;
    if (!generation) throw new NotFoundError("generation", generationId);
    if (generation.status !== "completed") {
      throw new PreconditionError(`Only a finished generation can be sent to Canva; this one is ${generation.status}: wait for it to complete.`, {
        status: generation.status.toUpperCase(),
      });
    }
    const [account] = await sql<{ status: string }[]>`select status from private.canva_accounts where user_id = ${userId}`;
    if (account?.status !== "connected") throw new CanvaNotConnectedError(account ? RECONNECT_REASON : undefined);
    const [existing] = await sql<CanvaSendState[]>`
      select status, failure_reason, requested_at, finished_at from private.canva_sends where generation_id = ${generationId} for update`;
    if (existing && (existing.status === "queued" || existing.status === "sending")) return existing;
    const [state] = await sql<CanvaSendState[]>`
      insert into private.canva_sends (generation_id, user_id, status) values (${generationId}, ${userId}, 'queued')
      on conflict (generation_id) do update set status = 'queued', failure_reason = null, requested_at = now(), finished_at = null
      returning status, failure_reason, requested_at, finished_at`;
    await sql`
      select graphile_worker.add_job(${CANVA_SEND_TASK}::text, ${sql.json({ generationId, userId })}::json,
               job_key => ${`canva-send:${generationId}`}::text, max_attempts => ${MAX_ATTEMPTS}::int)`;
    return state!;
  }, deps.db);
}

/** The latest send, and the design, of each of these generations of this person (the service path). */
export async function sendsOf(
  db: Sql | undefined,
  userId: string,
  generationIds: readonly string[],
): Promise<{ sends: Map<string, CanvaSendState>; designs: Map<string, string> }> {
  const rows = await asService(
    (sql) => sql<(Partial<CanvaSendState> & { id: string; canvaDesignId: string | null })[]>`
      select g.id, g.canva_design_id, s.status, s.failure_reason, s.requested_at, s.finished_at
        from public.generations g left join private.canva_sends s on s.generation_id = g.id
       where g.user_id = ${userId} and g.id = any(${generationIds as string[]})`,
    db,
  );
  const sends = new Map<string, CanvaSendState>();
  const designs = new Map<string, string>();
  for (const { id, canvaDesignId, ...send } of rows) {
    if (send.status) sends.set(id, send as CanvaSendState);
    if (canvaDesignId) designs.set(id, canvaDesignId);
  }
  return { sends, designs };
}

type SendJob = { generationId: string; userId: string };
type Generation = { outputFormat: string; inputContent: string; slides: { title: string }[] | null; quote: string | null; bulletPoints: string[] | null };

function titleOf(generation: Generation): string {
  const line = generation.slides?.[0]?.title ?? generation.quote ?? generation.bulletPoints?.[0] ?? generation.inputContent;
  return line.replace(/\s+/g, " ").trim().slice(0, 50) || "Postora post";
}

async function makeDesign(deps: SendDeps, job: SendJob, generation: Generation, signal?: AbortSignal): Promise<CanvaDesign> {
  const title = titleOf(generation);
  if (generation.outputFormat === "carousel") {
    const path = await ensureCarouselPdf(deps.storage, { id: job.generationId, userId: job.userId, slides: generation.slides ?? [] });
    const pdf = await deps.storage.read(path);
    return withCanvaAccess(deps, job.userId, (token, client) => client.importDesign(token, title, pdf, "application/pdf", signal));
  }
  const png = await deps.storage.read(generationObjectPath(job.userId, job.generationId));
  const size = generation.outputFormat === "canva_design" ? QUOTE_CARD_SIZE : BULLET_CARD_SIZE;
  return withCanvaAccess(deps, job.userId, async (token, client) => {
    const assetId = await client.uploadAsset(token, `${title}.png`, png, signal);
    return client.createDesign(token, { title, assetId, width: size.width, height: size.height }, signal);
  });
}

async function finish(db: Sql | undefined, job: SendJob, status: "ready" | "failed" | "queued", reason: string | null = null): Promise<void> {
  await asService(
    (sql) => sql`
      update private.canva_sends set status = ${status}, failure_reason = ${reason},
             finished_at = ${status === "queued" ? null : sql`now()`}
       where generation_id = ${job.generationId} and status = 'sending'`,
    db,
  );
}

/** Thrown to hand the job back to the queue for a later attempt. */
export class SendRetryLater extends Error {}

export type SendOutcome = { outcome: "ready"; designId: string } | { outcome: "failed"; reason: string } | { outcome: "nothing-to-do" };

export async function processSend(deps: SendDeps, job: SendJob, attempt: { attempt: number; maxAttempts: number; signal?: AbortSignal }): Promise<SendOutcome> {
  const log: Logger = deps.log.child({ generationId: job.generationId, attempt: attempt.attempt });
  const [claimed] = await asService(
    (sql) => sql`
      update private.canva_sends set status = 'sending'
       where generation_id = ${job.generationId} and user_id = ${job.userId} and status in ('queued', 'sending') returning status`,
    deps.db,
  );
  if (!claimed) return { outcome: "nothing-to-do" };
  const [generation] = await asService(
    (sql) => sql<Generation[]>`
      select output_format, input_content, slides, quote, bullet_points from public.generations
       where id = ${job.generationId} and user_id = ${job.userId} and deleted_at is null and status = 'completed'`,
    deps.db,
  );
  const failed = async (reason: string): Promise<SendOutcome> => {
    await finish(deps.db, job, "failed", reason);
    log.warn("canva send failed", { reason });
    return { outcome: "failed", reason };
  };
  if (!generation) return failed("This generation was deleted or is being made again; send it once it is finished.");
  try {
    const design = await makeDesign(deps, job, generation, attempt.signal);
    await asService(async (sql) => {
      await sql`update public.generations set canva_design_id = ${design.id} where id = ${job.generationId} and deleted_at is null`;
      await sql`update private.canva_sends set status = 'ready', failure_reason = null, finished_at = now() where generation_id = ${job.generationId}`;
    }, deps.db);
    log.info("sent to canva", { designId: design.id });
    return { outcome: "ready", designId: design.id };
  } catch (error) {
    if (error instanceof CanvaNotConnectedError) return failed(error.message);
    if (error instanceof StorageObjectNotFoundError) return failed("This generation has no stored image to send: retry the generation, then send it again.");
    const refused = error instanceof CanvaApiError && error.status >= 400 && error.status < 500 && error.status !== 429 && error.status !== 408;
    if (refused) return failed(`Canva refused the design (${error.code}): ${error.message.replace(/^Canva answered \d+ \S+: /, "")}`);
    if (attempt.attempt >= attempt.maxAttempts) {
      log.error("canva send failed on its last attempt", { error });
      return failed(UNEXPECTED);
    }
    log.warn("canva send attempt failed; the queue will try again", { error });
    await finish(deps.db, job, "queued");
    throw new SendRetryLater((error as Error).message, { cause: error });
  }
}
