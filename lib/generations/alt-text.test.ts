import { describe, expect, it } from "vitest";
import { altTextsFor, slideAltText } from "@/lib/generations/alt-text";

describe("alt text", () => {
  it("reads a card's points in order, and a carousel's slides as title then body", () => {
    expect(altTextsFor({ format: "bullet_points", bulletPoints: ["Churn fell to 2.2%.", "Revenue rose by 27%."] })).toEqual({
      image: "Churn fell to 2.2%. Revenue rose by 27%.",
      slides: null,
    });
    const carousel = altTextsFor({
      format: "carousel",
      slides: [
        { title: "Written proposals cut meeting time", body: "Written proposals cut meeting time by a third." },
        { title: "Fewer calls", body: "Dr. Chen measured a 27.5% drop in calls." },
      ],
    });
    expect(carousel.slides).toEqual([
      "Written proposals cut meeting time: Written proposals cut meeting time by a third.",
      "Fewer calls: Dr. Chen measured a 27.5% drop in calls.",
    ]);
    expect(carousel.image).toBe(carousel.slides![0]);
    expect(altTextsFor({ format: "canva_design", quote: "Ship small, ship often." })).toEqual({ image: "Ship small, ship often.", slides: null });
  });

  it("joins Chinese without spaces and with its own colon, and Arabic with spaces", () => {
    expect(slideAltText({ title: "会议时间", body: "现在每天的会议时间平均只有四十分钟。" })).toBe("会议时间：现在每天的会议时间平均只有四十分钟。");
    expect(altTextsFor({ format: "bullet_points", bulletPoints: ["第一句。", "第二句。"] }).image).toBe("第一句。第二句。");
    expect(altTextsFor({ format: "bullet_points", bulletPoints: ["هل نجح؟", "نعم."] }).image).toBe("هل نجح؟ نعم.");
  });

  it("keeps within 1,000 characters by leaving out whole points, never half of one", () => {
    const point = `${"word ".repeat(59)}end.`; // 299 characters
    const { image } = altTextsFor({ format: "bullet_points", bulletPoints: [point, point, point, point] });
    expect(image).toBe([point, point, point].join(" "));
    expect(image.length).toBeLessThanOrEqual(1000);
  });
});
