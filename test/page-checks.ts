/**
 * What every page of ours must hold on a phone and on a laptop, checked the
 * same way by every page's browser test: `await checkPage(page, "templates")`.
 *
 * At 390 px and 1280 px wide: no sideways scroll, every button and navigation
 * item at least 44 px tall, the Menu button (where the navigation folds) a
 * working disclosure, and axe-core finding nothing serious or critical. A
 * full-page screenshot of each width lands in test-results/screenshots.
 */
import { createRequire } from "node:module";
import path from "node:path";
import type { Page } from "playwright-core";
import { expect } from "vitest";
import { screenshots } from "@/test/dashboard";

const WIDTHS = [390, 1280] as const;
const MIN_TARGET = 44;
const AXE = createRequire(import.meta.url).resolve("axe-core/axe.min.js");

type Violation = { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] };

/** Runs every check at each width, then leaves the page at 1280 px. */
export async function checkPage(page: Page, name: string): Promise<void> {
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: 900 });
    // One frame for the layout to settle at the new width.
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => resolve(null))));
    expect(await sidewaysScroll(page), `${name} at ${width} px scrolls sideways`).toBe(0);
    expect(await smallTargets(page), `${name} at ${width} px: buttons and navigation items under ${MIN_TARGET} px tall`).toEqual([]);
    await page.screenshot({ path: path.join(screenshots, `${name}-${width}.png`), fullPage: true });
    expect(await seriousViolations(page), `${name} at ${width} px: axe-core`).toEqual([]);
    await checkMenu(page, `${name} at ${width} px`);
  }
}

/** How many pixels the page scrolls sideways (0 when it does not). */
function sidewaysScroll(page: Page): Promise<number> {
  return page.evaluate(() => Math.max(0, document.documentElement.scrollWidth - window.innerWidth));
}

/** Visible buttons, button-styled links and navigation links shorter than the minimum, described for the failure message. */
function smallTargets(page: Page): Promise<string[]> {
  return page.evaluate((min) => {
    const targets = document.querySelectorAll<HTMLElement>("button, .button, [role=button], nav a");
    return [...targets]
      .filter((element) => element.getClientRects().length > 0 && getComputedStyle(element).visibility !== "hidden")
      .filter((element) => element.getBoundingClientRect().height < min)
      .map((element) => `${element.tagName.toLowerCase()} "${element.innerText.trim()}" is ${Math.round(element.getBoundingClientRect().height)} px`);
  }, MIN_TARGET);
}

/** axe-core's serious and critical findings, each as "rule: help (where)". */
async function seriousViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => "axe" in window))) await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate(async () => {
    const { axe } = window as unknown as { axe: { run: (context: Document, options: object) => Promise<{ violations: Violation[] }> } };
    return (await axe.run(document, { resultTypes: ["violations"] })).violations;
  });
  return violations
    .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
    .map((violation) => `${violation.id}: ${violation.help} (${violation.nodes.map((node) => node.target.join(" ")).join(", ")})`);
}

/**
 * Where the navigation is folded: the Menu button says whether it is open and
 * which element it controls, opens onto links of full size inside the screen,
 * and Escape closes it with focus back on the button.
 */
async function checkMenu(page: Page, where: string): Promise<void> {
  const button = page.getByRole("button", { name: "Menu" });
  if (!(await button.isVisible())) return;
  expect(await button.getAttribute("aria-expanded"), where).toBe("false");
  const controls = await button.getAttribute("aria-controls");
  expect(controls, `${where}: the Menu button names what it controls`).toBeTruthy();
  await button.click();
  expect(await button.getAttribute("aria-expanded"), where).toBe("true");
  const menu = page.locator(`#${controls}`);
  await menu.getByRole("link").first().waitFor();
  expect(await smallTargets(page), `${where}, menu open`).toEqual([]);
  expect(await sidewaysScroll(page), `${where}, menu open`).toBe(0);
  expect(await seriousViolations(page), `${where}, menu open: axe-core`).toEqual([]);
  await page.keyboard.press("Escape");
  expect(await button.getAttribute("aria-expanded"), `${where}: Escape closes the menu`).toBe("false");
  expect(await button.evaluate((element) => element === document.activeElement), `${where}: focus returns to the Menu button`).toBe(true);
  expect(await menu.isVisible(), `${where}: the closed menu is hidden`).toBe(false);
}
