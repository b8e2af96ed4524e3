/**
 * Linking accounts from before Clerk through Clerk's webhooks: user.created
 * and user.updated carry the external_id and the email's verification, and
 * a webhook racing the user's first requests links the row exactly once.
 */
import { afterEach, describe, expect, it } from "vitest";
import { POST } from "@/app/api/webhooks/clerk/route";
import { asService } from "@/lib/db/client";
import { forgetUser } from "@/lib/users/known";
import { provisionUser } from "@/lib/users/provision";
import { directoryOf, legacyWithHistory, links, profile, snapshot, T0 } from "@/test/accounts";
import { clerkSessionJson, clerkUserJson, newClerkUserId, signedClerkWebhook, TEST_CLERK_WEBHOOK_SECRET } from "@/test/support";

// Read once by lib/env on first use; this file's process only.
process.env.CLERK_WEBHOOK_SIGNING_SECRET = TEST_CLERK_WEBHOOK_SECRET;

afterEach(() => forgetUser());

describe("linking through Clerk's webhooks", () => {
  it("links on user.created with external_id, and a later user.updated changes the same row", async () => {
    const legacy = await legacyWithHistory();
    const clerkUserId = newClerkUserId();
    const created = await POST(signedClerkWebhook({
      type: "user.created",
      data: clerkUserJson({ id: clerkUserId, email: legacy.email, externalId: legacy.legacyAuthId, updatedAt: T0 }),
    }));
    expect(created.status).toBe(200);
    const updated = await POST(signedClerkWebhook({
      type: "user.updated",
      data: clerkUserJson({ id: clerkUserId, email: "renamed@example.com", externalId: legacy.legacyAuthId, updatedAt: T0 + 1000 }),
    }));
    expect(updated.status).toBe(200);
    expect(await snapshot(legacy.id)).toEqual({ authId: clerkUserId, email: "renamed@example.com", tier: "pro", generations: 2, subscriptions: 1 });
    expect(await links(legacy.id)).toMatchObject([{ rule: "external_id_auth_id" }]);
  });

  it("links on session.created carrying the user, and records that sign-in", async () => {
    const legacy = await legacyWithHistory();
    const clerkUserId = newClerkUserId();
    const signedInAt = T0 + 5000;
    const user = clerkUserJson({ id: clerkUserId, email: legacy.email, externalId: legacy.id, updatedAt: T0 });
    const response = await POST(signedClerkWebhook({ type: "session.created", data: clerkSessionJson({ userId: clerkUserId, createdAt: signedInAt, user }) }));
    expect(response.status).toBe(200);
    expect(await links(legacy.id)).toMatchObject([{ clerkUserId, rule: "external_id_user_id" }]);
    const [row] = await asService((sql) => sql<{ lastLogin: Date }[]>`select last_login from users where id = ${legacy.id}`);
    expect(row!.lastLogin).toEqual(new Date(signedInAt));
  });

  it("an unverified email fails user.created (svix retries), and user.updated after verification links", async () => {
    const legacy = await legacyWithHistory();
    const clerkUserId = newClerkUserId();
    const refused = await POST(signedClerkWebhook({ type: "user.created", data: clerkUserJson({ id: clerkUserId, email: legacy.email, emailVerified: false, updatedAt: T0 }) }));
    expect(refused.status).toBe(500);
    expect(((await refused.json()) as { error: string }).error).toContain(`verify ${legacy.email} in your Clerk account`);
    expect((await snapshot(legacy.id))!.authId).toBe(legacy.legacyAuthId);
    const verified = await POST(signedClerkWebhook({ type: "user.updated", data: clerkUserJson({ id: clerkUserId, email: legacy.email, updatedAt: T0 + 1000 }) }));
    expect(verified.status).toBe(200);
    expect(await links(legacy.id)).toMatchObject([{ clerkUserId, rule: "verified_email" }]);
  });
});

describe("racing first requests and webhooks", () => {
  it("links exactly once: 20 parallel first requests and the user.created webhook", async () => {
    const legacy = await legacyWithHistory();
    const clerkUserId = newClerkUserId();
    const directory = directoryOf(profile(clerkUserId, { email: legacy.email, emailVerified: true, externalId: legacy.legacyAuthId }));
    const webhook = POST(signedClerkWebhook({
      type: "user.created",
      data: clerkUserJson({ id: clerkUserId, email: legacy.email, externalId: legacy.legacyAuthId, updatedAt: T0 }),
    }));
    const requests = Array.from({ length: 20 }, () => provisionUser({ clerkUserId, email: legacy.email }, directory));
    const [response, ...users] = await Promise.all([webhook, ...requests]);
    expect(response.status).toBe(200);
    expect(new Set(users.map((user) => user.id))).toEqual(new Set([legacy.id]));
    expect(users.every((user) => !user.created)).toBe(true);
    expect(await asService((sql) => sql`select id from users where auth_id = ${clerkUserId}`)).toEqual([{ id: legacy.id }]);
    expect(await links(legacy.id)).toHaveLength(1);
    expect(await snapshot(legacy.id)).toMatchObject({ generations: 2, subscriptions: 1, tier: "pro" });
  });
});
