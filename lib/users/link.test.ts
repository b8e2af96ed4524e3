/**
 * Linking accounts from before Clerk: a Clerk user no row knows yet takes
 * over an existing (legacy) row only when Clerk vouches for the match, keeps
 * everything the row owns, is recorded once, never takes over a row another
 * Clerk user holds, and links once however many first requests race. (The
 * webhook side: app/api/webhooks/clerk/account-link.test.ts.)
 */
import { afterEach, describe, expect, it } from "vitest";
import { asService } from "@/lib/db/client";
import type { ClerkDirectory } from "@/lib/users/profile";
import { forgetUser } from "@/lib/users/known";
import { provisionUser } from "@/lib/users/provision";
import { upsertProfile } from "@/lib/users/sync";
import { directoryOf, legacyWithHistory, links, profile, snapshot } from "@/test/accounts";
import { newClerkUserId, seedUser } from "@/test/support";

afterEach(() => forgetUser());

const noDeletionAdvice = expect.not.stringMatching(/delet/i);

describe("linking by Clerk's external_id", () => {
  it("links the row whose legacy auth_id it names, keeping the row's id, generations, tier and subscription", async () => {
    const legacy = await legacyWithHistory();
    const clerkUserId = newClerkUserId();
    const directory = directoryOf(profile(clerkUserId, { email: "new-address@example.com", externalId: legacy.legacyAuthId }));
    const user = await provisionUser({ clerkUserId, email: "new-address@example.com" }, directory);
    expect(user).toMatchObject({ id: legacy.id, created: false, linkedBy: "external_id_auth_id" });
    expect(await snapshot(legacy.id)).toEqual({ authId: clerkUserId, email: "new-address@example.com", tier: "pro", generations: 2, subscriptions: 1 });
    const [link] = await links(legacy.id);
    expect(link).toMatchObject({ clerkUserId, legacyAuthId: legacy.legacyAuthId, rule: "external_id_auth_id", matchedValue: legacy.legacyAuthId });
    expect(Date.now() - link!.linkedAt.getTime()).toBeLessThan(60_000);
  });

  it("links the row whose users.id it names", async () => {
    const legacy = await legacyWithHistory();
    const clerkUserId = newClerkUserId();
    const user = await provisionUser({ clerkUserId, email: null }, directoryOf(profile(clerkUserId, { email: legacy.email, externalId: legacy.id })));
    expect(user).toMatchObject({ id: legacy.id, linkedBy: "external_id_user_id" });
    expect(await links(legacy.id)).toMatchObject([{ rule: "external_id_user_id", legacyAuthId: legacy.legacyAuthId }]);
  });

  it("never takes over a row another Clerk user holds, says what to do instead, and changes nothing", async () => {
    const legacy = await legacyWithHistory();
    const first = newClerkUserId();
    await provisionUser({ clerkUserId: first, email: null }, directoryOf(profile(first, { email: legacy.email, externalId: legacy.legacyAuthId })));
    const second = newClerkUserId();
    const attempt = provisionUser({ clerkUserId: second, email: null }, directoryOf(profile(second, { email: "second@example.com", externalId: legacy.legacyAuthId })));
    await expect(attempt).rejects.toMatchObject({
      code: "CONFLICT",
      message: expect.stringContaining("contact Postora support"),
      details: { reason: "account-linked-to-another-sign-in" },
    });
    await expect(attempt).rejects.toMatchObject({ message: noDeletionAdvice });
    expect((await snapshot(legacy.id))!.authId).toBe(first);
    expect(await asService((sql) => sql`select 1 from users where auth_id = ${second}`)).toHaveLength(0);
    expect(await links(legacy.id)).toHaveLength(1);
  });
});

