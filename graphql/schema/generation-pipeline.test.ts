/**
 * What the pipeline made, through the real endpoint: a client creates a
 * CAROUSEL, polls its status while a worker runs, reads the slides and
 * downloads any slide's image; a failure shows its reason, retryGeneration
 * clears it; deleting removes every slide's file.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { decodeGlobalID, encodeGlobalID } from "@pothos/plugin-relay";
import { describe, expect, it } from "vitest";
import {
  CreateGenerationDocument,
  CreateGenerationDownloadUrlDocument,
  DeleteGenerationDocument,
  GenerationDocument,
  GenerationImageDocument,
  RetryGenerationDocument,
  type GenerationQuery,
} from "@/graphql/generated/graphql";
import { asService } from "@/lib/db/client";
import { getLocalStorage } from "@/lib/storage/local/adapter";
import { generationPdfPath, generationSlidePath } from "@/lib/storage/types";
import { readPdf } from "@/test/pdf";
import { ARTICLE } from "@/test/pipeline";
import { usePipelineHarness } from "@/test/pipeline-harness";
import { decodePng } from "@/test/png";
import { storageFetch } from "@/test/storage";
import { postDocument } from "@/test/support";

const { server, person } = usePipelineHarness();

async function create(input: { outputFormat: "CAROUSEL" | "BULLET_POINTS" | "CANVA_DESIGN"; templateId?: string; language?: string }) {
  const { body } = await postDocument(server, CreateGenerationDocument, {
    authorization: person().authorization,
    variables: { input: { inputContent: ARTICLE, ...input } },
  });
  expect(body.errors).toBeUndefined();
  return body.data!.createGeneration.generation.id;
}

/** Polls `status` the way a client does, until it is COMPLETED or FAILED. */
async function poll(id: string): Promise<NonNullable<GenerationQuery["generation"]>> {
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; await sleep(100)) {
    const { body } = await postDocument(server, GenerationDocument, { authorization: person().authorization, variables: { id } });
    const generation = body.data!.generation!;
    if (generation.status === "COMPLETED" || generation.status === "FAILED") return generation;
  }
  throw new Error(`generation ${id} did not finish`);
}

const download = (id: string, slide?: number, format?: "PNG" | "PDF") =>
  postDocument(server, CreateGenerationDownloadUrlDocument, { authorization: person().authorization, variables: { input: { id, slide, format } } });

