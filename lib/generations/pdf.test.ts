/**
 * A carousel's PDF, read back by poppler: one page per slide, each
 * 1080x1350 points, holding that slide's PNG at its full 1080x1350 pixels,
 * in slide order.
 */
import { describe, expect, it } from "vitest";
import { carouselPdf } from "@/lib/generations/pdf";
import { renderSlide } from "@/lib/render/cards";
import { readPdf } from "@/test/pdf";
import { solidPng } from "@/test/png";

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

  it("refuses an empty carousel", async () => {
    await expect(carouselPdf([], "empty")).rejects.toThrow(/at least one slide/);
  });
});
