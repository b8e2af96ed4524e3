/**
 * Open in Canva in a real browser, against the app on its embedded defaults
 * and the Canva stand-in `npm run dev` starts when no CANVA_CLIENT_ID is set
 * (it approves at once): a carousel's PDF, connecting Canva, sending the
 * carousel and following the send to its design's link, a grant revoked at
 * Canva asking to reconnect, and disconnecting.
 */
import { buffer } from "node:stream/consumers";
import path from "node:path";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { createGeneration, screenshots, shows, useDashboard } from "@/test/dashboard";
import { readPdf } from "@/test/pdf";

// The Canva callback compiles on its first request too: before the clock starts.
const { server, newPage, signIn: signInAs } = useDashboard(["/", "/account", "/api/canva/callback"]);

async function signIn(page: Page, clerkUserId: string, email: string) {
  try {
    await signInAs(page, clerkUserId, email);
  } catch (error) {
    const visible = await page.locator("body").innerText().catch(() => "(page unreadable)");
    throw new Error(`Sign-in failed. The page shows:\n${visible.slice(0, 1500)}\nThe server said:\n${server().output().slice(-3000)}`, { cause: error });
  }
}

const TEXT =
  "Remote teams ship faster when decisions are written down. A short design note beats a long meeting. " +
  "Writing forces clarity, and clarity saves rework. Teams that document decisions onboard new people in days, not weeks. " +
  "The habit costs ten minutes a day and pays back every sprint. Written notes also outlive the people who wrote them.";

/**
 * Connect Canva on the account page; returns the stand-in's origin (from the
 * authorize request the page made). The callback sends the browser back to
 * APP_URL, the origin this test signed in at (see test/dev-server.ts).
 */
async function connectCanva(page: Page): Promise<string> {
  const origin = server().origin;
  await page.goto(`${origin}/account`);
  const authorize = page.waitForRequest((request) => request.url().includes("/api/oauth/authorize"));
  const callback = page.waitForResponse((response) => response.url().includes("/api/canva/callback"));
  await page.getByRole("button", { name: "Connect Canva" }).click();
  const standIn = new URL((await authorize).url()).origin;
  const landing = new URL((await callback).headers().location!);
  expect(landing.origin).toBe(origin);
  expect(landing.pathname).toBe("/account");
  expect(landing.searchParams.get("canva")).toBe("connected");
  await shows(page, "Canva is connected");
  return standIn;
}

describe("Open in Canva in a real browser", () => {
  it("downloads a carousel's PDF, connects Canva, sends the carousel, and asks to reconnect once Canva revokes the grant", async () => {
    const page = await newPage();
    const origin = server().origin;
    await signIn(page, "user_canva1", "canva1@example.com");
    await createGeneration(page, TEXT, "Carousel");
    const carousel = page.locator("li.generation").filter({ hasText: "Carousel" });
    await expect.poll(() => carousel.locator(".badge.completed").count(), { timeout: 120_000 }).toBe(1);

    // Not connected yet: the button says to connect first, and links to the account page.
    const connectFirst = carousel.getByRole("link", { name: /Connect Canva first/ });
    await connectFirst.waitFor();
    expect(await connectFirst.getAttribute("href")).toBe("/account");

    // The PDF: one 1080x1350 page per slide, in a standard parser's eyes.
    const slides = await carousel.getByRole("list", { name: "Carousel slides" }).getByRole("listitem").count();
    expect(slides).toBeGreaterThan(1);
    const [download] = await Promise.all([page.waitForEvent("download"), carousel.getByRole("button", { name: "Download PDF" }).click()]);
    expect(download.suggestedFilename()).toMatch(/^postora-.+\.pdf$/);
    // The run's Chromium is shared over a connection (test/dashboard.ts): the file comes back as a stream, not a path.
    const pdf = await readPdf(await buffer(await download.createReadStream()));
    expect(pdf.pages).toBe(slides);
    expect(new Set(pdf.pageSizes)).toEqual(new Set(["1080 x 1350"]));
    await download.delete();

    // Connect: the stand-in approves at once; the account page says so, names the account, and cleans its address.
    const standIn = await connectCanva(page);
    await shows(page, "Connected to Canva as Stand-in Designer");
    await expect.poll(() => page.url()).toBe(`${origin}/account`);
    await page.screenshot({ path: path.join(screenshots, "canva-connected.png"), fullPage: true });

    // Send: slow the stand-in's import job down enough to see the send's status arrive through the live stream.
    await fetch(`${standIn}/_stand-in/settings`, { method: "POST", body: JSON.stringify({ jobPolls: 3 }) });
    await page.goto(origin);
    await carousel.getByRole("button", { name: "Open in Canva" }).click();
    await shows(page, "Sending to Canva… (uploading and making the design)");
    const edit = carousel.getByRole("link", { name: "Edit the design in Canva" });
    await edit.waitFor({ timeout: 60_000 });
    expect(await edit.getAttribute("href")).toMatch(new RegExp(`^${standIn}/design/D[A-Za-z0-9_-]+/edit`));
    await expect(carousel.getByText(/^Design D[A-Za-z0-9_-]+$/).count()).resolves.toBe(1);
    await page.screenshot({ path: path.join(screenshots, "canva-sent.png"), fullPage: true });

    // Canva revokes the grant: the next send fails and asks to reconnect, with a way to.
    await fetch(`${standIn}/_stand-in/revoke-all`, { method: "POST" });
    await fetch(`${standIn}/_stand-in/settings`, { method: "POST", body: JSON.stringify({ jobPolls: 1 }) });
    await carousel.getByRole("button", { name: "Send to Canva again" }).click();
    await shows(page, "Connect Canva again to continue.");
    const reconnect = carousel.getByRole("link", { name: "Connect Canva again" });
    await reconnect.waitFor();
    expect(await reconnect.getAttribute("href")).toBe("/account");
    await page.goto(`${origin}/account`);
    await shows(page, "Connect Canva again to continue.");

    // Connecting again works, and Disconnect lets it go.
    await connectCanva(page);
    await page.getByRole("button", { name: "Disconnect" }).click();
    await page.getByRole("button", { name: "Connect Canva" }).waitFor();
    const grants = (await (await fetch(`${standIn}/_stand-in/state`, { method: "POST" })).json()) as { grants: { revoked: boolean }[] };
    expect(grants.grants.every((grant) => grant.revoked)).toBe(true);
  }, 420_000);

  it("says why Canva was not connected when the callback reports a refusal, then cleans the address", async () => {
    const page = await newPage();
    await signIn(page, "user_canva2", "canva2@example.com");
    await page.goto(`${server().origin}/account?canva=refused&message=${encodeURIComponent("You did not allow Postora to use Canva; nothing was connected.")}`);
    await shows(page, "Canva was not connected: You did not allow Postora to use Canva; nothing was connected.");
    await expect.poll(() => page.url()).toBe(`${server().origin}/account`);
    await page.getByRole("button", { name: "Connect Canva" }).waitFor();
  }, 180_000);
});
