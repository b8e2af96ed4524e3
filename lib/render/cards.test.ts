/**
 * The cards fit their text: at each format's word limits, with long words and
 * with one word too long for a line, every glyph satori draws lies inside the
 * card's padded area, and the PNGs decode at the format's size.
 */
import { describe, expect, it } from "vitest";
import {
  DEFAULT_THEME,
  bulletCardTree,
  quoteCardTree,
  renderQuoteCard,
  renderSlide,
  slideTree,
  toSvg,
} from "@/lib/render/cards";
import { svgToPng } from "@/lib/render/draw";
import { BULLET_CARD_SIZE, CAROUSEL_SIZE, QUOTE_CARD_SIZE } from "@/lib/render/sizes";
import { decodePng, pixelsOf } from "@/test/png";

const PADDING = 96;
const words = (n: number, word = "extraordinary") => Array.from({ length: n }, () => word).join(" ");

/** The bounding box of every glyph path (satori draws text as absolute-coordinate paths). */
function glyphBounds(svg: string) {
  const box = { minX: Infinity, minY: Infinity, maxX: -Infinity, maxY: -Infinity, paths: 0 };
  for (const match of svg.matchAll(/<path[^>]* d="([^"]+)"/g)) {
    box.paths++;
    const numbers = match[1]!.match(/-?\d+(\.\d+)?/g)!.map(Number);
    for (let i = 0; i + 1 < numbers.length; i += 2) {
      box.minX = Math.min(box.minX, numbers[i]!);
      box.maxX = Math.max(box.maxX, numbers[i]!);
      box.minY = Math.min(box.minY, numbers[i + 1]!);
      box.maxY = Math.max(box.maxY, numbers[i + 1]!);
    }
  }
  return box;
}

function expectInside(svg: string, size: { width: number; height: number }) {
  const box = glyphBounds(svg);
  expect(box.paths).toBeGreaterThan(0);
  expect(box.minX).toBeGreaterThanOrEqual(PADDING - 1);
  expect(box.maxX).toBeLessThanOrEqual(size.width - PADDING + 1);
  expect(box.minY).toBeGreaterThanOrEqual(PADDING - 1);
  expect(box.maxY).toBeLessThanOrEqual(size.height - PADDING + 1);
}

describe("cards keep their text inside", () => {
  it("eight bullets of 30 long words (the template maximum)", async () => {
    expectInside(await toSvg(bulletCardTree(Array.from({ length: 8 }, () => words(30))), BULLET_CARD_SIZE), BULLET_CARD_SIZE);
  });

  it("a cover and a slide at 12-word titles and 60-word bodies, and a word longer than a line", async () => {
    const slide = { title: words(12), body: words(60) };
    expectInside(await toSvg(slideTree(slide, 0, 10), CAROUSEL_SIZE), CAROUSEL_SIZE);
    expectInside(await toSvg(slideTree(slide, 3, 10), CAROUSEL_SIZE), CAROUSEL_SIZE);
    expectInside(await toSvg(slideTree({ title: "x".repeat(80), body: `${"y".repeat(200)} end` }, 1, 2), CAROUSEL_SIZE), CAROUSEL_SIZE);
  });

  it("a 45-word quote, and a one-word quote drawn large", async () => {
    expectInside(await toSvg(quoteCardTree(words(45)), QUOTE_CARD_SIZE), QUOTE_CARD_SIZE);
    const short = glyphBounds(await toSvg(quoteCardTree("Ship."), QUOTE_CARD_SIZE));
    const long = glyphBounds(await toSvg(quoteCardTree(words(45, "word")), QUOTE_CARD_SIZE));
    // Shrink to fit works both ways: short text is set larger than long text.
    expect(short.maxY - short.minY).toBeGreaterThan(0);
    expect(long.maxY - long.minY).toBeGreaterThan(short.maxY - short.minY);
  });

  it("Chinese at the slide limits, and Arabic bullets, stay inside too (CJK glyphs are a full em wide)", async () => {
    const han = "这个团队每周写一次说明文档会议时间减少了三分之一".repeat(6);
    expectInside(await toSvg(slideTree({ title: han.slice(0, 40), body: han }, 2, 10), CAROUSEL_SIZE, { language: "zh" }), CAROUSEL_SIZE);
    const arabic = "كتب الفريق وثائق أسبوعية فقلّ وقت الاجتماعات بمقدار الثلث في عام 2024";
    expectInside(await toSvg(bulletCardTree(Array.from({ length: 8 }, () => `${arabic} ${arabic}`)), BULLET_CARD_SIZE), BULLET_CARD_SIZE);
  });

  it("renders PNGs at the formats' sizes, with non-Latin text from the bundled subsets", async () => {
    expect(decodePng(await renderSlide({ title: "Ein Überblick", body: "Привет, мир. Γειά σου κόσμε. Xin chào thế giới." }, 0, 2))).toEqual({ width: 1080, height: 1350 });
    expect(decodePng(await renderQuoteCard("Small steps, every day."))).toEqual({ width: 1080, height: 1080 });
  });

  it("takes a theme, today's look by default", async () => {
    // The corner's colour, to within the palette's rounding.
    const corner = async (png: Promise<Buffer>) => [...(await pixelsOf(await png)).data.subarray(0, 3)];
    const near = (actual: number[], expected: number[]) => actual.forEach((channel, i) => expect(Math.abs(channel - expected[i]!)).toBeLessThanOrEqual(2));
    near(await corner(renderQuoteCard("Small steps.")), [0x0f, 0x17, 0x2a]);
    const light = { ...DEFAULT_THEME, colors: { ...DEFAULT_THEME.colors, background: "#ffffff", text: "#111111" } };
    near(await corner(renderQuoteCard("Small steps.", { theme: light })), [0xff, 0xff, 0xff]);
  });

  it("keeps a PNG under 300 KB, and writes it with a palette past its limit", async () => {
    const mixed = Array.from({ length: 8 }, () => words(6, "extraordinary Ωμέγα Привет 写作的方法 كتب 👍🏽🇯🇵"));
    const svg = await toSvg(bulletCardTree(mixed), BULLET_CARD_SIZE);
    const full = await svgToPng(svg, BULLET_CARD_SIZE);
    const small = await svgToPng(svg, BULLET_CARD_SIZE, "sharp", 100 * 1024);
    expect(full.length).toBeLessThan(300 * 1024);
    expect(small.length).toBeLessThan(100 * 1024);
    for (const png of [full, small]) expect(decodePng(png)).toEqual(BULLET_CARD_SIZE);
    // Colour type (IHDR byte 25): RGB, then a palette.
    expect([full[25], small[25]]).toEqual([2, 3]);
  });
});
