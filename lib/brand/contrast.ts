/**
 * Colour contrast as WCAG 2.x defines it: relative luminance of sRGB and
 * the ratio (L1 + 0.05) / (L2 + 0.05). A plain function of our own rather
 * than a library: the formula is a few lines, and the database computes the
 * same in SQL (private.contrast_ratio, migration 20261208010000) to guard
 * writes that do not come through the API.
 */

/** #rrggbb, lower case: the only form a kit stores. */
export const HEX_COLOR = /^#[0-9a-f]{6}$/;

/** White or near-black: the text colour whichever contrasts more with the background. */
const LIGHT_TEXT = "#ffffff";
const DARK_TEXT = "#111111";

/** WCAG AA: body text on its background, and a graphical element (the accent) on it. */
const MIN_TEXT_CONTRAST = 4.5;
const MIN_ACCENT_CONTRAST = 3;

const channels = (hex: string): [number, number, number] => [1, 3, 5].map((at) => Number.parseInt(hex.slice(at, at + 2), 16) / 255) as [number, number, number];

function relativeLuminance(hex: string): number {
  const [r, g, b] = channels(hex).map((value) => (value <= 0.04045 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4)) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

export function contrastRatio(a: string, b: string): number {
  const [la, lb] = [relativeLuminance(a), relativeLuminance(b)];
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}

/** The text colour for a background: white or near-black, whichever contrasts more (white on a tie). */
export function textColorFor(background: string): string {
  return contrastRatio(LIGHT_TEXT, background) >= contrastRatio(DARK_TEXT, background) ? LIGHT_TEXT : DARK_TEXT;
}

/** `a` moved toward `b` by `amount` (0: a, 1: b), per sRGB channel. */
function mix(a: string, b: string, amount: number): string {
  const [ca, cb] = [channels(a), channels(b)];
  return `#${ca.map((value, index) => Math.round((value + (cb[index]! - value) * amount) * 255).toString(16).padStart(2, "0")).join("")}`;
}

/**
 * The footer's quieter colour: the text colour faded toward the background
 * as far as it can go while still reaching 4.5:1 (the text colour itself
 * when no fading does).
 */
export function mutedColorFor(text: string, background: string): string {
  for (const amount of [0.4, 0.3, 0.2, 0.1]) {
    const muted = mix(text, background, amount);
    if (contrastRatio(muted, background) >= MIN_TEXT_CONTRAST) return muted;
  }
  return text;
}

export type ContrastProblem = { field: "backgroundColor" | "accentColor"; message: string };

const ratio = (value: number) => `${Math.floor(value * 100) / 100}:1`;

/** What is wrong with a pair of colours, per field, in words a person can act on; empty when both pass. */
export function contrastProblems(background: string, accent: string): ContrastProblem[] {
  const problems: ContrastProblem[] = [];
  const text = textColorFor(background);
  const textContrast = contrastRatio(text, background);
  if (textContrast < MIN_TEXT_CONTRAST) {
    problems.push({
      field: "backgroundColor",
      message:
        `${background}: the best text colour on it (${text === LIGHT_TEXT ? "white" : "near-black"}) reaches only ${ratio(textContrast)}, ` +
        `under the ${MIN_TEXT_CONTRAST}:1 WCAG AA asks for text; choose a lighter or darker background.`,
    });
  }
  const accentContrast = contrastRatio(accent, background);
  if (accentContrast < MIN_ACCENT_CONTRAST) {
    problems.push({
      field: "accentColor",
      message: `${accent}: contrast with the background ${background} is ${ratio(accentContrast)}, under the ${MIN_ACCENT_CONTRAST}:1 WCAG asks for; choose an accent further from the background.`,
    });
  }
  return problems;
}
