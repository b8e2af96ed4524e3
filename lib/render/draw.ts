/**
 * From a card's element tree to an image: satori lays it out and draws its
 * text as paths into an SVG (fonts from lib/render/fonts.ts, emoji from
 * lib/render/emoji.ts, both loaded only when a text needs them), then the SVG
 * becomes a PNG.
 *
 * Two rasterisers are kept: sharp (libvips, with librsvg) is what the cards
 * ship with, resvg is the one they used before, kept so `npm run bench` and
 * the reference-image test can hold one against the other. sharp writes an
 * RGB PNG (the cards are opaque) at zlib level 4, where higher levels cost
 * more time than they save bytes; a card dense enough to pass MAX_PNG_BYTES
 * that way (emoji and CJK on every line) is written again with a 256-colour
 * palette, a fraction of the size (BENCHMARKS.md has the measurements).
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

// Every SVG is new, so libvips' operation cache would only hold memory.
sharp.cache(false);

/** Under this a slide's PNG is kept in full colour; past it, it is written again with a palette. */
const MAX_PNG_BYTES = 280 * 1024;

/** The SVG as a PNG; with sharp, a palette image when full colour would pass `maxBytes`. */
export async function svgToPng(svg: string, size: Size, rasterizer: Rasterizer = "sharp", maxBytes = MAX_PNG_BYTES): Promise<Buffer> {
  if (rasterizer === "resvg") {
    return new Resvg(svg, { fitTo: { mode: "width", value: size.width }, font: { loadSystemFonts: false } }).render().asPng();
  }
  const image = sharp(Buffer.from(svg), { density: 72 }).removeAlpha();
  const png = await image.clone().png({ compressionLevel: 4 }).toBuffer();
  if (png.length <= maxBytes) return png;
  return image.png({ palette: true, colours: 256, dither: 0, compressionLevel: 6, effort: 1 }).toBuffer();
}

export async function toPng(tree: Node, size: Size, options: { family: FamilyName; language?: string | null; rasterizer?: Rasterizer }): Promise<Buffer> {
  return svgToPng(await toSvg(tree, size, options), size, options.rasterizer);
}