describe("a carousel through the API", () => {
  it("exposes slides, completedAt and a download URL for every slide", async () => {
    const id = await create({ outputFormat: "CAROUSEL" });
    const done = await poll(id);
    expect(done).toMatchObject({ status: "COMPLETED", failureReason: null, quote: null, hasFile: true });
    expect(Date.parse(done.completedAt!)).toBeGreaterThan(Date.parse(done.createdAt));
    expect(done.slides!.map((slide) => slide.number)).toEqual([1, 2, 3, 4, 5, 6]);
    for (const slide of done.slides!) expect(slide.title.length > 0 && slide.body.length > 0).toBe(true);
    for (const slide of done.slides!) expect(slide.altText).toBe(`${slide.title}: ${slide.body}`);
    expect(done.altText).toBe(done.slides![0]!.altText);

    // The PNG's header, the content type it is served with and the API's width and height agree.
    const image = await postDocument(server, GenerationImageDocument, { authorization: person().authorization, variables: { id } });
    expect(image.body.data!.generation).toMatchObject({ language: null, imageWidth: 1080, imageHeight: 1350 });
    for (const slide of [undefined, 1, 6]) {
      const { body } = await download(id, slide);
      expect(body.errors).toBeUndefined();
      const response = await storageFetch(body.data!.createGenerationDownloadUrl.download.url);
      expect(response.headers.get("content-type")).toBe("image/png");
      const bytes = new Uint8Array(await response.arrayBuffer());
      expect(bytes.length).toBeLessThan(300 * 1024);
      expect(decodePng(bytes)).toEqual({ width: 1080, height: 1350 });
    }
    // The LinkedIn-ready PDF: one 1080x1350 pt page per slide.
    const pdf = await download(id, undefined, "PDF");
    expect(pdf.body.errors).toBeUndefined();
    const pdfBytes = new Uint8Array(await (await storageFetch(pdf.body.data!.createGenerationDownloadUrl.download.url)).arrayBuffer());
    expect(await readPdf(pdfBytes)).toMatchObject({ pages: 6, pageSizes: Array.from({ length: 6 }, () => "1080 x 1350") });

    const tooFar = await download(id, 7);
    expect(tooFar.body.errors?.[0]?.extensions).toMatchObject({ code: "FAILED_PRECONDITION" });
    expect(tooFar.body.errors?.[0]?.message).toBe("This carousel has 6 slides; ask for a slide from 1 to 6.");

    const { body } = await postDocument(server, DeleteGenerationDocument, { authorization: person().authorization, variables: { input: { id } } });
    expect(body.errors).toBeUndefined();
    const rawId = decodeGlobalID(id).id;
    for (let n = 1; n <= 6; n++) expect(await getLocalStorage().exists(generationSlidePath(person().id, rawId, n))).toBe(false);
    expect(await getLocalStorage().exists(generationPdfPath(person().id, rawId))).toBe(false);
  });

  it("a failure shows its reason; after a fix, retryGeneration queues it again and it completes", async () => {
    const [template] = await asService((sql) => sql<{ id: string }[]>`
      insert into templates (user_id, name, type, content) values (${person().id}, 'Too many', 'bullet_points', ${sql.json({ bullets: 50 })}) returning id`);
    const id = await create({ outputFormat: "BULLET_POINTS", templateId: encodeGlobalID("Template", template!.id) });
    const failed = await poll(id);
    expect(failed.status).toBe("FAILED");
    expect(failed.failureReason).toMatch(/^The template's content does not describe a bullet_points output \(bullets: .*\)\. Fix the template with updateTemplate\.$/);
    // The person fixes the template, then retries.
    await asService((sql) => sql`update templates set content = ${sql.json({ bullets: 3 })} where id = ${template!.id}`);
    const { body } = await postDocument(server, RetryGenerationDocument, { authorization: person().authorization, variables: { input: { id } } });
    expect(body.errors).toBeUndefined();
    expect(body.data!.retryGeneration.generation).toMatchObject({ status: "QUEUED" });
    const done = await poll(id);
    expect(done).toMatchObject({ status: "COMPLETED", failureReason: null });
    expect((await download(id, undefined, "PDF")).body.errors?.[0]).toMatchObject({
      message: "Only a CAROUSEL has a PDF; ask for format PNG.",
      extensions: { code: "FAILED_PRECONDITION" },
    });
    expect(done.bulletPoints).toHaveLength(3);
  });

  it("takes the text's language: stored and reported with the image's size; a tag that is not one is refused", async () => {
    const id = await create({ outputFormat: "CANVA_DESIGN", language: "ja" });
    expect((await poll(id)).status).toBe("COMPLETED");
    const image = await postDocument(server, GenerationImageDocument, { authorization: person().authorization, variables: { id } });
    expect(image.body.data!.generation).toMatchObject({ language: "ja", imageWidth: 1080, imageHeight: 1080 });
    const { body } = await download(id);
    const response = await storageFetch(body.data!.createGenerationDownloadUrl.download.url);
    expect(response.headers.get("content-type")).toBe("image/png");
    expect(decodePng(new Uint8Array(await response.arrayBuffer()))).toEqual({ width: 1080, height: 1080 });

    const refused = await postDocument(server, CreateGenerationDocument, {
      authorization: person().authorization,
      variables: { input: { inputContent: ARTICLE, outputFormat: "CANVA_DESIGN", language: "not a tag" } },
    });
    expect(refused.body.errors?.[0]?.message).toContain('must be a BCP 47 language tag, such as "ja", "zh-Hant" or "pt-BR"');
  });
});
