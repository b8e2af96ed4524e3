/**
 * processGeneration's promises, one attempt at a time, on real Postgres and
 * the local storage: a deleted generation is never resurrected and keeps no
 * file; a person's upload that lands mid-job is never overwritten; the last
 * attempt of a transient failure ends FAILED with a reason; a finished
 * generation is not processed twice. Also the database's side of the rules:
 * the enqueue trigger and the guard on the pipeline's columns.
 */
import { access, readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asService, createPool, withUser, type Sql } from "@/lib/db/client";
import { getEnv } from "@/lib/env";
import { logger } from "@/lib/log";
import { insertGeneration, softDeleteGeneration } from "@/lib/generations/generations";
import { processGeneration, ReleasedForRetry, type PipelineDeps } from "@/lib/generations/pipeline";
import { getLocalStorage } from "@/lib/storage/local/adapter";
import { generationObjectPath, GENERATIONS_BUCKET } from "@/lib/storage/types";
import { decodePng } from "@/test/png";
import { ARTICLE, generationState, ScriptedWriter } from "@/test/pipeline";
import { receiveTinyPng, TINY_PNG } from "@/test/storage";
import { seedUser, type SeededUser } from "@/test/support";

let person: SeededUser;
let db: Sql;
const fileOf = (objectPath: string) => path.join(getEnv().dataDir, "storage", GENERATIONS_BUCKET, objectPath);
const exists = (objectPath: string) => access(fileOf(objectPath)).then(() => true, () => false);

function deps(writer: ScriptedWriter): PipelineDeps {
  return { db, storage: getLocalStorage(), writer, log: logger.child({ source: "test" }), retry: { tries: 2, baseDelayMs: 5 } };
}

async function queued(outputFormat: "bullet_points" | "carousel" | "canva_design" = "bullet_points", inputContent = ARTICLE) {
  const row = await withUser(person.identity, (sql) => insertGeneration(sql, { inputContent, outputFormat }));
  return { generationId: row.id, userId: person.id };
}

beforeAll(async () => {
  // Business tier: these tests make more generations than the free tier's monthly quota.
  person = await seedUser({ tier: "business" });
  db = createPool(getEnv().databaseUrl!, { max: 4 });
});

afterAll(async () => {
  await db.end({ timeout: 5 });
});

describe("deleting a generation while it is processed", () => {
  it("cancels it: no file is written or left, and the row stays deleted", async () => {
    const writer = new ScriptedWriter();
    writer.hold();
    const job = await queued("carousel");
    const running = processGeneration(deps(writer), job, { attempt: 1, maxAttempts: 5 });
    await writer.waiting;
    expect((await generationState(job.generationId)).status).toBe("processing");
    await withUser(person.identity, (sql) => softDeleteGeneration(sql, job.generationId));
    writer.release();
    expect(await running).toEqual({ outcome: "cancelled" });
    const state = await generationState(job.generationId);
    expect(state.deletedAt).toBeInstanceOf(Date);
    expect(state.status).toBe("processing");
    expect(state.slides).toBeNull();
    expect(await exists(generationObjectPath(person.id, job.generationId))).toBe(false);
  });

  it("after the files were written: they are removed, the row is not completed", async () => {
    const writer = new ScriptedWriter();
    const job = await queued("bullet_points");
    const storage = getLocalStorage();
    // Delete at the moment the first file lands, before the output is recorded.
    const racing: PipelineDeps = {
      ...deps(writer),
      storage: Object.assign(Object.create(storage) as typeof storage, {
        putRendered: async (objectPath: string, png: Uint8Array) => {
          const result = await storage.putRendered(objectPath, png);
          await withUser(person.identity, (sql) => softDeleteGeneration(sql, job.generationId));
          return result;
        },
      }),
    };
    expect(await processGeneration(racing, job, { attempt: 1, maxAttempts: 5 })).toEqual({ outcome: "cancelled" });
    expect(await exists(generationObjectPath(person.id, job.generationId))).toBe(false);
    const state = await generationState(job.generationId);
    expect(state.deletedAt).toBeInstanceOf(Date);
    expect(state.completedAt).toBeNull();
  });

  it("never claims a generation that was deleted before its job ran", async () => {
    const writer = new ScriptedWriter();
    const job = await queued();
    await withUser(person.identity, (sql) => softDeleteGeneration(sql, job.generationId));
    expect(await processGeneration(deps(writer), job, { attempt: 1, maxAttempts: 5 })).toEqual({ outcome: "cancelled" });
    expect(writer.calls).toHaveLength(0);
    expect((await generationState(job.generationId)).status).toBe("queued");
  });
});

describe("a person's own image", () => {
  it("uploaded while the job runs, stays: the rendering does not replace it", async () => {
    const writer = new ScriptedWriter();
    writer.hold();
    const job = await queued("canva_design");
    const objectPath = generationObjectPath(person.id, job.generationId);
    const running = processGeneration(deps(writer), job, { attempt: 1, maxAttempts: 5 });
    await writer.waiting;
    const { token } = await getLocalStorage().createSignedUploadUrl(objectPath);
    await receiveTinyPng(getLocalStorage(), objectPath, token);
    writer.release();
    const outcome = await running;
    expect(outcome).toMatchObject({ outcome: "completed", kept: [objectPath] });
    expect(new Uint8Array(await readFile(fileOf(objectPath)))).toEqual(TINY_PNG);
    expect((await generationState(job.generationId)).status).toBe("completed");
  });

  it("an earlier rendering of ours is replaced on a re-run; a later upload replaces ours", async () => {
    const job = await queued("canva_design");
    const objectPath = generationObjectPath(person.id, job.generationId);
    const first = await getLocalStorage().putRendered(objectPath, TINY_PNG);
    expect(first).toBe("written");
    expect(await processGeneration(deps(new ScriptedWriter()), job, { attempt: 2, maxAttempts: 5 })).toMatchObject({ outcome: "completed", kept: [] });
    expect(decodePng(await readFile(fileOf(objectPath)))).toEqual({ width: 1080, height: 1080 });

    const { token } = await getLocalStorage().createSignedUploadUrl(objectPath);
    await receiveTinyPng(getLocalStorage(), objectPath, token);
    expect(await getLocalStorage().putRendered(objectPath, Buffer.from("not written"))).toBe("kept");
    expect(new Uint8Array(await readFile(fileOf(objectPath)))).toEqual(TINY_PNG);
  });
});

