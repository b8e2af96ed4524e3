/**
 * The posts' images, as element trees satori lays out (lib/render/draw.ts
 * turns them into PNGs). Every card takes a theme, today's look by default,
 * and the language of its text (for the glyph forms of Chinese, Japanese and
 * Korean, see lib/render/language.ts).
 *
 * Text is sized before layout: the largest font size at which a greedy wrap
 * of the text, measured with conservative glyph widths (a full em for CJK
 * and emoji), fits the card's text box. The estimate errs wide, so text can
 * end up a little smaller than the box allows but never overflows it; words
 * longer than a line are broken (wordBreak: break-word), and the limits in
 * lib/generations/content.ts bound how much text there can be. A block whose
 * first letter is of a right-to-left script is set right to left.
 */
import type { Slide } from "@/lib/generations/content";
import { toPng, toSvg as drawSvg, type Node, type Rasterizer, type Size } from "@/lib/render/draw";
import { FAMILIES, type FamilyName } from "@/lib/render/fonts";
import { BULLET_CARD_SIZE, CAROUSEL_SIZE, QUOTE_CARD_SIZE } from "@/lib/render/sizes";


const PADDING = 96;

/**
 * How a card looks: its colours, its font family and what its footer
 * carries: a name, and from a brand kit (lib/brand/theme.ts) a handle and a
 * logo (a PNG this process made, never a person's file as it came).
 */
export type Theme = {
  family: FamilyName;
  colors: { background: string; text: string; muted: string; accent: string };
  label: string;
  handle?: string;
  logo?: { png: Buffer; width: number; height: number };
};

export const DEFAULT_THEME: Theme = {
  family: "sans",
  colors: { background: "#0f172a", text: "#f8fafc", muted: "#94a3b8", accent: "#38bdf8" },
  label: "Postora",
};

/** What a render takes besides its content; every field has a default. */
export type RenderOptions = { theme?: Theme; language?: string | null; rasterizer?: Rasterizer };

// ---------------------------------------------------------------------
// Fitting text
// ---------------------------------------------------------------------

/**
 * Each family's widest common glyphs average under these fractions of the
 * font size; used as upper bounds (Inter's are the ones the cards began
 * with; JetBrains Mono's every glyph is 0.6 em).
 */
const GLYPH_WIDTHS_EM: Record<FamilyName, { 400: number; 700: number }> = {
  sans: { 400: 0.58, 700: 0.62 },
  serif: { 400: 0.62, 700: 0.66 },
  rounded: { 400: 0.58, 700: 0.62 },
  mono: { 400: 0.62, 700: 0.62 },
};
type GlyphWidths = (typeof GLYPH_WIDTHS_EM)[FamilyName];
/** CJK ideographs, kana, Hangul, full-width forms and emoji take a full em; other scripts' letters are bounded by this. */
const WIDE = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Extended_Pictographic}\u3000-\u303f\uff00-\uffef]/u;
const OTHER_SCRIPT_EM = 0.72;

type TextBlock = { text: string; weight: 400 | 700; scale?: number };

function charEm(char: string, weight: 400 | 700, widths: GlyphWidths): number {
  if (WIDE.test(char)) return 1;
  // Combining marks and joiners take no room of their own.
  if (/\p{M}|\u200d/u.test(char)) return 0;
  return char.codePointAt(0)! < 0x500 ? widths[weight] : OTHER_SCRIPT_EM;
}

/** Lines a greedy wrap needs for this text at this size and width, measured in ems. */
function linesFor(text: string, fontSize: number, width: number, weight: 400 | 700, widths: GlyphWidths): number {
  const perLine = width / fontSize;
  const space = widths[weight];
  let lines = 1;
  let used = 0;
  for (const word of text.split(/\s+/).filter(Boolean)) {
    let length = 0;
    for (const char of word) length += charEm(char, weight, widths);
    if (used > 0 && used + space + length <= perLine) {
      used += space + length;
      continue;
    }
    if (used > 0) lines++;
    while (length > perLine) {
      // A word broken across lines loses up to a glyph's width at each break.
      length -= perLine - 1;
      lines++;
    }
    used = length;
  }
  return lines;
}

