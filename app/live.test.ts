/**
 * The dashboard's live list in Debian's Chromium, against `npm run dev`: a
 * generation moves queued -> processing -> completed in the database, and
 * the page follows it over the SSE stream with no list query in between;
 * with the stream refused, the same watch sees the page poll instead.
 */
import postgres from "postgres";
import type { Request } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { shows, useDashboard } from "@/test/dashboard";

const { server, newPage, signIn } = useDashboard();
let sql: postgres.Sql;

beforeAll(() => {
  sql = postgres(server().databaseUrl, { max: 1, onnotice: () => {} });
});
afterAll(async () => {
  await sql?.end();
});

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

const onApi = (request: Request) => new URL(request.url()).pathname === "/api/graphql";
// graphql-sse asks for text/event-stream alone; urql's queries (GET) list several types.
const isStream = (request: Request) => onApi(request) && request.headers().accept === "text/event-stream";
const isListQuery = (request: Request) => onApi(request) && !isStream(request) && /DashboardGenerations\b/.test(`${request.url()} ${request.postData() ?? ""}`);

describe("the live generations list", () => {
  it("follows a generation from queued to completed over the stream, with no list query in between", async () => {
    const page = await newPage();
    const streams: Request[] = [];
    page.on("request", (request) => {
      if (isStream(request)) streams.push(request);
    });
    await signIn(page, "user_live1", "live1@example.com");
    await shows(page, "Nothing yet.");
    const id = await queuedWithoutJob("user_live1");
    await page.reload();
    await page.locator(".badge.queued").waitFor();
    // The page's stream is open once the server has answered it.
    await expect.poll(async () => (await streams.at(-1)?.response())?.status(), { timeout: 60_000 }).toBe(200);

    const listed: string[] = [];
    page.on("request", (request) => {
      if (isListQuery(request)) listed.push(request.url());
    });
    await sql`update generations set status = 'processing' where id = ${id}`;
    await page.locator(".badge.processing").waitFor({ timeout: 30_000 });
    // Longer than the fallback's polling interval (1.5 s): a page that polled would have asked by now.
    await page.waitForTimeout(2500);
    await sql`update generations set status = 'completed', completed_at = now(), bullet_points = '["Live one", "Live two"]' where id = ${id}`;
    await page.locator(".badge.completed").waitFor({ timeout: 30_000 });
    await shows(page, "Live two");
    expect(listed).toEqual([]);
    await page.close();
  }, 300_000);

  it("falls back to polling when the stream cannot open, which the same watch sees", async () => {
    const page = await newPage();
    await page.route("**/api/graphql", (route) => (isStream(route.request()) ? route.abort() : route.continue()));
    const listed: string[] = [];
    page.on("request", (request) => {
      if (isListQuery(request)) listed.push(request.url());
    });
    await signIn(page, "user_live2", "live2@example.com");
    await shows(page, "Nothing yet.");
    const id = await queuedWithoutJob("user_live2");
    await page.reload();
    await page.locator(".badge.queued").waitFor();
    const before = listed.length;
    await sql`update generations set status = 'processing' where id = ${id}`;
    await sql`update generations set status = 'completed', completed_at = now(), bullet_points = '["Polled"]' where id = ${id}`;
    await page.locator(".badge.completed").waitFor({ timeout: 60_000 });
    expect(listed.length).toBeGreaterThan(before);
    await page.close();
  }, 300_000);
});
