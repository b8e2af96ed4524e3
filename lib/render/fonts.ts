/**
 * The fonts the cards are drawn with, all from npm packages (no system fonts,
 * no network). A family's base font (Inter for "sans") covers Latin, Greek,
 * Cyrillic and Vietnamese and is handed to satori on every render. Other
 * scripts come from Noto Sans packages, loaded only when a card's text needs
 * them: satori asks `loadAdditionalAsset` for the text no loaded font covers,
 * and we answer with the @fontsource unicode-range subsets (a few tens of KB
 * each) that hold those characters. Files are read once per process.
 *
 * Chinese, Japanese and Korean share the Han code points but draw many of them
 * differently, so the card's language picks the package for Han characters,
 * and the CJK fonts carry satori's `lang`, which puts the language's own font
 * first when the card's root element says which language it is in.
 *
 * Satori keeps one font loader per base font array and adds what we return to
 * it for good, so each font is returned at most once per base array: returning
 * it again on every render would grow that loader's lists without end. Satori
 * uses one font per name and weight, so every subset has a name of its own
 * ("Inter cyrillic", "Noto Sans JP 12"); the family's first subset carries its
 * plain name, which the cards ask for, and the others are fallbacks.
 */
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import type { SatoriLocale } from "@/lib/render/language";

type FontWeight = 400 | 700;
export type FontOptions = { name: string; data: Buffer; weight: FontWeight; style: "normal"; lang?: SatoriLocale };

const WEIGHTS = [400, 700] as const;
const require = createRequire(import.meta.url);
const packageDir = (name: string) => path.dirname(require.resolve(`${name}/package.json`));

// ---------------------------------------------------------------------
// Families: the base font of each (a brand kit picks one)
// ---------------------------------------------------------------------

type Family = { package: string; name: string; subsets: string[] };

/** The bundled families a brand kit picks from; "sans" is today's look. Each lists every script subset its package has. */
export const FAMILIES = {
  sans: { package: "@fontsource/inter", name: "Inter", subsets: ["latin", "latin-ext", "cyrillic", "cyrillic-ext", "greek", "greek-ext", "vietnamese"] },
  serif: { package: "@fontsource/noto-serif", name: "Noto Serif", subsets: ["latin", "latin-ext", "cyrillic", "cyrillic-ext", "greek", "greek-ext", "vietnamese"] },
  rounded: { package: "@fontsource/nunito", name: "Nunito", subsets: ["latin", "latin-ext", "cyrillic", "cyrillic-ext", "vietnamese"] },
  mono: { package: "@fontsource/jetbrains-mono", name: "JetBrains Mono", subsets: ["latin", "latin-ext", "cyrillic", "cyrillic-ext", "greek", "vietnamese"] },
} as const satisfies Record<string, Family>;
export type FamilyName = keyof typeof FAMILIES;

const fileName = (pkg: string, subset: string, weight: FontWeight) => `${pkg.split("/")[1]}-${subset}-${weight}-normal.woff`;

const files = new Map<string, Promise<Buffer>>();
/** A font file's bytes, read once per process; a failed read is not cached. */
function fontFile(pkg: string, subset: string, weight: FontWeight): Promise<Buffer> {
  const file = path.join(packageDir(pkg), "files", fileName(pkg, subset, weight));
  let data = files.get(file);
  if (!data) {
    data = readFile(file);
    files.set(file, data);
    data.catch(() => files.delete(file));
  }
  return data;
}

const baseFonts = new Map<FamilyName, Promise<FontOptions[]>>();
/** A family's base fonts: the same array every time, so satori keeps one loader (and its caches) for it. */
export function familyFonts(family: FamilyName): Promise<FontOptions[]> {
  let fonts = baseFonts.get(family);
  if (!fonts) {
    const { package: pkg, name, subsets } = FAMILIES[family];
    const own = subsets.flatMap((subset, index) =>
      WEIGHTS.map(async (weight): Promise<FontOptions> => ({ name: index ? `${name} ${subset}` : name, data: await fontFile(pkg, subset, weight), weight, style: "normal" })),
    );
    // A family without a script Inter has (Nunito has no Greek) falls back to Inter for it, never to a missing-glyph box.
    const sans = FAMILIES.sans;
    const fallback = family === "sans" ? [] : sans.subsets.filter((subset) => !(subsets as readonly string[]).includes(subset));
    const borrowed = fallback.flatMap((subset) =>
      WEIGHTS.map(async (weight): Promise<FontOptions> => ({ name: `${sans.name} ${subset}`, data: await fontFile(sans.package, subset, weight), weight, style: "normal" })),
    );
    fonts = Promise.all([...own, ...borrowed]);
    baseFonts.set(family, fonts);
    fonts.catch(() => baseFonts.delete(family));
  }
  return fonts;
}

// ---------------------------------------------------------------------
// Other scripts: Noto Sans subsets by code point
// ---------------------------------------------------------------------

