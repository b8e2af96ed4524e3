/**
 * A revocation Canva did not take is not forgotten: the grant's refresh
 * token stays sealed in private.canva_revocations, the database queued a
 * canva_revoke job with it, and the job (run here by graphile-worker's own
 * runOnce) revokes at Canva once Canva answers, retrying in between.
 */
import { Logger, makeWorkerUtils, runOnce, type WorkerUtils } from "graphile-worker";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asService, servicePool } from "@/lib/db/client";
import { getEnv } from "@/lib/env";
import { disconnect, finishConnect, startConnect } from "@/lib/canva/accounts";
import { CANVA_REVOKE_TASK, canvaRevokeTask } from "@/lib/canva/revoke-task";
import { approveAtCanva, canvaHarness, type CanvaHarness } from "@/test/canva";
import { seedUser } from "@/test/support";

let canva: CanvaHarness;
let utils: WorkerUtils;
/**
 * graphile-worker's utilities and runOnce share one pool this file owns and ends. A pool they make themselves can
 * still hold an idle connection when the file's database is dropped (test/per-file-database.ts), and pg raises the
 * server's goodbye on it (57P01) as an uncaught error.
 */
let pgPool: pg.Pool;
// The job's failures are expected here: graphile-worker's own log of them is noise.
const quiet = new Logger(() => () => {});

beforeAll(async () => {
  canva = await canvaHarness();
  pgPool = new pg.Pool({ connectionString: getEnv().databaseDirectUrl! });
  utils = await makeWorkerUtils({ pgPool, logger: quiet });
});
afterAll(async () => {
  await utils?.release();
  await pgPool?.end();
  await canva.standIn.close();
});

async function connected() {
  const person = await seedUser();
  const { authorizeUrl } = await startConnect(canva.deps, person.id);
  expect(await finishConnect(canva.deps, await approveAtCanva(authorizeUrl))).toMatchObject({ status: "connected" });
  const grants = (await canva.control("state")).grants as { revoked: boolean }[];
  return { person, grant: grants.length - 1 };
}

const revokedAtCanva = async (index: number) => ((await canva.control("state")).grants as { revoked: boolean }[])[index]!.revoked;
const owed = (userId: string) => asService((sql) => sql<{ id: string; lastError: string | null }[]>`select id, last_error from private.canva_revocations where user_id = ${userId}`);
const jobOf = async (revocationId: string) => {
  const [job] = await asService(
    (sql) => sql<{ id: string; taskIdentifier: string; attempts: number; maxAttempts: number; runAt: Date; lastError: string | null }[]>`
      select id, task_identifier, attempts, max_attempts, run_at, last_error from graphile_worker.jobs where key = ${`canva-revoke:${revocationId}`}`,
  );
  return job;
};
/** Runs the job now, as a worker would once its time comes. */
async function runJobNow(jobId: string) {
  await utils.rescheduleJobs([jobId], { runAt: new Date() });
  const task = canvaRevokeTask({ db: servicePool(), log: canva.deps.log, canva: async () => canva.deps });
  await runOnce({ pgPool, taskList: { [CANVA_REVOKE_TASK]: task }, logger: quiet });
}

describe("a revocation Canva did not take", () => {
  it("stays owed, sealed, with a queued job that revokes once Canva answers", async () => {
    const { person, grant } = await connected();
    // Canva fails the server's own attempt and the job's first.
    await canva.control("faults", { path: "/v1/oauth/revoke", status: 503, code: "service_unavailable", message: "Down for maintenance.", times: 2 });
    await disconnect(canva.deps, person.id);
    expect(await revokedAtCanva(grant)).toBe(false);
    const [row] = await owed(person.id);
    expect(row!.lastError).toMatch(/503 service_unavailable/);
    const [sealed] = await asService((sql) => sql<{ refreshToken: string }[]>`select refresh_token from private.canva_revocations where id = ${row!.id}`);
    expect(sealed!.refreshToken).toMatch(/^enc:v1:/);

    const job = await jobOf(row!.id);
    expect(job).toMatchObject({ taskIdentifier: CANVA_REVOKE_TASK, attempts: 0, maxAttempts: 25 });
    // It waits a minute, leaving the server's own attempt to settle it first.
    expect(job!.runAt.getTime()).toBeGreaterThan(Date.now() + 30_000);

    await runJobNow(job!.id);
    expect(await jobOf(row!.id)).toMatchObject({ attempts: 1, lastError: expect.stringMatching(/service_unavailable/) });
    expect(await revokedAtCanva(grant)).toBe(false);
    expect(await owed(person.id)).toHaveLength(1);

    await runJobNow(job!.id);
    expect(await revokedAtCanva(grant)).toBe(true);
    expect(await owed(person.id)).toHaveLength(0);
    expect(await jobOf(row!.id)).toBeUndefined();
  });

  it("is owed and queued when the person's Postora account goes, and a job with nothing left to do succeeds", async () => {
    const { person, grant } = await connected();
    await asService((sql) => sql`delete from public.users where id = ${person.id}`);
    const [row] = await owed(person.id);
    const job = await jobOf(row!.id);
    expect(job).toMatchObject({ taskIdentifier: CANVA_REVOKE_TASK });
    await runJobNow(job!.id);
    expect(await revokedAtCanva(grant)).toBe(true);
    expect(await owed(person.id)).toHaveLength(0);
    expect(await jobOf(row!.id)).toBeUndefined();

    // A revocation the server's own attempt settled leaves a job that finds nothing and completes.
    const other = await connected();
    await disconnect(canva.deps, other.person.id);
    expect(await revokedAtCanva(other.grant)).toBe(true);
    const [queued] = await asService((sql) => sql<{ id: string }[]>`select id from graphile_worker.jobs where task_identifier = ${CANVA_REVOKE_TASK}`);
    expect(queued).toBeDefined();
    await runJobNow(queued!.id);
    // The whole row of any job left, so that a failure says whether it ran (attempts, last_error) or was not yet due.
    const left = await asService((sql) => sql`
      select id, attempts, last_error, run_at, locked_at, now() as database_now from graphile_worker.jobs where task_identifier = ${CANVA_REVOKE_TASK}`);
    expect(left, `after running job ${queued!.id}, no canva_revoke job is left`).toEqual([]);
  });
});
