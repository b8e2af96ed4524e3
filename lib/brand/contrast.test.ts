/** WCAG contrast against the specification's own reference points, and the colours a kit derives from its background. */
import { describe, expect, it } from "vitest";
import { contrastProblems, contrastRatio, mutedColorFor, textColorFor } from "@/lib/brand/contrast";

describe("contrast", () => {
  it("matches WCAG's reference ratios", () => {
    expect(contrastRatio("#000000", "#ffffff")).toBeCloseTo(21, 5);
    expect(contrastRatio("#ffffff", "#ffffff")).toBe(1);
    // The grey at which white text stops passing AA: #767676 passes, #777777 does not.
    expect(contrastRatio("#ffffff", "#767676")).toBeGreaterThanOrEqual(4.5);
    expect(contrastRatio("#ffffff", "#777777")).toBeLessThan(4.5);
  });

  it("picks white or near-black text, whichever contrasts more", () => {
    expect(textColorFor("#0f172a")).toBe("#ffffff");
    expect(textColorFor("#fef3c7")).toBe("#111111");
    expect(textColorFor("#1d4ed8")).toBe("#ffffff");
  });

  it("fades the footer's colour only as far as 4.5:1 allows", () => {
    for (const background of ["#0f172a", "#ffffff", "#1d4ed8", "#767676"]) {
      const muted = mutedColorFor(textColorFor(background), background);
      expect(contrastRatio(muted, background), background).toBeGreaterThanOrEqual(4.5);
    }
    expect(mutedColorFor("#ffffff", "#000000")).not.toBe("#ffffff");
  });

  it("names the field at fault", () => {
    expect(contrastProblems("#ffffff", "#1d4ed8")).toEqual([]);
    expect(contrastProblems("#777777", "#777777").map((problem) => problem.field)).toEqual(["backgroundColor", "accentColor"]);
  });
});