/** Right to left when the text's first letter is of a right-to-left script (as dir="auto" does). */
const direction = (text: string) => (/^[^\p{L}]*[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]/u.test(text) ? "rtl" : "ltr");

/**
 * The largest font size (a whole number between min and max) at which every
 * block, at its own scale, fits width x height with the given line height
 * and gap between blocks.
 */
function fitFontSize(
  blocks: TextBlock[],
  box: { width: number; height: number },
  options: { min: number; max: number; lineHeight: number; gap: number | ((fontSize: number) => number); family: FamilyName },
): number {
  const widths = GLYPH_WIDTHS_EM[options.family];
  for (let size = options.max; size > options.min; size -= 2) {
    const height = blocks.reduce((sum, block) => {
      const fontSize = size * (block.scale ?? 1);
      return sum + linesFor(block.text, fontSize, box.width, block.weight, widths) * fontSize * options.lineHeight;
    }, 0) + (typeof options.gap === "number" ? options.gap : options.gap(size)) * Math.max(0, blocks.length - 1);
    if (height <= box.height) return size;
  }
  return options.min;
}

// ---------------------------------------------------------------------
// Cards
// ---------------------------------------------------------------------

const div = (style: Record<string, unknown>, children?: Node | Node[] | string): Node => ({ type: "div", props: { style: { display: "flex", ...style }, children } });

/** A block of text, set in its own direction. */
const text = (style: Record<string, unknown>, content: string): Node => div({ wordBreak: "break-word", ...style, direction: direction(content) }, content);

function frame(size: Size, theme: Theme, footer: string, children: Node[]): Node {
  const inner = { width: size.width - 2 * PADDING, height: size.height - 2 * PADDING };
  const { colors } = theme;
  return div({ width: size.width, height: size.height, backgroundColor: colors.background, fontFamily: FAMILIES[theme.family].name, color: colors.text, padding: PADDING }, [
    div({ ...inner, flexDirection: "column" }, [
      div({ height: inner.height - 88, flexDirection: "column", justifyContent: "center" }, children),
      div({ height: 40, marginTop: 48, fontSize: 28, color: colors.muted, justifyContent: "space-between" }, [signature(theme), div({}, footer)]),
    ]),
  ]);
}

const LOGO_HEIGHT = 40;

/**
 * The footer's left side: the name alone (Postora's own look, drawn as it
 * always was), or a brand kit's logo, name and handle, the name in the text
 * colour. A long name or handle is cut with an ellipsis, never wrapped.
 */
function signature(theme: Theme): Node {
  if (!theme.handle && !theme.logo) return div({}, theme.label);
  const parts: Node[] = [];
  if (theme.logo) {
    const width = Math.round((theme.logo.width / theme.logo.height) * LOGO_HEIGHT);
    // A separate object, so it may carry the img's own props beside Node's (satori reads src, width, height).
    const props = { src: `data:image/png;base64,${theme.logo.png.toString("base64")}`, width, height: LOGO_HEIGHT, style: { width, height: LOGO_HEIGHT } };
    parts.push({ type: "img", props });
  }
  const clip = { overflow: "hidden", whiteSpace: "nowrap", textOverflow: "ellipsis", maxWidth: 420 };
  if (theme.label) parts.push(div({ ...clip, color: theme.colors.text, fontWeight: 700 }, theme.label));
  if (theme.handle) parts.push(div(clip, theme.handle));
  return div({ alignItems: "center", gap: 16 }, parts);
}

const TEXT_BOX = (size: Size) => ({ width: size.width - 2 * PADDING, height: size.height - 2 * PADDING - 40 - 48 });

