/**
 * The pieces behind every script and emoji: which language a text is in,
 * which font subsets draw it, Twemoji's file names, and that a font is handed
 * to satori's loader once (handing it on every render grows the loader).
 */
import { describe, expect, it } from "vitest";
import { twemojiName } from "@/lib/render/emoji";
import { familyFonts, fontsFor, subsetsFor } from "@/lib/render/fonts";
import { detectLanguage, isLanguageTag, satoriLocale } from "@/lib/render/language";

describe("language", () => {
  it("tells Japanese, Korean, Simplified and Traditional Chinese apart, and leaves other scripts alone", () => {
    expect(detectLanguage("このチームは毎週文書を書き")).toBe("ja");
    expect(detectLanguage("이 팀은 매주 문서를")).toBe("ko");
    expect(detectLanguage("这个团队每周写一次说明文档")).toBe("zh-Hans");
    expect(detectLanguage("這個團隊每週寫一次說明文件")).toBe("zh-Hant");
    expect(detectLanguage("Привет, мир. مرحبا")).toBeNull();
  });

  it("maps language tags to satori's locales, only where the glyphs depend on them", () => {
    expect(["ja", "ko-KR", "zh", "zh-Hans-CN", "zh-Hant", "zh-TW", "zh-HK", "yue"].map(satoriLocale)).toEqual([
      "ja-JP",
      "ko-KR",
      "zh-CN",
      "zh-CN",
      "zh-TW",
      "zh-TW",
      "zh-HK",
      "zh-TW",
    ]);
    expect([null, "en", "ar", "de-CH"].map(satoriLocale)).toEqual([undefined, undefined, undefined, undefined]);
    expect(["ja", "zh-Hant", "pt-BR"].every(isLanguageTag)).toBe(true);
    expect(["", "not a tag", "x".repeat(40)].some(isLanguageTag)).toBe(false);
  });
});

describe("fonts", () => {
  it("picks each script's package, and Han by the card's language", () => {
    const keys = (text: string, locale?: Parameters<typeof subsetsFor>[1]) => [...new Set(subsetsFor(text, locale).map(({ key }) => key))];
    expect(keys("مرحبا שלום नमस्ते สวัสดี")).toEqual(["arabic", "hebrew", "devanagari", "thai"]);
    expect(keys("直", "ja-JP")).toEqual(["jp"]);
    expect(keys("直", "zh-TW")).toEqual(["tc"]);
    expect(keys("直", "ko-KR")).toEqual(["kr"]);
    expect(keys("直")).toEqual(["sc"]);
    expect(keys("かな 한글")).toEqual(["jp", "kr"]);
  });

  it("hands each font to a family's loader once", async () => {
    const base = await familyFonts("sans");
    expect(await familyFonts("sans")).toBe(base);
    const first = await fontsFor(base, "שלום", undefined);
    expect(first.map((font) => [font.name.startsWith("Noto Sans Hebrew"), font.weight])).toEqual([
      [true, 400],
      [true, 700],
    ]);
    expect(await fontsFor(base, "שלום עולם", undefined)).toEqual([]);
  });
});

describe("emoji", () => {
  it("names Twemoji's files as its parser does: FE0F dropped unless the sequence has a ZWJ", () => {
    expect(twemojiName("❤️")).toBe("2764");
    expect(twemojiName("👩‍💻")).toBe("1f469-200d-1f4bb");
    expect(twemojiName("🏳️‍🌈")).toBe("1f3f3-fe0f-200d-1f308");
    expect(twemojiName("🇯🇵")).toBe("1f1ef-1f1f5");
    expect(twemojiName("👍🏽")).toBe("1f44d-1f3fd");
  });
});
