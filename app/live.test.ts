/**
 * The dashboard's live list in Debian's Chromium, against `npm run dev`: a
 * generation moves queued -> processing -> completed in the database, and
 * the page follows it over the SSE stream with no query in between; with
 * the stream refused, it falls back to polling.
 */
import postgres from "postgres";
import type { Browser, Page, Request } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "@/test/browser";
import { startDevServer, type DevServer } from "@/test/dev-server";

let server: DevServer;
let browser: Browser;
let sql: postgres.Sql;

beforeAll(async () => {
  server = await startDevServer();
  // `next dev` compiles each page on its first request: do it before the browser's clock starts.
  for (const page of ["/sign-in", "/"]) await fetch(`${server.origin}${page}`);
  browser = await launchChromium();
  sql = postgres(server.databaseUrl, { max: 1, onnotice: () => {} });
}, 600_000);

afterAll(async () => {
  await sql?.end();
  await browser?.close();
  await server?.stop();
});

async function signIn(page: Page, clerkUserId: string) {
  page.setDefaultTimeout(60_000);
  page.setDefaultNavigationTimeout(120_000);
  await page.goto(`${server.origin}/sign-in`);
  // Shown once the sign-in page has hydrated: a click before that would submit the bare form.
  await page.getByText("Development sign-in.").waitFor({ timeout: 400_000 });
  await page.getByLabel("User id").fill(clerkUserId);
  await page.getByLabel("Email").fill(`${clerkUserId}@example.com`);
  await page.getByRole("button", { name: "Sign in (development)" }).click();
  // The first visit compiles the dashboard's client code: minutes on a busy machine.
  try {
    await page.getByText("Nothing yet.").waitFor({ timeout: 400_000 });
  } catch (error) {
    const visible = await page.locator("body").innerText().catch(() => "(page unreadable)");
    throw new Error(`The empty list did not appear. The page shows:\n${visible.slice(0, 2000)}`, { cause: error });
  }
}

/** A queued generation with no job (triggers off for this one statement), so only this test moves it. */
async function queuedWithoutJob(clerkUserId: string): Promise<string> {
  return sql.begin(async (tx) => {
    await tx`set local session_replication_role = replica`;
    const [row] = await tx<{ id: string }[]>`
      insert into generations (user_id, input_content, output_format)
      select id, 'Live text', 'bullet_points' from users where auth_id = ${clerkUserId} returning id`;
    return row!.id;
  });
}

// urql sends queries as GET (their Accept lists text/event-stream too, among others); graphql-sse asks for it alone.
const isListQuery = (request: Request) =>
  new URL(request.url()).pathname === "/api/graphql" && /Dashboard(Generations|GenerationStatus)\b/.test(`${request.url()} ${request.postData() ?? ""}`);
const isStream = (request: Request) => new URL(request.url()).pathname === "/api/graphql" && request.headers().accept === "text/event-stream";

async function moveThrough(id: string) {
  await sql`update generations set status = 'processing' where id = ${id}`;
  return async () => {
    await sql`update generations set status = 'completed', completed_at = now(), bullet_points = '["Live one", "Live two"]' where id = ${id}`;
  };
}

describe("the live generations list", () => {
  it("follows a generation from queued to completed over the stream, with no polling request in between", async () => {
    const page = await browser.newPage();
    const streams: Request[] = [];
    page.on("request", (request) => {
      if (isStream(request)) streams.push(request);
    });
    await signIn(page, "user_live_browser1");
    await expect.poll(() => streams.length, { timeout: 60_000 }).toBeGreaterThan(0);
    const id = await queuedWithoutJob("user_live_browser1");
    await page.reload();
    await page.locator(".badge.queued").waitFor({ timeout: 120_000 });
    // The page's stream is open once the server has answered it.
    await expect.poll(() => streams.at(-1)?.response().then((response) => response?.status()), { timeout: 60_000 }).toBe(200);

    const polled: string[] = [];
    page.on("request", (request) => {
      if (isListQuery(request)) polled.push(request.postData() ?? "");
    });
    const complete = await moveThrough(id);
    await page.locator(".badge.processing").waitFor({ timeout: 30_000 });
    // Longer than the fallback's polling interval (1.5 s): a page that polled would have asked by now.
    await page.waitForTimeout(2500);
    await complete();
    await page.locator(".badge.completed").waitFor({ timeout: 30_000 });
    await page.getByText("Live two").waitFor();
    expect(polled).toEqual([]);
    await page.close();
  }, 900_000);

  it("falls back to polling when the stream cannot open", async () => {
    const page = await browser.newPage();
    await page.route("**/api/graphql", (route) => (isStream(route.request()) ? route.abort() : route.continue()));
    const polled: string[] = [];
    page.on("request", (request) => {
      if (isListQuery(request)) polled.push(request.postData() ?? "");
    });
    await signIn(page, "user_live_browser2");
    const id = await queuedWithoutJob("user_live_browser2");
    await page.reload();
    await page.locator(".badge.queued").waitFor({ timeout: 120_000 });
    const before = polled.length;
    const complete = await moveThrough(id);
    await page.locator(".badge.processing").waitFor({ timeout: 60_000 });
    await complete();
    await page.locator(".badge.completed").waitFor({ timeout: 60_000 });
    expect(polled.length).toBeGreaterThan(before);
    await page.close();
  }, 900_000);
});
