/**
 * The worker end to end on real Postgres and the local storage: a queued
 * generation (inserted as the person, so the database trigger enqueues it)
 * becomes COMPLETED with output that fits its template and PNGs that decode
 * at the right size; transient failures are retried, permanent ones end
 * FAILED with a reason and can be retried; two workers share 50 jobs, each
 * processed once.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asService, withUser } from "@/lib/db/client";
import { getEnv } from "@/lib/env";
import { countWords as wordCount } from "@/lib/ai/sentences";
import { insertGeneration, requeueFailedGeneration, type OutputFormat } from "@/lib/generations/generations";
import { generationSlidePath, GENERATIONS_BUCKET } from "@/lib/storage/types";
import { decodePng } from "@/test/png";
import { ARTICLE, ScriptedWriter, startTestWorker, waitForStatus, type TestWorker } from "@/test/pipeline";
import { seedUser, type SeededUser } from "@/test/support";

let person: SeededUser;
let worker: TestWorker;
const writer = new ScriptedWriter();

const stored = (objectPath: string) => readFile(path.join(getEnv().dataDir, "storage", GENERATIONS_BUCKET, objectPath));

async function template(type: OutputFormat, content: unknown): Promise<string> {
  const [row] = await asService((sql) => sql<{ id: string }[]>`
    insert into templates (user_id, name, type, content) values (${person.id}, 'Test', ${type}, ${sql.json(content as never)}) returning id`);
  return row!.id;
}

const create = (outputFormat: OutputFormat, inputContent = ARTICLE, templateId: string | null = null) =>
  withUser(person.identity, (sql) => insertGeneration(sql, { inputContent, outputFormat, templateId })).then((row) => row.id);

beforeAll(async () => {
  // Business tier: these tests make more generations than the free tier's monthly quota.
  person = await seedUser({ tier: "business" });
  worker = await startTestWorker({ writer, concurrency: 2 });
});

afterAll(async () => {
  await worker?.close();
});

describe("each format, QUEUED to COMPLETED with the offline writer", () => {
  it("BULLET_POINTS: the template's count and length, stored, and a PNG card", async () => {
    const id = await create("bullet_points", ARTICLE, await template("bullet_points", { bullets: 3, maxWordsPerBullet: 12 }));
    const done = await waitForStatus(id, ["completed", "failed"]);
    expect(done.status).toBe("completed");
    expect(done.completedAt).toBeInstanceOf(Date);
    expect(done.bulletPoints).toHaveLength(3);
    for (const bullet of done.bulletPoints!) expect(wordCount(bullet)).toBeLessThanOrEqual(12);
    expect(done.bulletPoints!.every((bullet) => bullet.length > 10)).toBe(true);
    expect(done.altText).toBe(done.bulletPoints!.join(" "));
    expect(decodePng(await stored(`${person.id}/generation-${id}.png`))).toEqual({ width: 1080, height: 1350 });
  });

  it("CAROUSEL without a template: six slides, each a title and a body, every slide a 1080x1350 PNG", async () => {
    const id = await create("carousel");
    const done = await waitForStatus(id, ["completed", "failed"]);
    expect(done.status).toBe("completed");
    expect(done.slides).toHaveLength(6);
    for (const slide of done.slides!) {
      expect(wordCount(slide.title)).toBeLessThanOrEqual(8);
      expect(wordCount(slide.body)).toBeLessThanOrEqual(30);
      expect(slide.body.length).toBeGreaterThan(10);
      expect(slide.altText).toBe(`${slide.title}: ${slide.body}`);
    }
    expect(done.altText).toBe(done.slides![0]!.altText);
    expect(decodePng(await stored(`${person.id}/generation-${id}.png`))).toEqual({ width: 1080, height: 1350 });
    for (let n = 2; n <= 6; n++) expect(decodePng(await stored(generationSlidePath(person.id, id, n)))).toEqual({ width: 1080, height: 1350 });
    await expect(stored(generationSlidePath(person.id, id, 7))).rejects.toThrow(/ENOENT/);
  });

  it("CAROUSEL with a template: its slide count and word limits", async () => {
    const id = await create("carousel", ARTICLE, await template("carousel", { slides: 3, structure: ["hook", "insight", "call to action"], maxBodyWords: 12 }));
    const done = await waitForStatus(id, ["completed", "failed"]);
    expect(done.slides).toHaveLength(3);
    for (const slide of done.slides!) expect(wordCount(slide.body)).toBeLessThanOrEqual(12);
  });

  it("CANVA_DESIGN: a 1080x1080 quote card at the generation's path", async () => {
    const id = await create("canva_design");
    const done = await waitForStatus(id, ["completed", "failed"]);
    expect(done.status).toBe("completed");
    expect(wordCount(done.quote!)).toBeLessThanOrEqual(30);
    expect(ARTICLE).toContain(done.quote!);
    expect(done.altText).toBe(done.quote);
    expect(decodePng(await stored(`${person.id}/generation-${id}.png`))).toEqual({ width: 1080, height: 1080 });
  });

  it("a template whose content does not fit its format fails with a reason that says what to fix", async () => {
    const id = await create("bullet_points", ARTICLE, await template("bullet_points", { bullets: 50 }));
    const done = await waitForStatus(id, ["completed", "failed"]);
    expect(done.status).toBe("failed");
    expect(done.failureReason).toMatch(/bullets: .*8.*updateTemplate/);
  });
});

describe("failures", () => {
  it("a writer that fails twice with a transient error, then succeeds, completes", async () => {
    const input = `${ARTICLE} Transient twice.`;
    writer.transientFailures.set(input, 2);
    const id = await create("bullet_points", input);
    const done = await waitForStatus(id, ["completed", "failed"]);
    expect(done.status).toBe("completed");
    expect(writer.calls.filter((call) => call === input)).toHaveLength(3);
  });

  it("a permanent failure ends FAILED with its reason; after the retry (requeueFailedGeneration) it completes", async () => {
    writer.permanent = "The language model refused the request (HTTP 400): input too long";
    const id = await create("canva_design", `${ARTICLE} Permanent.`);
    const failed = await waitForStatus(id, ["completed", "failed"]);
    expect(failed.status).toBe("failed");
    expect(failed.failureReason).toBe("The language model refused the request (HTTP 400): input too long");

    writer.permanent = null;
    const retried = await withUser(person.identity, (sql) => requeueFailedGeneration(sql, id));
    expect(retried.status).toBe("queued");
    const done = await waitForStatus(id, ["completed", "failed"]);
    expect(done.status).toBe("completed");
    expect(done.failureReason).toBeNull();
    expect(done.quote).toBeTruthy();
  });
});

describe("scale-out", () => {
  it("two workers over 50 jobs process each generation exactly once", async () => {
    const second = await startTestWorker({ writer, concurrency: 2 });
    try {
      const inputs = Array.from({ length: 50 }, (_, i) => `Batch item ${i}. ${ARTICLE}`);
      const ids = await withUser(person.identity, async (sql) => {
        const created = [];
        for (const input of inputs) created.push((await insertGeneration(sql, { inputContent: input, outputFormat: "bullet_points" })).id);
        return created;
      });
      for (const id of ids) expect((await waitForStatus(id, ["completed", "failed"], 60_000)).status).toBe("completed");
      for (const input of inputs) expect(writer.calls.filter((call) => call === input)).toHaveLength(1);
      const [jobs] = await asService((sql) => sql<{ count: number }[]>`
        select count(*)::int as count from graphile_worker.jobs where key = any(${ids.map((id) => `generation:${id}`)})`);
      expect(jobs!.count).toBe(0);
    } finally {
      await second.close();
    }
  }, 90_000);
});
