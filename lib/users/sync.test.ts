/**
 * Provisioning on a first request and the one upsert behind every user
 * write: one row however many requests race, the email from the token or
 * from Clerk, clear errors when there is none or it is taken, and the
 * bookkeeping tables closed to the API roles.
 */
import { describe, expect, it } from "vitest";
import { createAuthenticator } from "@/lib/auth/caller";
import { createTokenVerifier, verifierConfigFor } from "@/lib/auth/verify";
import { asService, withUser } from "@/lib/db/client";
import { getEnv } from "@/lib/env";
import type { ClerkDirectory, ClerkProfile } from "@/lib/users/profile";
import { forgetUser } from "@/lib/users/known";
import { LEGACY_AUTH_ID } from "@/lib/users/link";
import { provisionUser } from "@/lib/users/provision";
import { upsertUser } from "@/lib/users/sync";
import { bearerFor, newClerkUserId, seedUser } from "@/test/support";

async function rowsFor(clerkUserId: string) {
  return asService((sql) => sql<{ id: string; email: string; metadata: unknown; lastLogin: Date | null; clerkUpdatedAt: Date | null }[]>`
    select id, email, metadata, last_login, clerk_updated_at from users where auth_id = ${clerkUserId}`);
}

function directoryOf(profiles: ClerkProfile[]): ClerkDirectory & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    getProfile: async (clerkUserId) => {
      calls.push(clerkUserId);
      return profiles.find((profile) => profile.clerkUserId === clerkUserId) ?? null;
    },
  };
}

describe("provisionUser", () => {
  it("creates exactly one row for 50 concurrent first requests, and reports one creation", async () => {
    const clerkUserId = newClerkUserId();
    const results = await Promise.all(Array.from({ length: 50 }, () => provisionUser({ clerkUserId, email: "many@example.com" }, null)));
    const rows = await rowsFor(clerkUserId);
    expect(rows).toHaveLength(1);
    expect(new Set(results.map((result) => result.id))).toEqual(new Set([rows[0]!.id]));
    expect(results.filter((result) => result.created)).toHaveLength(1);
    expect(rows[0]!.lastLogin).toBeInstanceOf(Date);
  });

  it("leaves an existing row alone: no write, no last_login change", async () => {
    const user = await seedUser();
    const result = await provisionUser({ clerkUserId: user.clerkUserId, email: "ignored@example.com" }, null);
    expect(result).toEqual({ id: user.id, email: user.email, created: false });
    expect(await rowsFor(user.clerkUserId)).toMatchObject([{ email: user.email, lastLogin: null }]);
  });

  it("asks Clerk's Backend API for the email when the token has none, and keeps the profile's version", async () => {
    const clerkUserId = newClerkUserId();
    const updatedAt = new Date("2026-11-01T00:00:00Z");
    const directory = directoryOf([{ clerkUserId, email: "from-clerk@example.com", metadata: { beta: true }, updatedAt, lastSignInAt: null }]);
    const result = await provisionUser({ clerkUserId, email: null }, directory);
    expect(result).toMatchObject({ email: "from-clerk@example.com", created: true });
    expect(directory.calls).toEqual([clerkUserId]);
    expect(await rowsFor(clerkUserId)).toMatchObject([{ email: "from-clerk@example.com", metadata: { beta: true }, clerkUpdatedAt: updatedAt }]);
  });

  it("with no account from before Clerk left to link, creates the row from the token's email without asking Clerk", async () => {
    const [legacy] = await asService((sql) => sql<{ count: number }[]>`select count(*)::int as count from users where auth_id ~* ${LEGACY_AUTH_ID}`);
    expect(legacy!.count).toBe(0);
    const clerkUserId = newClerkUserId();
    const directory = directoryOf([]);
    expect(await provisionUser({ clerkUserId, email: "no-legacy-left@example.com" }, directory)).toMatchObject({ created: true });
    expect(directory.calls).toEqual([]);
  });

  it("checks for legacy accounts with one probe of users_legacy_idx, not a scan of users", async () => {
    const plan = await asService(async (sql) => {
      await sql`set local enable_seqscan = off`;
      return sql.unsafe<{ "QUERY PLAN": string }[]>(`explain select exists (select 1 from users where auth_id ~* '${LEGACY_AUTH_ID}')`);
    });
    expect(plan.map((row) => Object.values(row)[0]).join("\n")).toContain("users_legacy_idx");
  });

  it("says how to fix a missing email: the session-token claim with Clerk, --email without", async () => {
    await expect(provisionUser({ clerkUserId: newClerkUserId(), email: null }, directoryOf([]))).rejects.toMatchObject({
      code: "FAILED_PRECONDITION",
      message: expect.stringContaining('{"email": "{{user.primary_email_address}}"}'),
    });
    await expect(provisionUser({ clerkUserId: newClerkUserId(), email: null }, null)).rejects.toMatchObject({
      code: "FAILED_PRECONDITION",
      message: expect.stringContaining("npm run token -- --user <id> --email <address>"),
    });
  });

  it("refuses an email another Clerk user holds with CONFLICT, and creates nothing", async () => {
    const holder = await seedUser();
    const clerkUserId = newClerkUserId();
    await expect(provisionUser({ clerkUserId, email: holder.email }, null)).rejects.toMatchObject({ code: "CONFLICT", details: { email: holder.email } });
    expect(await rowsFor(clerkUserId)).toEqual([]);
  });

  it("remembers known users for a while, and forgets them on request", async () => {
    const clerkUserId = newClerkUserId();
    const first = await provisionUser({ clerkUserId, email: "cached@example.com" }, null);
    await asService((sql) => sql`update users set email = 'renamed@example.com' where auth_id = ${clerkUserId}`);
    expect((await provisionUser({ clerkUserId, email: null }, null)).email).toBe("cached@example.com");
    forgetUser(clerkUserId);
    expect(await provisionUser({ clerkUserId, email: null }, null)).toEqual({ id: first.id, email: "renamed@example.com", created: false });
  });
});