describe("linking by a verified email", () => {
  it("links the legacy row with that email (in any case) when Clerk has verified it", async () => {
    const legacy = await legacyWithHistory({ email: `Mixed.Case.${Date.now()}@Example.com` });
    const clerkUserId = newClerkUserId();
    const lower = legacy.email.toLowerCase();
    const user = await provisionUser({ clerkUserId, email: lower }, directoryOf(profile(clerkUserId, { email: lower, emailVerified: true })));
    expect(user).toMatchObject({ id: legacy.id, email: lower, linkedBy: "verified_email" });
    expect(await snapshot(legacy.id)).toMatchObject({ authId: clerkUserId, tier: "pro", generations: 2, subscriptions: 1 });
    expect(await links(legacy.id)).toMatchObject([{ rule: "verified_email", matchedValue: lower }]);
  });

  it("does not link on an email Clerk has not verified: CONFLICT that says to verify it, and nothing changes", async () => {
    const legacy = await legacyWithHistory();
    const clerkUserId = newClerkUserId();
    const attempt = provisionUser({ clerkUserId, email: legacy.email }, directoryOf(profile(clerkUserId, { email: legacy.email, emailVerified: false })));
    await expect(attempt).rejects.toMatchObject({
      code: "CONFLICT",
      message: expect.stringContaining(`verify ${legacy.email} in your Clerk account`),
      details: { reason: "email-not-verified", email: legacy.email },
    });
    await expect(attempt).rejects.toMatchObject({ message: noDeletionAdvice });
    expect((await snapshot(legacy.id))!.authId).toBe(legacy.legacyAuthId);
    expect(await links(legacy.id)).toEqual([]);
  });

  it("asks Clerk on a first request even when the token carries the email: the claim alone proves nothing", async () => {
    const legacy = await legacyWithHistory();
    const clerkUserId = newClerkUserId();
    // Without Clerk to ask (the development identity), a token's email never links.
    await expect(provisionUser({ clerkUserId, email: legacy.email }, null)).rejects.toMatchObject({ details: { reason: "email-not-verified" } });
    const directory = directoryOf(profile(clerkUserId, { email: legacy.email, emailVerified: true }));
    expect(await provisionUser({ clerkUserId, email: legacy.email }, directory)).toMatchObject({ id: legacy.id, linkedBy: "verified_email" });
    expect(directory.calls).toBe(1);
    // Once linked, the row is found by Clerk id: Clerk is not asked again.
    forgetUser(clerkUserId);
    expect(await provisionUser({ clerkUserId, email: legacy.email }, directory)).toEqual({ id: legacy.id, email: legacy.email, created: false });
    expect(directory.calls).toBe(1);
  });

  it("refuses an email held by a row another Clerk user has, without telling anyone to delete anything", async () => {
    const holder = await seedUser();
    const clerkUserId = newClerkUserId();
    const attempt = provisionUser({ clerkUserId, email: null }, directoryOf(profile(clerkUserId, { email: holder.email, emailVerified: true })));
    await expect(attempt).rejects.toMatchObject({
      code: "CONFLICT",
      message: expect.stringContaining("Sign in with that account instead"),
      details: { reason: "email-linked-to-another-sign-in", email: holder.email },
    });
    await expect(attempt).rejects.toMatchObject({ message: noDeletionAdvice });
  });

  it("says Clerk is unreachable (retry) rather than guessing, when the profile cannot be fetched", async () => {
    const failing: ClerkDirectory = { getProfile: () => Promise.reject(new Error("ECONNRESET")) };
    await expect(provisionUser({ clerkUserId: newClerkUserId(), email: "x@example.com" }, failing)).rejects.toMatchObject({ code: "SERVICE_UNAVAILABLE" });
  });
});

describe("racing first requests", () => {
  it("two Clerk users vouched for the same row: one links, the other is refused", async () => {
    const legacy = await legacyWithHistory();
    const [a, b] = [newClerkUserId(), newClerkUserId()];
    const directory = directoryOf(profile(a, { email: "a@example.com", externalId: legacy.legacyAuthId }), profile(b, { email: "b@example.com", externalId: legacy.id }));
    const callers = Array.from({ length: 16 }, (_, index) => (index % 2 ? a : b));
    const results = await Promise.allSettled(callers.map((clerkUserId) => provisionUser({ clerkUserId, email: null }, directory)));
    const winner = (await snapshot(legacy.id))!.authId;
    expect([a, b]).toContain(winner);
    expect(results.filter((result, index) => callers[index] === winner && result.status === "fulfilled")).toHaveLength(8);
    const loserResults = results.filter((_, index) => callers[index] !== winner);
    expect(loserResults.every((result) => result.status === "rejected" && (result.reason as { code: string }).code === "CONFLICT")).toBe(true);
    expect(await links(legacy.id)).toHaveLength(1);
  });

  it("a profile written through upsertProfile inside the caller's transaction links there too", async () => {
    const legacy = await legacyWithHistory();
    const clerkUserId = newClerkUserId();
    const result = await asService((sql) => upsertProfile(sql, { ...profile(clerkUserId, { externalId: legacy.id }), email: legacy.email }));
    expect(result).toEqual({ status: "linked", id: legacy.id, email: legacy.email, rule: "external_id_user_id" });
  });
});
