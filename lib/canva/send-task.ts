/**
 * The worker's canva_send task (registered in lib/jobs/worker.ts): one
 * attempt of lib/canva/send.ts processSend per run; SendRetryLater hands
 * the job back to graphile-worker, whose backoff decides when it runs again.
 */
import type { Task } from "graphile-worker";
import { z } from "zod";
import type { Sql } from "@/lib/db/client";
import type { Logger } from "@/lib/log";
import type { FileStorage } from "@/lib/storage/types";
import { canvaDepsFromEnv } from "@/lib/canva/from-env";
import { processSend } from "@/lib/canva/send";

const payloadSchema = z.object({ generationId: z.uuid(), userId: z.uuid() });

export function canvaSendTask(options: { storage: FileStorage; db: Sql; log: Logger }): Task {
  return async (payload, helpers) => {
    const parsed = payloadSchema.safeParse(payload);
    if (!parsed.success) {
      options.log.error("canva_send job with a malformed payload was dropped", { jobId: helpers.job.id, payload });
      return;
    }
    const canva = await canvaDepsFromEnv(options.log);
    if (!canva) {
      options.log.error("canva_send job dropped: Canva is not configured (CANVA_CLIENT_ID)", { jobId: helpers.job.id });
      return;
    }
    await processSend({ ...canva, storage: options.storage, db: options.db }, parsed.data, {
      attempt: helpers.job.attempts,
      maxAttempts: helpers.job.max_attempts,
      signal: helpers.abortSignal,
    });
  };
}
