/**
 * Sending finished generations to the Canva stand-in, one job attempt at a
 * time: a carousel imports its PDF, a card uploads its PNG and becomes a
 * design of its size; a send in flight is returned, a later one replaces
 * the design; 429s are waited out; a failure Canva may get over goes back
 * to the queue; a revoked grant fails the send asking to reconnect.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asService, servicePool, withUser } from "@/lib/db/client";
import { logger } from "@/lib/log";
import { finishConnect, startConnect } from "@/lib/canva/accounts";
import { processSend, requestSend, SendRetryLater, sendsOf, type SendDeps } from "@/lib/canva/send";
import { insertGeneration } from "@/lib/generations/generations";
import { processGeneration } from "@/lib/generations/pipeline";
import { getLocalStorage } from "@/lib/storage/local/adapter";
import { approveAtCanva, canvaHarness, type CanvaHarness } from "@/test/canva";
import { ARTICLE, ScriptedWriter } from "@/test/pipeline";
import { seedUser, type SeededUser } from "@/test/support";

let canva: CanvaHarness;
let deps: SendDeps;
let person: SeededUser;
const once = { attempt: 1, maxAttempts: 5 };

async function finished(outputFormat: "carousel" | "bullet_points" | "canva_design") {
  const row = await withUser(person.identity, (sql) => insertGeneration(sql, { inputContent: ARTICLE, outputFormat }));
  const pipeline = { db: servicePool(), storage: getLocalStorage(), writer: new ScriptedWriter(), log: logger.child({ source: "test" }) };
  expect((await processGeneration(pipeline, { generationId: row.id, userId: person.id }, once)).outcome).toBe("completed");
  return { generationId: row.id, userId: person.id };
}

const designOf = async (generationId: string) =>
  (await asService((sql) => sql<{ canvaDesignId: string | null }[]>`select canva_design_id from generations where id = ${generationId}`))[0]!.canvaDesignId;
const standInDesigns = async () => (await canva.control("state")).designs as { id: string; pages: number; width: number | null; height: number | null }[];
const sendOf = async (generationId: string) => (await sendsOf(undefined, person.id, [generationId])).sends.get(generationId);

beforeAll(async () => {
  canva = await canvaHarness();
  deps = { ...canva.deps, storage: getLocalStorage() };
  person = await seedUser({ tier: "business" });
  const { authorizeUrl } = await startConnect(canva.deps, person.id);
  expect(await finishConnect(canva.deps, await approveAtCanva(authorizeUrl))).toMatchObject({ status: "connected" });
});
afterAll(() => canva.standIn.close());

describe("sending to Canva", () => {
  it("imports a carousel's PDF as a design with a page per slide", async () => {
    const job = await finished("carousel");
    expect(await requestSend({}, person.id, job.generationId)).toMatchObject({ status: "queued", failureReason: null });
    const outcome = await processSend(deps, job, once);
    expect(outcome).toMatchObject({ outcome: "ready" });
    expect(await designOf(job.generationId)).toBe((outcome as { designId: string }).designId);
    const design = (await standInDesigns()).find((candidate) => candidate.id === (outcome as { designId: string }).designId);
    expect(design).toMatchObject({ pages: 6 });
    expect(await sendOf(job.generationId)).toMatchObject({ status: "ready", failureReason: null, finishedAt: expect.any(Date) });
  }, 120_000);

  it("uploads a card as an asset and makes a design of its size; a send in flight is returned, a later one replaces the design", async () => {
    const job = await finished("canva_design");
    const first = await requestSend({}, person.id, job.generationId);
    const again = await requestSend({}, person.id, job.generationId);
    expect(again.requestedAt).toEqual(first.requestedAt);
    const jobs = await asService((sql) => sql`select id from graphile_worker._private_jobs where key = ${`canva-send:${job.generationId}`}`);
    expect(jobs).toHaveLength(1);
    const sent = (await processSend(deps, job, once)) as { designId: string };
    expect((await standInDesigns()).find((design) => design.id === sent.designId)).toMatchObject({ width: 1080, height: 1080 });

    await requestSend({}, person.id, job.generationId);
    const resent = (await processSend(deps, job, once)) as { designId: string };
    expect(resent.designId).not.toBe(sent.designId);
    expect(await designOf(job.generationId)).toBe(resent.designId);
  });

  it("waits out Canva's 429s without failing, and hands a server error back to the queue", async () => {
    const job = await finished("bullet_points");
    await requestSend({}, person.id, job.generationId);
    await canva.control("faults", { path: "/v1/asset-uploads", status: 429, code: "too_many_requests", message: "Slow down.", times: 2 });
    expect(await processSend(deps, job, once)).toMatchObject({ outcome: "ready" });

    await requestSend({}, person.id, job.generationId);
    await canva.control("faults", { path: "/v1/designs", status: 503, code: "internal_error", message: "Down for a moment.", times: 1 });
    await expect(processSend(deps, job, once)).rejects.toBeInstanceOf(SendRetryLater);
    expect(await sendOf(job.generationId)).toMatchObject({ status: "queued" });
    expect(await processSend(deps, job, { attempt: 2, maxAttempts: 5 })).toMatchObject({ outcome: "ready" });
  });

  it("refuses what cannot be sent, and fails a send whose grant Canva revoked, asking to reconnect", async () => {
    const queued = await withUser(person.identity, (sql) => insertGeneration(sql, { inputContent: ARTICLE, outputFormat: "bullet_points" }));
    await expect(requestSend({}, person.id, queued.id)).rejects.toThrow(/Only a finished generation can be sent to Canva; this one is queued/);
    const stranger = await seedUser();
    await expect(requestSend({}, stranger.id, queued.id)).rejects.toThrow(/No generation/);

    const job = await finished("bullet_points");
    await requestSend({}, person.id, job.generationId);
    await canva.control("revoke-all");
    const outcome = await processSend(deps, job, once);
    expect(outcome).toMatchObject({ outcome: "failed", reason: expect.stringMatching(/Connect Canva again/) });
    expect(await sendOf(job.generationId)).toMatchObject({ status: "failed", failureReason: expect.stringMatching(/Connect Canva again/) });
    await expect(requestSend({}, person.id, job.generationId)).rejects.toThrow(/Connect Canva again/);
  });
});
