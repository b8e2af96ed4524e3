/**
 * The Clerk webhook on a server without CLERK_WEBHOOK_SIGNING_SECRET (a
 * file of its own: configuration is read once per process).
 */
import { beforeAll, expect, it } from "vitest";
import { POST } from "@/app/api/webhooks/clerk/route";
import { asService } from "@/lib/db/client";
import { clerkUserJson, newClerkUserId, signedClerkWebhook } from "@/test/support";

beforeAll(() => {
  delete process.env.CLERK_WEBHOOK_SIGNING_SECRET;
});

it("answers 503 naming the missing variable, and writes nothing", async () => {
  const id = newClerkUserId();
  const response = await POST(signedClerkWebhook({ type: "user.created", data: clerkUserJson({ id, email: "x@example.com", updatedAt: Date.now() }) }));
  expect(response.status).toBe(503);
  expect(((await response.json()) as { error: string }).error).toMatch(/set CLERK_WEBHOOK_SIGNING_SECRET/);
  expect(await asService((sql) => sql`select 1 from webhook_events`)).toEqual([]);
  expect(await asService((sql) => sql`select 1 from users where auth_id = ${id}`)).toEqual([]);
});
