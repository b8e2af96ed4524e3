/**
 * API keys kept by Clerk: the service calls Clerk's API keys API through
 * @clerk/backend, answered by the local stand-in (test/clerk-backend.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClerkApiKeys } from "@/lib/api-keys/clerk";
import type { ApiKeyOwner } from "@/lib/api-keys/types";
import { ClerkBackendStandIn, STAND_IN_PUBLISHABLE_KEY, STAND_IN_SECRET_KEY } from "@/test/clerk-backend";
import { newClerkUserId } from "@/test/support";

const clerk = new ClerkBackendStandIn();
let keys: ReturnType<typeof createClerkApiKeys>;
const ada: ApiKeyOwner = { userId: "00000000-0000-4000-8000-000000000001", clerkUserId: newClerkUserId() };
const bo: ApiKeyOwner = { userId: "00000000-0000-4000-8000-000000000002", clerkUserId: newClerkUserId() };

beforeAll(async () => {
  await clerk.start();
  keys = createClerkApiKeys({ secretKey: STAND_IN_SECRET_KEY, publishableKey: STAND_IN_PUBLISHABLE_KEY, apiUrl: clerk.url });
});
afterAll(() => clerk.stop());

describe("the Clerk API keys service", () => {
  it("creates a key for the person as its subject, with the scopes asked, and returns the secret once", async () => {
    const { apiKey, secret } = await keys.create(ada, { name: " Zapier ", scopes: ["read"] });
    expect(secret).toMatch(/^ak_/);
    expect(apiKey).toMatchObject({ name: "Zapier", scopes: ["read"], revoked: false, lastUsedAt: null });
    expect(apiKey).not.toHaveProperty("secret");
    const sent = clerk.requests.find((request) => request.method === "POST" && request.path === "/api_keys");
    expect(sent?.body).toMatchObject({ name: "Zapier", subject: ada.clerkUserId, scopes: ["read"], created_by: ada.clerkUserId });
  });

  it("lists only the person's live keys", async () => {
    const { apiKey: live } = await keys.create(ada, { name: "live", scopes: ["read", "write"] });
    const { apiKey: gone } = await keys.create(ada, { name: "gone", scopes: ["read"] });
    await keys.create(bo, { name: "bo's", scopes: ["read"] });
    await keys.revoke(ada, gone.id);
    const listed = await keys.list(ada);
    expect(listed.map((key) => key.id)).toContain(live.id);
    expect(listed.map((key) => key.id)).not.toContain(gone.id);
    expect(listed.map((key) => key.name)).not.toContain("bo's");
  });

  it("revokes only the owner's key: another person's, an unknown or a malformed id is NOT_FOUND", async () => {
    const { apiKey } = await keys.create(ada, { name: "target", scopes: ["read"] });
    await expect(keys.revoke(bo, apiKey.id)).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(clerk.keys.get(apiKey.id)?.revoked).toBe(false);
    await expect(keys.revoke(ada, "ak_doesnotexist")).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(keys.revoke(ada, "../v1/users/x")).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(await keys.revoke(ada, apiKey.id)).toMatchObject({ id: apiKey.id, revoked: true });
    expect(clerk.keys.get(apiKey.id)?.revoked).toBe(true);
    expect(await keys.revoke(ada, apiKey.id)).toMatchObject({ id: apiKey.id, revoked: true });
  });

  it("validates the input before calling Clerk", async () => {
    const before = clerk.requests.length;
    await expect(keys.create(ada, { name: "x", scopes: ["delete"] })).rejects.toMatchObject({ code: "BAD_USER_INPUT", details: { field: "input.scopes" } });
    expect(clerk.requests.length).toBe(before);
  });
});
