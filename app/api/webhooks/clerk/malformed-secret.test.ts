/**
 * The Clerk webhook when CLERK_WEBHOOK_SIGNING_SECRET is not a usable svix
 * secret: the server's problem, so 503 rather than blaming the sender.
 */
import { beforeAll, expect, it } from "vitest";
import { POST } from "@/app/api/webhooks/clerk/route";
import { asService } from "@/lib/db/client";
import { clerkUserJson, newClerkUserId, signedClerkWebhook } from "@/test/support";

beforeAll(() => {
  process.env.CLERK_WEBHOOK_SIGNING_SECRET = "whsec_not!base64";
});

it("answers 503 saying the secret is malformed, and writes nothing", async () => {
  const response = await POST(signedClerkWebhook({ type: "user.created", data: clerkUserJson({ id: newClerkUserId(), email: "x@example.com", updatedAt: Date.now() }) }));
  expect(response.status).toBe(503);
  expect(((await response.json()) as { error: string }).error).toMatch(/CLERK_WEBHOOK_SIGNING_SECRET is malformed/);
  expect(await asService((sql) => sql`select 1 from webhook_events`)).toEqual([]);
});