type Fallback = { package: string; name: string; lang?: SatoriLocale };
type NotoKey = "sc" | "tc" | "jp" | "kr" | "arabic" | "hebrew" | "devanagari" | "thai";
const NOTO: Record<NotoKey, Fallback> = {
  sc: { package: "@fontsource/noto-sans-sc", name: "Noto Sans SC", lang: "zh-CN" },
  tc: { package: "@fontsource/noto-sans-tc", name: "Noto Sans TC", lang: "zh-TW" },
  jp: { package: "@fontsource/noto-sans-jp", name: "Noto Sans JP", lang: "ja-JP" },
  kr: { package: "@fontsource/noto-sans-kr", name: "Noto Sans KR", lang: "ko-KR" },
  arabic: { package: "@fontsource/noto-sans-arabic", name: "Noto Sans Arabic" },
  hebrew: { package: "@fontsource/noto-sans-hebrew", name: "Noto Sans Hebrew" },
  devanagari: { package: "@fontsource/noto-sans-devanagari", name: "Noto Sans Devanagari" },
  thai: { package: "@fontsource/noto-sans-thai", name: "Noto Sans Thai" },
};

const HAN_BY_LOCALE: Partial<Record<SatoriLocale, NotoKey>> = { "ja-JP": "jp", "ko-KR": "kr", "zh-TW": "tc", "zh-HK": "tc", "zh-CN": "sc" };

/** Which package to try first for a character, by its script; the rest are tried after it. */
function preferred(char: string, locale: SatoriLocale | undefined): NotoKey | undefined {
  if (/\p{Script=Hangul}/u.test(char)) return "kr";
  if (/[\p{Script=Hiragana}\p{Script=Katakana}]/u.test(char)) return "jp";
  if (/\p{Script=Arabic}/u.test(char)) return "arabic";
  if (/\p{Script=Hebrew}/u.test(char)) return "hebrew";
  if (/\p{Script=Devanagari}/u.test(char)) return "devanagari";
  if (/\p{Script=Thai}/u.test(char)) return "thai";
  // Han, and the CJK punctuation and full-width forms every CJK font has: the card's language decides.
  return (locale && HAN_BY_LOCALE[locale]) || "sc";
}

type Range = [number, number];
const ranges = new Map<NotoKey, { subset: string; ranges: Range[] }[]>();
/** A package's subsets and the code points each covers (its unicode.json), read once. */
function subsetsOf(key: NotoKey) {
  let subsets = ranges.get(key);
  if (!subsets) {
    const table = JSON.parse(readFileSync(path.join(packageDir(NOTO[key].package), "unicode.json"), "utf8")) as Record<string, string>;
    subsets = Object.entries(table).map(([subset, list]) => ({
      subset: subset.replace(/^\[(\d+)\]$/, "$1"),
      ranges: list.split(",").map((part): Range => {
        const [from, to] = part.trim().replace(/^U\+/i, "").split("-");
        return [Number.parseInt(from!.replaceAll("?", "0"), 16), Number.parseInt((to ?? from!).replaceAll("?", "f"), 16)];
      }),
    }));
    ranges.set(key, subsets);
  }
  return subsets;
}

function subsetFor(key: NotoKey, codePoint: number): string | undefined {
  return subsetsOf(key).find(({ ranges }) => ranges.some(([from, to]) => codePoint >= from && codePoint <= to))?.subset;
}

const fallbackFonts = new Map<string, Promise<FontOptions[]>>();
function subsetFonts(key: NotoKey, subset: string): Promise<FontOptions[]> {
  const id = `${key}:${subset}`;
  let fonts = fallbackFonts.get(id);
  if (!fonts) {
    const { package: pkg, name, lang } = NOTO[key];
    fonts = Promise.all(
      WEIGHTS.map(async (weight): Promise<FontOptions> => ({ name: `${name} ${subset}`, data: await fontFile(pkg, subset, weight), weight, style: "normal", ...(lang ? { lang } : {}) })),
    );
    fallbackFonts.set(id, fonts);
    fonts.catch(() => fallbackFonts.delete(id));
  }
  return fonts;
}

/** The subsets that draw a text's characters, its language's CJK package first. */
export function subsetsFor(text: string, locale: SatoriLocale | undefined): { key: NotoKey; subset: string }[] {
  const found = new Map<string, { key: NotoKey; subset: string }>();
  const order = Object.keys(NOTO) as NotoKey[];
  for (const char of new Set(text)) {
    if (/\s/u.test(char)) continue;
    const first = preferred(char, locale);
    const codePoint = char.codePointAt(0)!;
    for (const key of first ? [first, ...order.filter((other) => other !== first)] : order) {
      const subset = subsetFor(key, codePoint);
      if (subset) {
        found.set(`${key}:${subset}`, { key, subset });
        break;
      }
    }
  }
  return [...found.values()];
}

const handed = new WeakMap<FontOptions[], WeakSet<FontOptions>>();
/**
 * The fonts satori should add to the loader of `base` to draw `text`: those
 * not handed to it before (see the file's header for why).
 */
export async function fontsFor(base: FontOptions[], text: string, locale: SatoriLocale | undefined): Promise<FontOptions[]> {
  const loaded = (await Promise.all(subsetsFor(text, locale).map(({ key, subset }) => subsetFonts(key, subset)))).flat();
  let given = handed.get(base);
  if (!given) handed.set(base, (given = new WeakSet()));
  const fresh = loaded.filter((font) => !given.has(font));
  for (const font of fresh) given.add(font);
  return fresh;
}
