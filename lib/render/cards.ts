/**
 * Server-side rendering of the posts' images: satori lays the card out and
 * draws its text as paths into an SVG, resvg turns the SVG into a PNG. The
 * font is Inter from @fontsource/inter (WOFF; satori cannot read WOFF2),
 * loaded from node_modules: no system fonts, no network.
 *
 * Text is sized before layout: the largest font size at which a greedy wrap
 * of the text, measured with a conservative average glyph width, fits the
 * card's text box. The estimate errs wide, so text can end up a little
 * smaller than the box allows but never overflows it; words longer than a
 * line are broken (wordBreak: break-word), and the limits in
 * lib/generations/content.ts bound how much text there can be.
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { Resvg } from "@resvg/resvg-js";
import type { ReactNode } from "react";
import satori from "satori";
import type { Slide } from "@/lib/generations/content";

export const CAROUSEL_SIZE = { width: 1080, height: 1350 } as const;
export const BULLET_CARD_SIZE = { width: 1080, height: 1350 } as const;
export const QUOTE_CARD_SIZE = { width: 1080, height: 1080 } as const;

const PADDING = 96;
const COLORS = { background: "#0f172a", panel: "#111c36", text: "#f8fafc", muted: "#94a3b8", accent: "#38bdf8" };

// ---------------------------------------------------------------------
// Fonts
// ---------------------------------------------------------------------

const SUBSETS = ["latin", "latin-ext", "cyrillic", "cyrillic-ext", "greek", "greek-ext", "vietnamese"];
type Font = { name: string; data: Buffer; weight: 400 | 700; style: "normal" };
let fonts: Promise<Font[]> | undefined;

function loadFonts(): Promise<Font[]> {
  const files = path.join(path.dirname(createRequire(import.meta.url).resolve("@fontsource/inter/package.json")), "files");
  fonts ??= Promise.all(
    SUBSETS.flatMap((subset) =>
      ([400, 700] as const).map(async (weight) => ({
        name: "Inter",
        data: await readFile(path.join(files, `inter-${subset}-${weight}-normal.woff`)),
        weight,
        style: "normal" as const,
      })),
    ),
  ).catch((error: unknown) => {
    fonts = undefined;
    throw error;
  });
  return fonts;
}

// ---------------------------------------------------------------------
// Fitting text
// ---------------------------------------------------------------------

/** Inter's widest common glyphs average under these fractions of the font size; used as upper bounds. */
const GLYPH_WIDTH_EM = { 400: 0.58, 700: 0.62 } as const;

type TextBlock = { text: string; weight: 400 | 700; scale?: number };

/** Lines a greedy wrap needs for this text at this size and width. */
function linesFor(text: string, fontSize: number, width: number, weight: 400 | 700): number {
  const perLine = Math.max(1, Math.floor(width / (fontSize * GLYPH_WIDTH_EM[weight])));
  let lines = 1;
  let used = 0;
  for (const word of text.split(/\s+/).filter(Boolean)) {
    let length = [...word].length;
    if (used > 0 && used + 1 + length <= perLine) {
      used += 1 + length;
      continue;
    }
    if (used > 0) lines++;
    while (length > perLine) {
      length -= perLine;
      lines++;
    }
    used = length;
  }
  return lines;
}

/**
 * The largest font size (a whole number between min and max) at which every
 * block, at its own scale, fits width x height with the given line height
 * and gap between blocks.
 */
function fitFontSize(
  blocks: TextBlock[],
  box: { width: number; height: number },
  options: { min: number; max: number; lineHeight: number; gap: number | ((fontSize: number) => number) },
): number {
  for (let size = options.max; size > options.min; size -= 2) {
    const height = blocks.reduce((sum, block) => {
      const fontSize = size * (block.scale ?? 1);
      return sum + linesFor(block.text, fontSize, box.width, block.weight) * fontSize * options.lineHeight;
    }, 0) + (typeof options.gap === "number" ? options.gap : options.gap(size)) * Math.max(0, blocks.length - 1);
    if (height <= box.height) return size;
  }
  return options.min;
}

// ---------------------------------------------------------------------
// Cards
// ---------------------------------------------------------------------

type Node = { type: string; props: { style?: Record<string, unknown>; children?: Node | Node[] | string } };
const div = (style: Record<string, unknown>, children?: Node | Node[] | string): Node => ({ type: "div", props: { style: { display: "flex", ...style }, children } });

