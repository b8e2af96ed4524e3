/**
 * Uploads and retries show at once on the generations page, in Debian's
 * Chromium: the image and its download link move to the new file without a
 * reload, and never to the browser's cached copy of the old one.
 */
import { Resvg } from "@resvg/resvg-js";
import type { Locator } from "playwright-core";
import postgres from "postgres";
import { describe, expect, it } from "vitest";
import { createGeneration, pageGet, useDashboard } from "@/test/dashboard";

const { server: devServer, newPage, signIn } = useDashboard();

const TEXT =
  "Small teams win by writing decisions down. A one-page note settles what a meeting would circle for an hour, " +
  "and the next person to join reads it in five minutes instead of asking around for a week.";

/** A PNG of this size, so the page's image proves by its natural size which file the browser shows. */
const pngOf = (width: number, height: number) =>
  Buffer.from(new Resvg(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="#3a5"/></svg>`).render().asPng());

/** The size of the image the browser has decoded and shows, once it has loaded. */
const shownSize = (card: Locator) =>
  card.locator("figure img").evaluate((image: HTMLImageElement) => (image.complete && image.naturalWidth ? `${image.naturalWidth}x${image.naturalHeight}` : null));

describe("uploads and retries on the generations page", () => {
  it("shows an uploaded PNG and a retried image at once, with a download link to the new file", async () => {
    const page = await newPage();
    await signIn(page, "user_uploads1", "uploads1@example.com");
    await createGeneration(page, TEXT, "Quote card");
    const card = page.locator("li.generation").filter({ hasText: "Quote card" });
    await card.locator(".badge.completed").waitFor({ timeout: 120_000 });
    await expect.poll(() => shownSize(card), { timeout: 60_000 }).toMatch(/^\d+x\d+$/);
    const rendered = await shownSize(card);

    // Two uploads in a row: each shows as soon as it is stored, and the link downloads exactly its bytes.
    for (const [width, height] of [[3, 2], [5, 4]] as const) {
      const own = pngOf(width, height);
      await card.getByLabel("Upload your own PNG").setInputFiles({ name: "mine.png", mimeType: "image/png", buffer: own });
      await expect.poll(() => shownSize(card), { timeout: 30_000 }).toBe(`${width}x${height}`);
      const href = await card.getByRole("link", { name: "Download PNG" }).getAttribute("href");
      expect(Buffer.from(await (await pageGet(page, href!)).body()).equals(own)).toBe(true);
    }

    // A retry: the pipeline renders the image again (over nobody's upload), and the page shows that render.
    await createGeneration(page, TEXT, "Quote card");
    const second = page.locator("li.generation").filter({ hasText: "Quote card" }).first();
    await second.locator(".badge.completed").waitFor({ timeout: 120_000 });
    await expect.poll(() => shownSize(second), { timeout: 60_000 }).toBe(rendered);
    const before = await second.locator("figure img").getAttribute("src");
    // The offline writer cannot be made to fail on demand: the failure is written directly, past the transition rule.
    const sql = postgres(devServer().databaseUrl, { max: 1, onnotice: () => {} });
    try {
      await sql`set session_replication_role = replica`;
      await sql`update generations set status = 'failed', failure_reason = 'The writer timed out.'
                where id = (select g.id from generations g join users u on u.id = g.user_id
                            where u.email = 'uploads1@example.com' order by g.created_at desc limit 1)`;
    } finally {
      await sql.end();
    }
    await page.reload();
    await second.getByRole("button", { name: "Retry" }).click();
    await second.locator(".badge.completed").waitFor({ timeout: 120_000 });
    await expect.poll(() => second.locator("figure img").getAttribute("src"), { timeout: 30_000 }).not.toBe(before);
    const version = (src: string | null) => new URL(src!, devServer().origin).searchParams.get("v");
    expect(version(await second.locator("figure img").getAttribute("src"))).not.toBe(version(before));
    await expect.poll(() => shownSize(second), { timeout: 30_000 }).toBe(rendered);
    await page.close();
  }, 360_000);
});
