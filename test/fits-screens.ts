/**
 * A page's own content at a phone's (390 px) and a laptop's (1280 px)
 * width: no sideways scrolling inside <main>, and every control a finger can
 * hit (44 px tall). The shared page check (test/page-checks.ts: the whole
 * shell, both widths and axe-core) replaces this when the branches merge.
 */
import type { Page } from "playwright-core";
import { expect } from "vitest";

export async function fitsScreens(page: Page): Promise<void> {
  for (const width of [390, 1280]) {
    await page.setViewportSize({ width, height: 900 });
    const overflow = await page.locator("main").evaluate((main) => main.scrollWidth - main.clientWidth);
    expect(overflow, `the page's content scrolls sideways at ${width} px`).toBeLessThanOrEqual(0);
    const small = await page.locator("main button, main input[type=checkbox]").evaluateAll((controls) =>
      controls
        .map((control) => (control.closest("label") ?? control).getBoundingClientRect().height)
        .filter((height) => height > 0 && height < 44),
    );
    expect(small, `controls under 44 px tall at ${width} px`).toEqual([]);
  }
}
