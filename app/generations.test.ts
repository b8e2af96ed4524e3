/**
 * The Generations page (/) as a person uses it, in Debian's Chromium, against
 * the app on its embedded defaults (`npm run dev`: embedded Postgres, local
 * storage, the worker with the offline writer, the development identity).
 */
import path from "node:path";
import postgres from "postgres";
import { describe, expect, it } from "vitest";
import { createGeneration, pageGet, screenshots, useDashboard } from "@/test/dashboard";
import { checkPage } from "@/test/page-checks";

const { server: devServer, newPage, signIn, shows } = useDashboard(["/sign-in", "/", "/account"]);

function isPng(bytes: Buffer): { width: number; height: number } | null {
  if (bytes.subarray(0, 8).toString("hex") !== "89504e470d0a1a0a") return null;
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

const TEXT =
  "Remote teams ship faster when decisions are written down. A short design note beats a long meeting. " +
  "Writing forces clarity, and clarity saves rework. Teams that document decisions onboard new people in days, not weeks. " +
  "The habit costs ten minutes a day and pays back every sprint. Written notes also outlive the people who wrote them.";

describe("the Generations page in a real browser", () => {
  it("takes a person from an empty page to finished posts, with uploads, retries, deletes and privacy", async () => {
    const page = await newPage();
    const external: string[] = [];
    page.on("request", (request) => {
      // Signed storage URLs name APP_URL, which the test server sets to its own origin.
      if (!request.url().startsWith(`${devServer().origin}/`) && !/^(data|blob):/.test(request.url())) external.push(request.url());
    });
    await signIn(page, "user_generations1", "generations1@example.com");
    // The first list of a fresh dev server (first compiles, on a busy CI machine) gets longer than the rest.
    await shows(page, "Nothing yet.");
    // The empty page says what to do first.
    await shows(page, "paste an article, notes or a thread");
    await checkPage(page, "generations-empty");

    // The favicon is our own SVG, served where the page's icon link points.
    const icon = await page.locator('link[rel="icon"]').first().getAttribute("href");
    const served = await pageGet(page, new URL(icon!, page.url()).toString());
    expect(served.status()).toBe(200);
    expect(served.headers()["content-type"]).toContain("image/svg+xml");
    expect((await pageGet(page, `${devServer().origin}/favicon.ico`)).headers()["content-type"]).toContain("image/svg+xml");

    // Validation messages appear next to the field they name.
    await page.getByLabel("Your text").fill("   ");
    await page.getByRole("button", { name: "Generate" }).click();
    await page.locator("#input-content-error").waitFor();

    // One generation of each format, followed to COMPLETED without a reload.
    for (const format of ["Bullet points", "Carousel", "Quote card"]) await createGeneration(page, TEXT, format);
    const items = page.locator("li.generation");
    await expect.poll(() => items.count(), { timeout: 30_000 }).toBe(3);
    await expect.poll(() => page.locator(".badge.completed").count(), { timeout: 120_000 }).toBe(3);
    // Every image (the card, each slide, the quote card) has loaded from its signed URL.
    await expect
      .poll(() => page.locator("figure img").evaluateAll((images) => images.filter((image) => (image as HTMLImageElement).naturalWidth > 0).length), { timeout: 60_000 })
      .toBe(8);
    await page.screenshot({ path: path.join(screenshots, "generations-completed.png"), fullPage: true });

    // The carousel says more slides follow, snaps slide by slide, and shows part of the next one.
    const carousel = items.filter({ hasText: "Carousel" });
    await carousel.getByText("scroll sideways for the rest").waitFor();
    const scroller = carousel.getByRole("list", { name: "Carousel slides" });
    expect(await scroller.evaluate((element) => getComputedStyle(element).scrollSnapType)).toContain("x");
    for (const width of [390, 1280]) {
      await page.setViewportSize({ width, height: 900 });
      const cut = await scroller.evaluate((element) => {
        const box = element.getBoundingClientRect();
        const slides = [...element.children].map((slide) => slide.getBoundingClientRect());
        return { overflows: element.scrollWidth > element.clientWidth, partlyShown: slides.some((slide) => slide.left < box.right && slide.right > box.right) };
      });
      expect(cut, `the carousel at ${width} px`).toEqual({ overflows: true, partlyShown: true });
    }
    await checkPage(page, "generations");

    // The bullet points are shown, and every image downloads as a real PNG.
    const bullets = items.filter({ hasText: "Bullet points" }).getByRole("list", { name: "Bullet points" }).getByRole("listitem");
    expect(await bullets.count()).toBeGreaterThan(0);
    const downloads = page.getByRole("link", { name: "Download PNG" });
    await expect.poll(() => downloads.count(), { timeout: 30_000 }).toBeGreaterThanOrEqual(3);
    const href = await downloads.first().getAttribute("href");
    const image = Buffer.from(await (await pageGet(page, href!)).body());
    expect(isPng(image)).not.toBeNull();

    // Uploading one's own PNG replaces the image; downloading gives back the same bytes.
    const own = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==", "base64");
    const quoteCard = items.filter({ hasText: "Quote card" });
    await quoteCard.getByLabel("Upload your own PNG").setInputFiles({ name: "mine.png", mimeType: "image/png", buffer: own });
    await expect
      .poll(async () => {
        const link = await quoteCard.getByRole("link", { name: "Download PNG" }).getAttribute("href");
        return link ? Buffer.from(await (await pageGet(page, link)).body()).equals(own) : false;
      }, { timeout: 30_000 })
      .toBe(true);

    // A failed generation can be retried from the page.
    // The offline writer cannot be made to fail on demand, so the failure is written directly, past the
    // transition rule (completed -> failed is no real transition): replica mode skips triggers for this session.
    // The server is shared with the other browser tests: only this person's carousel.
    const sql = postgres(devServer().databaseUrl, { max: 1, onnotice: () => {} });
    try {
      await sql`set session_replication_role = replica`;
      await sql`update generations set status = 'failed', failure_reason = 'The writer timed out.'
                where output_format = 'carousel' and user_id = (select id from users where auth_id = 'user_generations1')`;
    } finally {
      await sql.end();
    }
    await page.reload();
    await carousel.getByRole("button", { name: "Retry" }).click();
    await expect.poll(() => carousel.locator(".badge.completed").count(), { timeout: 120_000 }).toBe(1);

    // Delete asks first, then the generation is gone.
    await quoteCard.getByRole("button", { name: "Delete" }).click();
    await quoteCard.getByRole("button", { name: "Yes, delete" }).click();
    await expect.poll(() => items.count(), { timeout: 30_000 }).toBe(2);

    // Account: plan and usage, reached through the navigation.
    await page.getByRole("link", { name: "Account" }).click();
    await page.getByText("Generations this period").waitFor();
    // No Stripe keys on the embedded defaults: a note, not buttons that cannot work.
    await page.getByText("Billing is not configured on this server").waitFor();
    expect(await page.getByRole("button", { name: /Upgrade/ }).count()).toBe(0);
    await page.screenshot({ path: path.join(screenshots, "account.png"), fullPage: true });

    // Someone else signs in on the same browser: none of the first person's generations.
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(/\/sign-in/);
    await signIn(page, "user_generations2", "generations2@example.com");
    await page.getByText("Nothing yet.").waitFor();
    expect(await items.count()).toBe(0);

    expect(external).toEqual([]);
    await page.close();
  }, 420_000);

  it("folds the navigation into a menu on a phone, which a keyboard opens, follows and closes", async () => {
    const page = await newPage();
    await signIn(page, "user_generations3", "generations3@example.com");
    await page.setViewportSize({ width: 360, height: 800 });
    const menu = page.getByRole("button", { name: "Menu" });
    await menu.focus();
    await page.keyboard.press("Enter");
    expect(await menu.getAttribute("aria-expanded")).toBe("true");
    // Focus moves into the menu; Tab walks its links.
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Generations");
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Templates");
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "Templates", level: 1 }).waitFor();
    expect(await menu.getAttribute("aria-expanded")).toBe("false");
    await page.close();
  }, 180_000);
});
