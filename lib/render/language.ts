/**
 * Which language a card is in, as far as drawing it goes: Chinese, Japanese
 * and Korean share code points whose glyphs differ, so a card needs to know
 * which of them it is in. A person can say (a BCP 47 tag, e.g. "ja" or
 * "zh-Hant"); otherwise it is guessed from the text: kana means Japanese,
 * Hangul Korean, Han alone Chinese, Traditional when the text uses more
 * Traditional-only than Simplified-only characters among common ones.
 */

/** The locales satori knows (its `lang`), for the scripts whose glyph forms depend on the language. */
export type SatoriLocale = "ja-JP" | "ko-KR" | "zh-CN" | "zh-TW" | "zh-HK";

// Common characters that exist in one script only, pairwise (个/個, 们/們, ...).
const SIMPLIFIED = "这们个来说时会对学国后为过还点实现发经与种问开关体从应当长么机动样问题将业东车门见书让买卖";
const TRADITIONAL = "這們個來說時會對學國後為過還點實現發經與種問開關體從應當長麼機動樣問題將業東車門見書讓買賣";
const SIMPLIFIED_ONLY = new Set([...SIMPLIFIED].filter((char) => !TRADITIONAL.includes(char)));
const TRADITIONAL_ONLY = new Set([...TRADITIONAL].filter((char) => !SIMPLIFIED.includes(char)));

/** A language tag for the text, when its script alone does not settle the glyphs (null otherwise). */
export function detectLanguage(text: string): string | null {
  if (/[\p{Script=Hiragana}\p{Script=Katakana}]/u.test(text)) return "ja";
  if (/\p{Script=Hangul}/u.test(text)) return "ko";
  if (!/\p{Script=Han}/u.test(text)) return null;
  let simplified = 0;
  let traditional = 0;
  for (const char of text) {
    if (SIMPLIFIED_ONLY.has(char)) simplified++;
    else if (TRADITIONAL_ONLY.has(char)) traditional++;
  }
  return traditional > simplified ? "zh-Hant" : "zh-Hans";
}

/**
 * The satori locale for a BCP 47 tag, or undefined when the tag names no
 * CJK language (the glyphs then do not depend on it).
 */
export function satoriLocale(tag: string | null | undefined): SatoriLocale | undefined {
  if (!tag) return undefined;
  const parts = tag.toLowerCase().split(/[-_]/);
  switch (parts[0]) {
    case "ja":
      return "ja-JP";
    case "ko":
      return "ko-KR";
    case "zh":
    case "yue":
      if (parts.includes("hk") || parts.includes("mo")) return "zh-HK";
      if (parts.includes("hant") || parts.includes("tw") || parts[0] === "yue") return "zh-TW";
      return "zh-CN";
    default:
      return undefined;
  }
}

/** A BCP 47 language tag, checked the way Intl reads it ("ja", "zh-Hant", "pt-BR"), in the shape the database's check allows. */
export function isLanguageTag(tag: string): boolean {
  if (tag.length > 35 || !/^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8}){0,6}$/.test(tag)) return false;
  try {
    return Intl.getCanonicalLocales(tag).length === 1;
  } catch {
    return false;
  }
}
