/**
 * One generation through the pipeline: claim it, write its content, render
 * its images, store them, then record the output and `completed` in one
 * transaction (lib/generations/files.ts renders and stores). The job queue (lib/jobs/worker.ts) calls processGeneration
 * once per attempt; everything here is safe to run again after a crash.
 *
 * The worker is a system job, so it uses the service path, and every
 * statement names the job's own generation id and user id.
 *
 *  - Deleted meanwhile: checked under the row's lock when claiming, and again
 *    under the lock that records the output; files written by then are
 *    removed, and a deleted row is never brought back.
 *  - A person's own upload: files are written with putRendered, which never
 *    replaces an image a person uploaded, even one that lands mid-job.
 *  - Alt text: written with the output, for the image and each slide (lib/generations/alt-text.ts).
 *  - Brand kit: read when rendering, with the template's overrides (lib/brand/theme.ts).
 *  - Exactly once: the final UPDATE requires status `processing`, so a second
 *    run that races the first finds the work done.
 *  - Failures: a transient writer error is retried here with backoff, and
 *    beyond that by the queue (status goes back to `queued` meanwhile); a
 *    permanent one, or the last attempt, ends `failed` with a reason a
 *    person can read.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { asService, type Sql } from "@/lib/db/client";
import type { Logger } from "@/lib/log";
import { altTextsFor } from "@/lib/generations/alt-text";
import { limitsFor, TemplateContentError, type GeneratedContent, type Limits } from "@/lib/generations/content";
import type { OutputFormat } from "@/lib/generations/generations";
import { renderAndStore } from "@/lib/generations/files";
import { renderThemeFor } from "@/lib/brand/theme";
import { detectLanguage } from "@/lib/render/language";
import type { FileStorage } from "@/lib/storage/types";
import { TransientWriterError, type Writer } from "@/lib/ai/writer";

export type PipelineDeps = {
  db: Sql;
  storage: FileStorage;
  writer: Writer;
  log: Logger;
  /** In-job retries of a transient writer failure (default 3 tries, 1 s, 4 s between). */
  retry?: { tries: number; baseDelayMs: number };
};

export type PipelineJob = { generationId: string; userId: string };
export type PipelineAttempt = { attempt: number; maxAttempts: number; signal?: AbortSignal };

export type PipelineOutcome =
  | { outcome: "completed"; files: string[]; kept: string[] }
  | { outcome: "failed"; reason: string }
  | { outcome: "cancelled" }
  | { outcome: "already-done"; status: string };

/** Thrown to hand the job back to the queue for a later attempt (the generation is `queued` again). */
export class ReleasedForRetry extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ReleasedForRetry";
  }
}

/** A failure no retry will fix; its message is what the person reads. */
class PermanentFailure extends Error {}

type Claimed = { inputContent: string; outputFormat: OutputFormat; templateContent: unknown; language: string | null };

const MAX_RETRY_AFTER_MS = 60_000;

const UNEXPECTED =
  "An unexpected error stopped this generation after several attempts. Retry it with retryGeneration; if it fails again, contact support.";

async function claim(db: Sql, job: PipelineJob): Promise<Claimed | { done: PipelineOutcome }> {
  return asService(async (sql) => {
    const [row] = await sql<{ inputContent: string; outputFormat: OutputFormat; templateId: string | null; status: string; deletedAt: Date | null; language: string | null }[]>`
      select input_content, output_format, template_id, status, deleted_at, language from public.generations
      where id = ${job.generationId} and user_id = ${job.userId}
      for update`;
    if (!row || row.deletedAt) return { done: { outcome: "cancelled" } };
    if (row.status !== "queued" && row.status !== "processing") return { done: { outcome: "already-done", status: row.status } };
    await sql`update public.generations set status = 'processing' where id = ${job.generationId} and user_id = ${job.userId}`;
    const claimed = { inputContent: row.inputContent, outputFormat: row.outputFormat, language: row.language };
    if (!row.templateId) return { ...claimed, templateContent: null };
    // The person's own template or a system one; the foreign key alone would accept anyone's.
    const [template] = await sql<{ content: unknown }[]>`
      select content from public.templates
      where id = ${row.templateId} and (user_id is null or user_id = ${job.userId})`;
    return { ...claimed, templateContent: template?.content ?? null };
  }, db);
}

async function write(deps: PipelineDeps, inputContent: string, limits: Limits, signal: AbortSignal | undefined): Promise<GeneratedContent> {
  const { tries, baseDelayMs } = deps.retry ?? { tries: 3, baseDelayMs: 1000 };
  for (let attempt = 1; ; attempt++) {
    try {
      return await deps.writer.write({ inputContent, limits, signal });
    } catch (error) {
      if (signal?.aborted) throw error;
      if (!(error instanceof TransientWriterError)) throw new PermanentFailure((error as Error).message, { cause: error });
      if (attempt >= tries) throw error;
      const backoff = baseDelayMs * 4 ** (attempt - 1) * (0.75 + Math.random() * 0.5);
      // A server's Retry-After is honoured up to a minute; asked to wait longer, the job goes back to the queue.
      if ((error.retryAfterMs ?? 0) > MAX_RETRY_AFTER_MS) throw error;
      const delay = Math.max(backoff, error.retryAfterMs ?? 0);
      deps.log.warn("writer failed; trying again", { attempt, delayMs: Math.round(delay), error: (error as Error).message });
      await sleep(delay, undefined, signal ? { signal } : undefined);
    }
  }
}