describe("upsertUser", () => {
  it("never moves last_login back, and only a sign-in moves it", async () => {
    const clerkUserId = newClerkUserId();
    const at = (minutes: number) => new Date(Date.UTC(2026, 10, 20, 10, minutes));
    const write = (extra: object) => asService((sql) => upsertUser(sql, { clerkUserId, email: "times@example.com", ...extra }));
    await write({ lastLoginIfCreated: at(5) });
    await write({ lastLoginIfCreated: at(9) });
    expect((await rowsFor(clerkUserId))[0]!.lastLogin).toEqual(at(5));
    await write({ signedInAt: at(7) });
    await write({ signedInAt: at(6) });
    expect((await rowsFor(clerkUserId))[0]!.lastLogin).toEqual(at(7));
  });

  it("fails only its own write on a taken email, leaving the caller's transaction usable", async () => {
    const holder = await seedUser();
    const result = await asService(async (sql) => {
      const failed = await upsertUser(sql, { clerkUserId: newClerkUserId(), email: holder.email }).catch((error: Error) => error);
      const [row] = await sql<{ ok: number }[]>`select 1 as ok`;
      return { failed, ok: row!.ok };
    });
    expect(result.failed).toMatchObject({ code: "CONFLICT" });
    expect(result.ok).toBe(1);
  });
});

describe("the authenticator", () => {
  it("resolves a Bearer caller to their users row, and no header to anonymous", async () => {
    const authenticate = createAuthenticator({ verifier: async () => createTokenVerifier(await verifierConfigFor(getEnv())), directory: null });
    const user = await seedUser();
    expect(await authenticate({ authorization: null })).toBeNull();
    expect(await authenticate({ authorization: "   " })).toBeNull();
    expect(await authenticate({ authorization: await bearerFor(user) })).toMatchObject({ userId: user.id, clerkUserId: user.clerkUserId, email: user.email });
  });

  it("takes our frontend's verified Clerk session, and refuses one Clerk rejected instead of going anonymous", async () => {
    const authenticate = createAuthenticator({ verifier: () => Promise.reject(new Error("not used")), directory: null });
    const clerkUserId = newClerkUserId();
    const caller = await authenticate({
      authorization: null,
      frontendSession: { status: "signed-in", clerkUserId, sessionId: "sess_1", email: "cookie@example.com" },
    });
    expect(caller).toMatchObject({ clerkUserId, sessionId: "sess_1", email: "cookie@example.com" });
    await expect(authenticate({ authorization: null, frontendSession: { status: "rejected", reason: "session-token-expired" } })).rejects.toMatchObject({
      code: "UNAUTHENTICATED",
      details: { reason: "session-token-expired" },
    });
  });
});

describe("clerk_deleted_users", () => {
  it("is closed to authenticated and anonymous callers, open to the service path", async () => {
    const user = await seedUser();
    for (const identity of [user.identity, null]) {
      await expect(withUser(identity, (sql) => sql`select auth_id from clerk_deleted_users`)).rejects.toThrow(/permission denied for table clerk_deleted_users/);
    }
    await expect(withUser(user.identity, (sql) => sql`select clerk_updated_at from users`)).rejects.toThrow(/permission denied for table users/);
    expect(await asService((sql) => sql`select auth_id from clerk_deleted_users`)).toBeInstanceOf(Array);
  });
});
