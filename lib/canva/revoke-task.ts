/**
 * The worker's canva_revoke task (registered in lib/jobs/worker.ts): one
 * attempt at telling Canva to revoke a grant Postora let go of. The job is
 * queued by the database in the transaction that owes it (migration
 * 20261208050100); a failure throws, and graphile-worker's backoff decides
 * when it runs again. The refresh token stays sealed in
 * private.canva_revocations until Canva has answered.
 */
import type { Task } from "graphile-worker";
import { z } from "zod";
import type { Sql } from "@/lib/db/client";
import type { Logger } from "@/lib/log";
import { revokeOwedGrant, type CanvaDeps } from "@/lib/canva/accounts";
import { canvaDepsFromEnv } from "@/lib/canva/from-env";

export const CANVA_REVOKE_TASK = "canva_revoke";

const payloadSchema = z.object({ revocationId: z.union([z.string().regex(/^\d+$/), z.number().int().positive()]).transform(String) });

export function canvaRevokeTask(options: { db: Sql; log: Logger; canva?: (log: Logger) => Promise<CanvaDeps | null> }): Task {
  const canvaDeps = options.canva ?? canvaDepsFromEnv;
  return async (payload, helpers) => {
    const parsed = payloadSchema.safeParse(payload);
    if (!parsed.success) {
      options.log.error("canva_revoke job with a malformed payload was dropped", { jobId: helpers.job.id, payload });
      return;
    }
    const canva = await canvaDeps(options.log);
    // Without Canva configured there is no one to tell yet: fail, so the queue tries again once it is.
    if (!canva) throw new Error("Canva is not configured (CANVA_CLIENT_ID): the owed revocation waits for it.");
    await revokeOwedGrant({ ...canva, db: options.db }, parsed.data.revocationId);
  };
}
