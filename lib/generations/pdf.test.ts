/**
 * A carousel's PDF, read back by poppler: one page per slide, each
 * 1080x1350 points, holding that slide's PNG at its full 1080x1350 pixels,
 * in slide order. The pipeline stores one beside every carousel it
 * completes; an older carousel gets one the first time it is asked for; the
 * storage guard holds PDFs to the same rules as images.
 */
import sharp from "sharp";
import { beforeAll, describe, expect, it } from "vitest";
import { asService, servicePool, withUser } from "@/lib/db/client";
import { logger } from "@/lib/log";
import { insertGeneration, softDeleteGeneration } from "@/lib/generations/generations";
import { carouselPdf, ensureCarouselPdf } from "@/lib/generations/pdf";
import { processGeneration } from "@/lib/generations/pipeline";
import { renderSlide } from "@/lib/render/cards";
import { getLocalStorage } from "@/lib/storage/local/adapter";
import { generationPdfPath } from "@/lib/storage/types";
import { readPdf } from "@/test/pdf";
import { ARTICLE, generationState, ScriptedWriter } from "@/test/pipeline";
import { opaquePng } from "@/lib/generations/opaque-png";
import { decodePng, solidPng } from "@/test/png";
import { seedUser, type SeededUser } from "@/test/support";

describe("carouselPdf", () => {
  it("makes one 1080x1350 pt page per slide, each holding its slide at full resolution", async () => {
    const slides = [
      { title: "Cover", body: "What this carousel is about" },
      { title: "Second", body: "The middle of it" },
      { title: "Third", body: "The end" },
    ];
    const pngs = await Promise.all(slides.map((slide, index) => renderSlide(slide, index, slides.length)));
    const pdf = await carouselPdf(pngs, "A carousel");
    expect(pdf.subarray(0, 5).toString("latin1")).toBe("%PDF-");

    const read = await readPdf(pdf);
    expect(read.pages).toBe(3);
    expect(read.pageSizes).toEqual(["1080 x 1350", "1080 x 1350", "1080 x 1350"]);
    expect(read.images).toEqual(["1080x1350@1", "1080x1350@2", "1080x1350@3"]);
  });

  it("keeps slide order: page n holds slide n", async () => {
    // Slides of different pixel sizes tell the pages apart.
    const pdf = await carouselPdf([solidPng(108, 135), solidPng(216, 270), solidPng(540, 675)], "t");
    const read = await readPdf(pdf);
    expect(read.pageSizes).toEqual(["1080 x 1350", "1080 x 1350", "1080 x 1350"]);
    expect(read.images).toEqual(["108x135@1", "216x270@2", "540x675@3"]);
  });

  it("embeds an opaque RGBA slide as an RGB PNG of the same size (what pdfkit copies without decoding)", async () => {
    // An opaque slide in RGBA, as a renderer may write it (ours writes RGB, which is passed through below).
    const slide = await sharp({ create: { width: 1080, height: 1350, channels: 4, background: { r: 20, g: 30, b: 40, alpha: 1 } } })
      .png()
      .toBuffer();
    // The IHDR's colour type byte: 6 is RGBA, 2 is RGB.
    expect(slide[25]).toBe(6);
    const rgb = Buffer.from(opaquePng(slide));
    expect(rgb[25]).toBe(2);
    expect(decodePng(rgb)).toEqual({ width: 1080, height: 1350 });
    const already = solidPng(4, 4);
    expect(opaquePng(already)).toBe(already);
  });

  it("refuses an empty carousel", async () => {
    await expect(carouselPdf([], "empty")).rejects.toThrow(/at least one slide/);
  });
});

describe("a carousel's stored PDF", () => {
  let person: SeededUser;
  beforeAll(async () => {
    person = await seedUser({ tier: "business" });
  });

  async function completedCarousel() {
    const row = await withUser(person.identity, (sql) => insertGeneration(sql, { inputContent: ARTICLE, outputFormat: "carousel" }));
    const job = { generationId: row.id, userId: person.id };
    const deps = { db: servicePool(), storage: getLocalStorage(), writer: new ScriptedWriter(), log: logger.child({ source: "test" }) };
    const outcome = await processGeneration(deps, job, { attempt: 1, maxAttempts: 5 });
    expect(outcome.outcome).toBe("completed");
    return { ...job, slides: (await generationState(row.id)).slides! };
  }

  it("is stored by the pipeline beside the slides: a page per slide, in order", async () => {
    const carousel = await completedCarousel();
    const pdf = await getLocalStorage().read(generationPdfPath(person.id, carousel.generationId));
    const read = await readPdf(pdf);
    expect(read.pages).toBe(carousel.slides.length);
    expect(new Set(read.pageSizes)).toEqual(new Set(["1080 x 1350"]));
    const [object] = await asService((sql) => sql`
      select metadata ->> 'mimetype' as type from storage.objects where name = ${generationPdfPath(person.id, carousel.generationId)}`);
    expect(object!.type).toBe("application/pdf");
  });

  it("is made from the stored slides the first time it is asked for, when a carousel has none", async () => {
    const carousel = await completedCarousel();
    const path = generationPdfPath(person.id, carousel.generationId);
    await getLocalStorage().remove([path]);
    expect(await getLocalStorage().exists(path)).toBe(false);
    expect(await ensureCarouselPdf(getLocalStorage(), { id: carousel.generationId, userId: person.id, slides: carousel.slides })).toBe(path);
    expect((await readPdf(await getLocalStorage().read(path))).pages).toBe(carousel.slides.length);
  });

  it("cannot be stored for a deleted generation", async () => {
    const carousel = await completedCarousel();
    await withUser(person.identity, (sql) => softDeleteGeneration(sql, carousel.generationId));
    await expect(getLocalStorage().putRendered(generationPdfPath(person.id, carousel.generationId), solidPngPdf, "application/pdf")).rejects.toThrow(/Nothing live owns/);
  });
});

const solidPngPdf = await carouselPdf([solidPng(10, 10)], "x");