async function toPng(tree: Node, size: { width: number; height: number }): Promise<Buffer> {
  const svg = await satori(tree as unknown as ReactNode, { ...size, fonts: await loadFonts() });
  return new Resvg(svg, { fitTo: { mode: "width", value: size.width }, font: { loadSystemFonts: false } }).render().asPng();
}

/** The card's SVG, for tests that check every glyph lies inside the card. */
export async function toSvg(tree: Node, size: { width: number; height: number }): Promise<string> {
  return satori(tree as unknown as ReactNode, { ...size, fonts: await loadFonts() });
}

function frame(size: { width: number; height: number }, footer: string, children: Node[]): Node {
  const inner = { width: size.width - 2 * PADDING, height: size.height - 2 * PADDING };
  return div({ width: size.width, height: size.height, backgroundColor: COLORS.background, fontFamily: "Inter", color: COLORS.text, padding: PADDING }, [
    div({ ...inner, flexDirection: "column" }, [
      div({ height: inner.height - 88, flexDirection: "column", justifyContent: "center" }, children),
      div({ height: 40, marginTop: 48, fontSize: 28, color: COLORS.muted, justifyContent: "space-between" }, [div({}, "Postora"), div({}, footer)]),
    ]),
  ]);
}

const TEXT_BOX = (size: { width: number; height: number }) => ({ width: size.width - 2 * PADDING, height: size.height - 2 * PADDING - 40 - 48 });

export function bulletCardTree(bullets: string[]): Node {
  const box = TEXT_BOX(BULLET_CARD_SIZE);
  const marker = 56;
  const blocks = bullets.map((text) => ({ text, weight: 400 as const }));
  const gap = (size: number) => Math.round(size * 0.6);
  const fontSize = fitFontSize(blocks, { width: box.width - marker, height: box.height }, { min: 16, max: 64, lineHeight: 1.3, gap });
  return frame(BULLET_CARD_SIZE, `${bullets.length} key points`, [
    div(
      { flexDirection: "column", gap: gap(fontSize) },
      bullets.map((text) =>
        div({ flexDirection: "row", alignItems: "flex-start" }, [
          div({ width: marker, flexShrink: 0, color: COLORS.accent, fontSize, lineHeight: 1.3, fontWeight: 700 }, "\u2022"),
          div({ width: box.width - marker, fontSize, lineHeight: 1.3, wordBreak: "break-word" }, text),
        ]),
      ),
    ),
  ]);
}

export function slideTree(slide: Slide, index: number, total: number): Node {
  const box = TEXT_BOX(CAROUSEL_SIZE);
  const cover = index === 0;
  const blocks: TextBlock[] = [
    { text: slide.title, weight: 700, scale: cover ? 1.6 : 1.25 },
    { text: slide.body, weight: 400 },
  ];
  const fontSize = fitFontSize(blocks, box, { min: 20, max: cover ? 60 : 56, lineHeight: 1.25, gap: 48 });
  return frame(CAROUSEL_SIZE, `${index + 1} / ${total}`, [
    div({ flexDirection: "column", gap: 48 }, [
      div({ width: box.width, fontSize: Math.floor(fontSize * (cover ? 1.6 : 1.25)), fontWeight: 700, lineHeight: 1.25, color: cover ? COLORS.accent : COLORS.text, wordBreak: "break-word" }, slide.title),
      div({ width: box.width, fontSize, lineHeight: 1.25, color: cover ? COLORS.muted : COLORS.text, wordBreak: "break-word" }, slide.body),
    ]),
  ]);
}

export function quoteCardTree(quote: string): Node {
  const box = TEXT_BOX(QUOTE_CARD_SIZE);
  const mark = 120;
  const fontSize = fitFontSize([{ text: quote, weight: 700 }], { width: box.width, height: box.height - mark }, { min: 24, max: 88, lineHeight: 1.2, gap: 0 });
  return frame(QUOTE_CARD_SIZE, "", [
    div({ height: mark, fontSize: 160, lineHeight: 1, color: COLORS.accent, fontWeight: 700 }, "\u201C"),
    div({ width: box.width, fontSize, fontWeight: 700, lineHeight: 1.2, wordBreak: "break-word" }, quote),
  ]);
}

export const renderBulletCard = (bullets: string[]) => toPng(bulletCardTree(bullets), BULLET_CARD_SIZE);
export const renderSlide = (slide: Slide, index: number, total: number) => toPng(slideTree(slide, index, total), CAROUSEL_SIZE);
export const renderQuoteCard = (quote: string) => toPng(quoteCardTree(quote), QUOTE_CARD_SIZE);
