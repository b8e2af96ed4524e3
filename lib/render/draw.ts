/**
 * From a card's element tree to an image: satori lays it out and draws its
 * text as paths into an SVG (fonts from lib/render/fonts.ts, emoji from
 * lib/render/emoji.ts, both loaded only when a text needs them), then the SVG
 * becomes a PNG.
 *
 * Two rasterisers are kept: sharp (libvips, with librsvg) is what the cards
 * ship with, resvg is the one they used before, kept so `npm run bench` and
 * the reference-image test can hold one against the other. sharp writes an
 * 8-bit palette PNG: the cards are a few flat colours and their anti-aliased
 * edges, which a 256-colour palette keeps, at a fraction of the RGBA file's
 * size (BENCHMARKS.md has the measurements).
 */
import { Resvg } from "@resvg/resvg-js";
import type { ReactNode } from "react";
import satori from "satori";
import sharp from "sharp";
import { emojiImage } from "@/lib/render/emoji";
import { familyFonts, fontsFor, type FamilyName } from "@/lib/render/fonts";
import { satoriLocale } from "@/lib/render/language";

export type Node = { type: string; props: { style?: Record<string, unknown>; lang?: string; children?: Node | Node[] | string } };
export type Size = { width: number; height: number };
export type Rasterizer = "sharp" | "resvg";

// Satori adds the fonts a render loads to a loader every render of the family
// shares; one render at a time, so a render never lays out before the fonts
// another one loaded for it have been added (see fonts.ts). The rasterising
// that follows runs concurrently, off the main thread with sharp.
let queue: Promise<unknown> = Promise.resolve();
function oneAtATime<T>(task: () => Promise<T>): Promise<T> {
  const run = queue.then(task, task);
  queue = run.catch(() => undefined);
  return run;
}

/** The card's SVG, drawn with a family's fonts and, for CJK, the glyph forms of the card's language. */
export function toSvg(tree: Node, size: Size, options: { family: FamilyName; language?: string | null }): Promise<string> {
  const locale = satoriLocale(options.language);
  const root = locale ? { ...tree, props: { ...tree.props, lang: locale } } : tree;
  return oneAtATime(async () => {
    const fonts = await familyFonts(options.family);
    return satori(root as unknown as ReactNode, {
      ...size,
      fonts,
      loadAdditionalAsset: async (code, segment) => (code === "emoji" ? ((await emojiImage(segment)) ?? []) : fontsFor(fonts, segment, locale)),
    });
  });
}

/** PNG options for sharp: a palette image, zlib level 6 (see the file's header and BENCHMARKS.md). */
const PNG = { palette: true, colours: 256, dither: 0, compressionLevel: 6, effort: 1 } as const;

async function svgToPng(svg: string, size: Size, rasterizer: Rasterizer = "sharp"): Promise<Buffer> {
  if (rasterizer === "resvg") {
    return new Resvg(svg, { fitTo: { mode: "width", value: size.width }, font: { loadSystemFonts: false } }).render().asPng();
  }
  return sharp(Buffer.from(svg), { density: 72 }).png(PNG).toBuffer();
}

export async function toPng(tree: Node, size: Size, options: { family: FamilyName; language?: string | null; rasterizer?: Rasterizer }): Promise<Buffer> {
  return svgToPng(await toSvg(tree, size, options), size, options.rasterizer);
}