export function bulletCardTree(bullets: string[], theme: Theme = DEFAULT_THEME): Node {
  const box = TEXT_BOX(BULLET_CARD_SIZE);
  const marker = 56;
  const blocks = bullets.map((text) => ({ text, weight: 400 as const }));
  const gap = (size: number) => Math.round(size * 0.6);
  const fontSize = fitFontSize(blocks, { width: box.width - marker, height: box.height }, { min: 16, max: 64, lineHeight: 1.3, gap, family: theme.family });
  return frame(BULLET_CARD_SIZE, theme, `${bullets.length} key points`, [
    div(
      { flexDirection: "column", gap: gap(fontSize) },
      bullets.map((bullet) =>
        // The marker stands where the line starts: on the right of a right-to-left bullet.
        div({ flexDirection: direction(bullet) === "rtl" ? "row-reverse" : "row", alignItems: "flex-start" }, [
          div({ width: marker, flexShrink: 0, color: theme.colors.accent, fontSize, lineHeight: 1.3, fontWeight: 700 }, "\u2022"),
          text({ width: box.width - marker, fontSize, lineHeight: 1.3 }, bullet),
        ]),
      ),
    ),
  ]);
}

export function slideTree(slide: Slide, index: number, total: number, theme: Theme = DEFAULT_THEME): Node {
  const box = TEXT_BOX(CAROUSEL_SIZE);
  const cover = index === 0;
  const { colors } = theme;
  const blocks: TextBlock[] = [
    { text: slide.title, weight: 700, scale: cover ? 1.6 : 1.25 },
    { text: slide.body, weight: 400 },
  ];
  const fontSize = fitFontSize(blocks, box, { min: 20, max: cover ? 60 : 56, lineHeight: 1.25, gap: 48, family: theme.family });
  return frame(CAROUSEL_SIZE, theme, `${index + 1} / ${total}`, [
    div({ flexDirection: "column", gap: 48 }, [
      text({ width: box.width, fontSize: Math.floor(fontSize * (cover ? 1.6 : 1.25)), fontWeight: 700, lineHeight: 1.25, color: cover ? colors.accent : colors.text }, slide.title),
      text({ width: box.width, fontSize, lineHeight: 1.25, color: cover ? colors.muted : colors.text }, slide.body),
    ]),
  ]);
}

export function quoteCardTree(quote: string, theme: Theme = DEFAULT_THEME): Node {
  const box = TEXT_BOX(QUOTE_CARD_SIZE);
  const mark = 120;
  const fontSize = fitFontSize([{ text: quote, weight: 700 }], { width: box.width, height: box.height - mark }, { min: 24, max: 88, lineHeight: 1.2, gap: 0, family: theme.family });
  return frame(QUOTE_CARD_SIZE, theme, "", [
    div({ height: mark, fontSize: 160, lineHeight: 1, color: theme.colors.accent, fontWeight: 700 }, "\u201C"),
    text({ width: box.width, fontSize, fontWeight: 700, lineHeight: 1.2 }, quote),
  ]);
}

const drawing = (options: RenderOptions) => ({ family: (options.theme ?? DEFAULT_THEME).family, language: options.language, rasterizer: options.rasterizer });

/** The card's SVG, for tests that check every glyph lies inside the card. */
export const toSvg = (tree: Node, size: Size, options: RenderOptions = {}) => drawSvg(tree, size, drawing(options));

export const renderBulletCard = (bullets: string[], options: RenderOptions = {}) =>
  toPng(bulletCardTree(bullets, options.theme), BULLET_CARD_SIZE, drawing(options));
export const renderSlide = (slide: Slide, index: number, total: number, options: RenderOptions = {}) =>
  toPng(slideTree(slide, index, total, options.theme), CAROUSEL_SIZE, drawing(options));
export const renderQuoteCard = (quote: string, options: RenderOptions = {}) => toPng(quoteCardTree(quote, options.theme), QUOTE_CARD_SIZE, drawing(options));
