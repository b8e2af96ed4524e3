/**
 * Every script and emoji, drawn with real glyphs: one slide per script is
 * rendered and compared with a reference PNG kept next to this file
 * (references/, reviewed by eye once). A missing-glyph box, a lost emoji, a
 * line set in the wrong direction or CJK text in another language's glyph
 * forms changes thousands of pixels; anti-aliasing noise changes a few.
 *
 * A reference that is missing is written and the test fails, so a new or
 * deliberately changed card is looked at before it is committed (delete the
 * file to draw it again). resvg, the rasteriser the cards used before sharp,
 * is held against the same references: the switch changed no card.
 */
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { renderSlide } from "@/lib/render/cards";
import type { Rasterizer } from "@/lib/render/draw";
import { detectLanguage } from "@/lib/render/language";
import { differentPixels, pixelsOf } from "@/test/png";

const REFERENCES = path.join(import.meta.dirname, "references");
/**
 * Pixels that may differ (pixelmatch, threshold 0.1): anti-aliasing noise. resvg differs from the sharp
 * references in at most a few dozen; one glyph drawn in another language's forms differs in hundreds.
 */
const MAX_DIFFERENT = 250;

const CARDS: Record<string, { title: string; body: string }> = {
  latin: { title: "Ein Überblick: Ça va, señor?", body: "Złoty, naïve café, Ærø, Ångström, Đà Nẵng. Ţară şi ţinut; İstanbul’da güzel." },
  greek: { title: "Καλημέρα κόσμε", body: "Η ομάδα έγραψε σημειώσεις κάθε εβδομάδα και οι συναντήσεις μειώθηκαν κατά ένα τρίτο." },
  cyrillic: { title: "Привет, мир", body: "Команда писала заметки каждую неделю, и совещания сократились на треть. Ґанок і їжак." },
  "zh-hans": { title: "写作的方法", body: "这个团队每周写一次说明文档，会议时间减少了三分之一。" },
  "zh-hant": { title: "寫作的方法", body: "這個團隊每週寫一次說明文件，會議時間減少了三分之一。" },
  ja: { title: "書き方の手引き", body: "このチームは毎週文書を書き、会議の時間を三分の一減らしました。" },
  ko: { title: "글쓰기 안내", body: "이 팀은 매주 문서를 작성했고 회의 시간이 3분의 1로 줄었습니다." },
  arabic: { title: "مرحبا بالعالم", body: "كتب الفريق وثائق أسبوعية فقلّ وقت الاجتماعات بمقدار الثلث في عام 2024." },
  hebrew: { title: "שלום עולם", body: "הצוות כתב מסמכים בכל שבוע וזמן הפגישות ירד בשליש." },
  devanagari: { title: "नमस्ते दुनिया", body: "टीम ने हर सप्ताह दस्तावेज़ लिखे और बैठकों का समय एक तिहाई कम हो गया।" },
  thai: { title: "สวัสดีชาวโลก", body: "ทีมเขียนเอกสารทุกสัปดาห์ และเวลาประชุมลดลงหนึ่งในสาม" },
  emoji: { title: "Ship it 🚀👩‍💻", body: "Thumbs 👍🏽👍🏿, flags 🇯🇵🇧🇷🇺🇦, family 👨‍👩‍👧, rainbow 🏳️‍🌈, heart ❤️ and keycap 3️⃣." },
};

const render = (name: string, rasterizer: Rasterizer) => {
  const card = CARDS[name]!;
  return renderSlide(card, 1, 3, { language: detectLanguage(`${card.title} ${card.body}`), rasterizer });
};

describe("every script and emoji render with real glyphs", () => {
  for (const name of Object.keys(CARDS)) {
    it(`${name} matches its reference, drawn with sharp and with resvg`, async () => {
      const file = path.join(REFERENCES, `${name}.png`);
      const png = await render(name, "sharp");
      if (!existsSync(file)) {
        await writeFile(file, png);
        throw new Error(`No reference for ${name}: wrote ${file}; look at it, then commit it.`);
      }
      const reference = await pixelsOf(await readFile(file));
      expect(await differentPixels(png, reference)).toBeLessThan(MAX_DIFFERENT);
      expect(await differentPixels(await render(name, "resvg"), reference)).toBeLessThan(MAX_DIFFERENT);
    });
  }

  it("draws the same Han characters in each language's own forms", async () => {
    // Characters whose Japanese, Simplified, Traditional and Korean forms differ (骨, 直, 令, 次, 角, 述, 雪).
    const han = { title: "骨 直 令 次", body: "角 述 雪 骨 直 令 次 角 述 雪" };
    const [ja, hans, hant, ko] = await Promise.all(["ja", "zh-Hans", "zh-Hant", "ko"].map((language) => renderSlide(han, 1, 3, { language })));
    for (const [one, other] of [[ja, hans], [hans, hant], [ja, ko], [hant, ko]] as const) expect(await differentPixels(one!, other!)).toBeGreaterThan(2 * MAX_DIFFERENT);
  });
});
