/**
 * Brand kits on the cards: each bundled font family drawn against a
 * reference PNG in references/ (brand-<family>.png, reviewed by eye once;
 * a missing one is written and the test fails, as in scripts.test.ts), the
 * kit's colours and logo where they belong, and Postora's own look drawn
 * exactly as before a kit existed.
 */
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { themeOf } from "@/lib/brand/theme";
import { logoImage } from "@/lib/brand/logo";
import { DEFAULT_THEME, renderSlide, type Theme } from "@/lib/render/cards";
import type { FamilyName } from "@/lib/render/fonts";
import { differentPixels } from "@/test/png";

const REFERENCES = path.join(import.meta.dirname, "references");
const MAX_DIFFERENT = 250;
const SLIDE = { title: "Write it down once", body: "Teams that wrote weekly notes cut meeting time by a third. Ça va? Привет, Καλημέρα." };

const kit = (fontFamily: FamilyName) => ({
  displayName: "Alice Example",
  handle: "@alice",
  backgroundColor: "#fef3c7",
  accentColor: "#b45309",
  textColor: "#111111",
  fontFamily,
  logo: false,
  updatedAt: new Date(),
});

/** The RGB of one pixel, as #rrggbb. */
async function pixel(png: Buffer, x: number, y: number): Promise<string> {
  const data = await sharp(png).extract({ left: x, top: y, width: 1, height: 1 }).removeAlpha().raw().toBuffer();
  return `#${[...data].map((value) => value.toString(16).padStart(2, "0")).join("")}`;
}

describe("brand kits on the cards", () => {
  for (const family of ["sans", "serif", "rounded", "mono"] as const) {
    it(`draws the ${family} family as its reference`, async () => {
      const file = path.join(REFERENCES, `brand-${family}.png`);
      const png = await renderSlide(SLIDE, 2, 8, { theme: themeOf(kit(family)) });
      if (!existsSync(file)) {
        await writeFile(file, png);
        throw new Error(`No reference for brand-${family}: wrote ${file}; look at it, then commit it.`);
      }
      expect(await differentPixels(png, await readFile(file))).toBeLessThan(MAX_DIFFERENT);
    });
  }

  it("gives each family its own glyphs", async () => {
    const [sans, serif, rounded, mono] = await Promise.all((["sans", "serif", "rounded", "mono"] as const).map((family) => renderSlide(SLIDE, 2, 8, { theme: themeOf(kit(family)) })));
    for (const other of [serif, rounded, mono]) expect(await differentPixels(sans!, other!)).toBeGreaterThan(10 * MAX_DIFFERENT);
  });

  it("paints the kit's background and puts its logo at the footer's start", async () => {
    const logo = await logoImage(await sharp({ create: { width: 64, height: 64, channels: 3, background: "#dc2626" } }).png().toBuffer());
    const theme: Theme = { ...themeOf(kit("sans")), logo };
    const png = await renderSlide(SLIDE, 2, 8, { theme });
    expect(await pixel(png, 10, 10)).toBe("#fef3c7");
    // The footer's 40-pixel line starts at the padding (96) and ends 96 above the bottom; the logo is its first 40 pixels.
    expect(await pixel(png, 96 + 20, 1350 - 96 - 20)).toBe("#dc2626");
    // Without the logo, the same place is the background.
    expect(await pixel(await renderSlide(SLIDE, 2, 8, { theme: themeOf(kit("sans")) }), 96 + 20, 1350 - 96 - 20)).toBe("#fef3c7");
  });

  it("draws Postora's own look, for a person without a kit, exactly as before kits", async () => {
    const none = { ...kit("sans"), displayName: "", handle: "", backgroundColor: "#0f172a", accentColor: "#38bdf8", textColor: "#ffffff", updatedAt: null };
    expect(themeOf(none)).toBe(DEFAULT_THEME);
    expect(await pixel(await renderSlide(SLIDE, 0, 8), 10, 10)).toBe("#0f172a");
  });
});
