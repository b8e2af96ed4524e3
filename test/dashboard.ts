/**
 * What every browser test of a dashboard page needs: the app on its embedded
 * defaults (`npm run dev`, one for the whole run: test/shared-dev-server.ts),
 * the run's one Debian Chromium (each page in a context of its own), a
 * development sign-in, and a wait that fails by saying what the page shows
 * instead. One test file per page calls `useDashboard()` at its top level,
 * and signs in as users of its own.
 */
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { chromium, type APIResponse, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, expect } from "vitest";
import type { DevServer } from "@/test/dev-server";
import { compiledOnce, sharedBrowserEndpoint, sharedDevServer } from "@/test/shared-dev-server";

export const screenshots = path.resolve(import.meta.dirname, "../test-results/screenshots");

export type Dashboard = {
  server: () => DevServer;
  newPage: () => Promise<Page>;
  /**
   * Signed in as a development user, on the Generations page: what the sign-in form does, without loading the form
   * (app/sign-in.test.ts tests the form itself).
   */
  signIn: (page: Page, clerkUserId: string, email: string) => Promise<void>;
  /** Signed in through the sign-in page's form, as a person does. */
  signInWithForm: (page: Page, clerkUserId: string, email: string) => Promise<void>;
  shows: (page: Page, text: string, timeout?: number) => Promise<void>;
};

/** The run's app and a browser for this file, with `pages` compiled before any clock starts. */
export function useDashboard(pages: string[] = ["/"]): Dashboard {
  let server: DevServer | undefined;
  let browser: Browser | undefined;

  beforeAll(async () => {
    await mkdir(screenshots, { recursive: true });
    server = await sharedDevServer();
    // `next dev` compiles each page on its first request: do it before the browser's clock starts.
    for (const page of ["/api/dev-identity/token", ...pages]) await compiledOnce(page);
    browser = await chromium.connect(await sharedBrowserEndpoint());
  }, 600_000);

  afterAll(async () => {
    // A connected browser's close() ends this file's contexts and leaves the run's Chromium to the others.
    await browser?.close();
  });

  const running = () => {
    if (!server) throw new Error("The dev server is not running: call useDashboard() at the top level of the test file.");
    return server;
  };

  return {
    server: running,
    async newPage() {
      const page = await browser!.newPage();
      page.setDefaultTimeout(60_000);
      page.setDefaultNavigationTimeout(120_000);
      return page;
    },
    async signIn(page, clerkUserId, email) {
      // The token the sign-in form asks for, from the same route, with the context's cookies (GraphiQL's among them).
      const origin = running().origin;
      const response = await page.request.post(`${origin}/api/dev-identity/token`, { data: { clerkUserId, email }, maxRetries: ONCE_MORE_ON_RESET });
      expect(response.status(), await response.text()).toBe(200);
      const { token, expiresAt } = (await response.json()) as { token: string; expiresAt: string };
      // Kept where the form keeps it (app/ui/session.tsx): this tab's sessionStorage, which needs a document of the
      // app's origin; the route's own empty 405 answer is one, without loading a page's scripts.
      await page.goto(`${origin}/api/dev-identity/token`);
      await page.evaluate((session) => window.sessionStorage.setItem("postora.devSession", JSON.stringify(session)), { token, expiresAt, clerkUserId, email });
      await page.goto(origin);
      await page.getByRole("heading", { name: "Generations", level: 1 }).waitFor({ timeout: 60_000 });
    },
    async signInWithForm(page, clerkUserId, email) {
      await page.goto(`${running().origin}/sign-in`);
      await page.getByText("Development sign-in.").waitFor();
      await page.getByLabel("User id").fill(clerkUserId);
      await page.getByLabel("Email").fill(email);
      await page.getByRole("button", { name: "Sign in (development)" }).click();
      await page.getByRole("heading", { name: "Generations", level: 1 }).waitFor({ timeout: 60_000 });
    },
    shows,
  };
}

/**
 * Playwright's requests (page.request) keep their sockets alive between calls, and the server (Node's http under
 * `next dev`) closes a socket left idle for 5 s: a request sent at that very moment meets a reset socket. Once in CI
 * generations.test's first download failed with ECONNRESET, most likely this (not reproduced alone). Playwright
 * sends such a request again on a fresh socket when asked to.
 */
const ONCE_MORE_ON_RESET = 1;

/** GETs a URL with the page's cookies, as a link in the page would. */
export function pageGet(page: Page, url: string): Promise<APIResponse> {
  return page.request.get(url, { maxRetries: ONCE_MORE_ON_RESET });
}

/** Waits for text on the page; if it never comes, fails with what the page shows instead, and a screenshot. */
export async function shows(page: Page, text: string, timeout = 120_000): Promise<void> {
  try {
    await page.getByText(text).first().waitFor({ timeout });
  } catch (error) {
    await page.screenshot({ path: path.join(screenshots, "failure.png") }).catch(() => {});
    const visible = await page.locator("body").innerText().catch(() => "(page unreadable)");
    throw new Error(`"${text}" did not appear within ${timeout / 1000} s. The page shows:\n${visible.slice(0, 2000)}`, { cause: error });
  }
}

/**
 * Lets the page write to the clipboard and keeps, in the page, the last text a write succeeded with. The clipboard
 * belongs to the whole browser, which the run's browser test files share: reading it back (readText) could return
 * what another file's page copied a moment later. Call before the page loads; read with `copiedText`.
 */
export async function watchClipboard(page: Page, origin: string): Promise<void> {
  await page.context().grantPermissions(["clipboard-write"], { origin });
  await page.addInitScript(() => {
    const clipboard = navigator.clipboard as Clipboard | undefined;
    if (!clipboard) return;
    const writeText = clipboard.writeText.bind(clipboard);
    clipboard.writeText = async (text: string) => {
      await writeText(text);
      (window as unknown as { copiedText: string }).copiedText = text;
    };
  });
}

/** What the page's last successful clipboard write held (see watchClipboard), or null. */
export function copiedText(page: Page): Promise<string | null> {
  return page.evaluate(() => (window as unknown as { copiedText?: string }).copiedText ?? null);
}

/** Fills the create form and waits until the generation is queued (the form clears for the next one). */
export async function createGeneration(page: Page, text: string, format: string): Promise<void> {
  await page.getByLabel("Your text").fill(text);
  await page.getByLabel("Format").selectOption({ label: format });
  await page.getByRole("button", { name: "Generate" }).click();
  await expect.poll(() => page.getByLabel("Your text").inputValue(), { timeout: 30_000 }).toBe("");
}