describe("attempts", () => {
  it("a transient failure hands the job back (QUEUED) until the last attempt, which ends FAILED with the reason", async () => {
    const writer = new ScriptedWriter();
    writer.transientFailures.set("*", 100);
    const job = await queued();
    await expect(processGeneration(deps(writer), job, { attempt: 1, maxAttempts: 3 })).rejects.toBeInstanceOf(ReleasedForRetry);
    expect((await generationState(job.generationId)).status).toBe("queued");
    expect(await processGeneration(deps(writer), job, { attempt: 3, maxAttempts: 3 })).toMatchObject({ outcome: "failed" });
    const state = await generationState(job.generationId);
    expect(state.status).toBe("failed");
    expect(state.failureReason).toBe("The language model did not answer (HTTP 503): overloaded (gave up after 3 attempts; retry it later)");
  });

  it("aborted by a shutting-down worker: back to QUEUED, released for a later attempt", async () => {
    const writer = new ScriptedWriter();
    writer.hold();
    const job = await queued();
    const abort = new AbortController();
    const running = processGeneration(deps(writer), job, { attempt: 1, maxAttempts: 5, signal: abort.signal });
    await writer.waiting;
    abort.abort(new Error("shutting down"));
    writer.release();
    await expect(running).rejects.toBeInstanceOf(ReleasedForRetry);
    expect((await generationState(job.generationId)).status).toBe("queued");
  });

  it("a completed generation is not processed again", async () => {
    const writer = new ScriptedWriter();
    const job = await queued();
    expect(await processGeneration(deps(writer), job, { attempt: 1, maxAttempts: 5 })).toMatchObject({ outcome: "completed" });
    const completedAt = (await generationState(job.generationId)).completedAt;
    expect(await processGeneration(deps(writer), job, { attempt: 1, maxAttempts: 5 })).toEqual({ outcome: "already-done", status: "completed" });
    expect(writer.calls).toHaveLength(1);
    expect((await generationState(job.generationId)).completedAt).toEqual(completedAt);
  });

  it("runs only the job's own generation for the job's own user", async () => {
    const other = await seedUser();
    const job = await queued();
    expect(await processGeneration(deps(new ScriptedWriter()), { ...job, userId: other.id }, { attempt: 1, maxAttempts: 5 })).toEqual({ outcome: "cancelled" });
    expect((await generationState(job.generationId)).status).toBe("queued");
  });
});

describe("the database keeps the rules", () => {
  const jobsFor = (id: string) =>
    asService((sql) => sql<{ taskIdentifier: string; payload: unknown }[]>`
      select t.identifier as task_identifier, j.payload from graphile_worker._private_jobs j
      join graphile_worker._private_tasks t on t.id = j.task_id where j.key = ${`generation:${id}`}`);

  it("inserting a queued generation as the person (any door) enqueues exactly one job for it", async () => {
    const [row] = await withUser(person.identity, (sql) => sql<{ id: string }[]>`
      insert into generations (user_id, input_content, output_format)
      values ((select private.requesting_user_id()), 'Straight through the Data API.', 'bullet_points') returning id`);
    expect(await jobsFor(row!.id)).toEqual([{ taskIdentifier: "generate_post", payload: { generationId: row!.id, userId: person.id } }]);
  });

  it("failed -> queued enqueues again and clears the reason; deleting removes a waiting job", async () => {
    const job = await queued();
    await asService((sql) => sql`delete from graphile_worker._private_jobs where key = ${`generation:${job.generationId}`}`);
    await asService((sql) => sql`update generations set status = 'processing' where id = ${job.generationId}`);
    await asService((sql) => sql`update generations set status = 'failed', failure_reason = 'it broke' where id = ${job.generationId}`);
    await withUser(person.identity, (sql) => sql`update generations set status = 'queued' where id = ${job.generationId}`);
    expect(await jobsFor(job.generationId)).toHaveLength(1);
    expect((await generationState(job.generationId)).failureReason).toBeNull();
    await withUser(person.identity, (sql) => softDeleteGeneration(sql, job.generationId));
    expect(await jobsFor(job.generationId)).toHaveLength(0);
  });

  it("refuses a person writing slides, quote, alt_text, failure_reason or completed_at", async () => {
    const job = await queued();
    for (const assignment of ["slides = '[]'::jsonb", "quote = 'mine'", "alt_text = 'mine'", "failure_reason = 'x'", "completed_at = now()"]) {
      await expect(
        withUser(person.identity, (sql) => sql.unsafe(`update generations set ${assignment} where id = '${job.generationId}'`)),
      ).rejects.toMatchObject({ code: "42501", message: "permission denied for table generations" });
    }
    await expect(
      withUser(person.identity, (sql) => sql`
        insert into generations (user_id, input_content, output_format, quote)
        values ((select private.requesting_user_id()), 'x', 'canva_design', 'forged')`),
    ).rejects.toMatchObject({ code: "42501" });
  });
});
