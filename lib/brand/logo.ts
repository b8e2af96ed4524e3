/**
 * A brand kit's logo: the file a person uploads (PNG or SVG, at most
 * MAX_LOGO_BYTES) turned into the small PNG the cards embed.
 *
 * An SVG is never drawn as it came: it is checked, then rasterised here with
 * resvg, and only the PNG reaches a card. The check refuses what could reach
 * outside the file or run: a reference to anything but a fragment of the
 * file itself (`#id`) or an embedded raster image (`data:image/png...`),
 * which resvg would otherwise read from this machine's disk; a DOCTYPE
 * (entities); scripts, event handlers and foreignObject. resvg runs without
 * system fonts and without a resources folder, and is asked afterwards
 * whether anything is left to fetch (imagesToResolve): if so, refused too.
 * Text in an SVG logo is not drawn (convert it to paths).
 *
 * A PNG is decoded and written again by sharp at the cards' size, so what a
 * card embeds is always a PNG this process made. Anything else, or a file
 * that does not decode, is refused with a LogoError saying what to fix.
 */
import type { Resvg } from "@resvg/resvg-js";

/*
 * sharp and resvg are native addons, a large part of a server's resident memory (BENCHMARKS.md), that the API's
 * process needs only when someone sets a logo: they load on the first one, not with the GraphQL schema.
 */
const loadSharp = async () => (await import("sharp")).default;
const loadResvg = async () => (await import("@resvg/resvg-js")).Resvg;

const MAX_LOGO_BYTES = 512 * 1024;
/** The largest side of the PNG a card embeds (twice the footer's height, for sharpness). */
const LOGO_PIXELS = 160;
const MAX_SOURCE_PIXELS = 4096 * 4096;
/** How much wider than high (or higher than wide) a logo may be: it sits in a 40-pixel-high footer. */
const MAX_ASPECT = 6;

/** Where a person's logo is stored: <users.id>/brand-logo (the `brand-logo` file kind). */
export const brandLogoPath = (userId: string) => `${userId}/brand-logo`;

export class LogoError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LogoError";
  }
}

/** The logo as a card embeds it: a PNG and its size. */
export type LogoImage = { png: Buffer; width: number; height: number };

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Why an SVG's text is refused, or null when nothing in it reaches outside the file. */
function svgProblem(svg: string): string | null {
  if (/<!DOCTYPE|<!ENTITY/i.test(svg)) return "it has a DOCTYPE or entities; remove them";
  if (/<script\b/i.test(svg)) return "it contains a script; logos may not";
  if (/<foreignObject\b/i.test(svg)) return "it contains foreignObject (HTML inside SVG); logos may not";
  if (/\son[a-z]+\s*=/i.test(svg)) return "it has event handler attributes (onload=...); logos may not";
  if (/@import/i.test(svg)) return "its CSS imports another file (@import); logos may not";
  for (const match of svg.matchAll(/\bhref\s*=\s*(["'])(.*?)\1/gis)) {
    const href = match[2]!.trim();
    if (!href.startsWith("#") && !/^data:image\/(png|jpeg|gif|webp);base64,/i.test(href)) {
      return `it refers to an outside resource (href="${href.slice(0, 80)}"); embed images as data:image/png;base64 URIs or upload a PNG`;
    }
  }
  for (const match of svg.matchAll(/url\(\s*(["']?)(.*?)\1\s*\)/gis)) {
    if (!match[2]!.trim().startsWith("#")) return `it refers to an outside resource (url(${match[2]!.slice(0, 80)})); logos may refer only to their own parts (url(#id))`;
  }
  return null;
}

async function fromPng(bytes: Buffer): Promise<LogoImage> {
  try {
    const sharp = await loadSharp();
    const image = sharp(bytes, { limitInputPixels: MAX_SOURCE_PIXELS });
    const { format } = await image.metadata();
    if (format !== "png") throw new LogoError("The logo is not a PNG or an SVG file.");
    const { data, info } = await image.resize({ width: LOGO_PIXELS, height: LOGO_PIXELS, fit: "inside" }).png().toBuffer({ resolveWithObject: true });
    return { png: data, width: info.width, height: info.height };
  } catch (error) {
    if (error instanceof LogoError) throw error;
    throw new LogoError(`The logo's PNG could not be read (${(error as Error).message}); export it again and upload it.`);
  }
}

async function fromSvg(svg: string): Promise<LogoImage> {
  const problem = svgProblem(svg);
  if (problem) throw new LogoError(`The SVG logo was refused: ${problem}.`);
  const Resvg = await loadResvg();
  let resvg: Resvg;
  try {
    resvg = new Resvg(svg, { fitTo: { mode: "height", value: LOGO_PIXELS }, font: { loadSystemFonts: false } });
  } catch (error) {
    throw new LogoError(`The SVG logo could not be read (${(error as Error).message}); export it again and upload it.`);
  }
  if (resvg.imagesToResolve().length > 0) throw new LogoError("The SVG logo was refused: it refers to images outside the file; embed them or upload a PNG.");
  if (resvg.width === 0 || resvg.height === 0) throw new LogoError("The SVG logo has no size (width, height or viewBox); set one and upload it again.");
  // Drawn LOGO_PIXELS high, a very wide SVG would be a huge image: its shape is checked before it is drawn.
  const ratio = resvg.width / resvg.height;
  if (ratio > MAX_ASPECT || ratio < 1 / MAX_ASPECT) {
    throw new LogoError(`The SVG logo is ${Math.round(resvg.width)}x${Math.round(resvg.height)}; a logo may be at most ${MAX_ASPECT} times as wide as it is high, or as high as it is wide.`);
  }
  // Rasterised at LOGO_PIXELS high, then fitted inside the same square as a PNG logo.
  return fromPng(resvg.render().asPng());
}

/** A stored logo's bytes as the PNG a card embeds; LogoError when the file is not a usable PNG or SVG. */
export async function logoImage(bytes: Uint8Array): Promise<LogoImage> {
  const data = Buffer.from(bytes);
  if (data.length === 0) throw new LogoError("The logo file is empty; upload a PNG or an SVG.");
  if (data.length > MAX_LOGO_BYTES) throw new LogoError(`The logo is ${data.length} bytes; a logo may be at most ${MAX_LOGO_BYTES} bytes (512 KiB).`);
  if (data.subarray(0, 8).equals(PNG_SIGNATURE)) return fromPng(data);
  const text = data.toString("utf8");
  if (/^\uFEFF?\s*</.test(text) && /<svg[\s>]/i.test(text)) return fromSvg(text);
  throw new LogoError("The logo is not a PNG or an SVG file; upload one of those.");
}