/** Records `failed` with its reason, unless the generation was deleted or finished meanwhile. */
async function fail(db: Sql, job: PipelineJob, reason: string): Promise<PipelineOutcome> {
  const rows = await db`
    update public.generations set status = 'failed', failure_reason = ${reason.slice(0, 2000)}
    where id = ${job.generationId} and user_id = ${job.userId} and deleted_at is null and status = 'processing'
    returning id`;
  return rows.length ? { outcome: "failed", reason } : { outcome: "cancelled" };
}

/** processing -> queued: the queue will run this generation again. */
async function release(db: Sql, job: PipelineJob): Promise<void> {
  await db`
    update public.generations set status = 'queued'
    where id = ${job.generationId} and user_id = ${job.userId} and deleted_at is null and status = 'processing'`;
}

export async function processGeneration(deps: PipelineDeps, job: PipelineJob, attempt: PipelineAttempt): Promise<PipelineOutcome> {
  const log = deps.log.child({ generationId: job.generationId, attempt: attempt.attempt });
  const claimed = await claim(deps.db, job);
  if ("done" in claimed) {
    log.info("nothing to do", { outcome: claimed.done.outcome });
    return claimed.done;
  }
  try {
    const limits = limitsFor(claimed.outputFormat, claimed.templateContent);
    // The brand kit as it is now (lib/brand/theme.ts): a retry renders with the current kit, finished files never change.
    // Read before writing, so a template's unusable overrides fail the job before a model call is spent.
    const theme = await renderThemeFor({ ...deps, log }, job.userId, claimed.templateContent);
    const content = await write(deps, claimed.inputContent, limits, attempt.signal);
    // Deleted while the writer worked: nothing is rendered or stored.
    const [live] = await deps.db`select 1 from public.generations where id = ${job.generationId} and user_id = ${job.userId} and deleted_at is null`;
    if (!live) {
      log.info("generation deleted while processing; nothing was stored");
      return { outcome: "cancelled" };
    }
    // In the language the person gave, or the one their text is in.
    const language = claimed.language ?? detectLanguage(claimed.inputContent);
    const stored = await renderAndStore(deps.storage, job, content, { theme, language, signal: attempt.signal });
    const outcome = await asService(async (sql): Promise<PipelineOutcome> => {
      const [row] = await sql<{ status: string; deletedAt: Date | null }[]>`
        select status, deleted_at from public.generations where id = ${job.generationId} and user_id = ${job.userId} for update`;
      if (!row || row.deletedAt) return { outcome: "cancelled" } as const;
      if (row.status !== "processing") return { outcome: "already-done", status: row.status } as const;
      const alt = altTextsFor(content);
      const slides = content.format === "carousel" ? content.slides.map((slide, index) => ({ ...slide, altText: alt.slides![index]! })) : null;
      await sql`
        update public.generations set
          status = 'completed', completed_at = now(), failure_reason = null,
          bullet_points = ${content.format === "bullet_points" ? sql.json(content.bulletPoints) : sql`bullet_points`},
          slides = ${slides ? sql.json(slides) : null},
          quote = ${content.format === "canva_design" ? content.quote : null},
          alt_text = ${alt.image}
        where id = ${job.generationId} and user_id = ${job.userId}`;
      return { outcome: "completed", files: stored.files, kept: stored.kept } as const;
    }, deps.db);
    if (outcome.outcome === "cancelled") {
      // Deleted while we worked: take back what we wrote, never the row.
      await deps.storage.remove(stored.written);
      log.info("generation deleted while processing; its files were removed", { removed: stored.written.length });
    } else {
      log.info("generation processed", { outcome: outcome.outcome, writer: deps.writer.name, files: stored.written.length, kept: stored.kept.length });
    }
    return outcome;
  } catch (error) {
    if (attempt.signal?.aborted) {
      await release(deps.db, job);
      throw new ReleasedForRetry("The worker is shutting down; the generation goes back to the queue.", { cause: error });
    }
    if (error instanceof TemplateContentError || error instanceof PermanentFailure) {
      log.warn("generation failed", { reason: error.message });
      return fail(deps.db, job, error.message);
    }
    const last = attempt.attempt >= attempt.maxAttempts;
    if (last) {
      const reason = error instanceof TransientWriterError ? `${error.message} (gave up after ${attempt.maxAttempts} attempts; retry it later)` : UNEXPECTED;
      log.error("generation failed on its last attempt", { error, reason });
      return fail(deps.db, job, reason);
    }
    log.warn("generation attempt failed; the queue will try again", { error });
    await release(deps.db, job);
    throw new ReleasedForRetry((error as Error).message, { cause: error });
  }
}
