/**
 * Whether a live stream's credential still stands, in Clerk mode against the
 * local stand-in of Clerk's Backend API: the session (not its one-minute
 * token), the API key, the account.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authenticatorFor, type Authenticator } from "@/lib/auth/caller";
import { credentialCheckFor, type CredentialCheck } from "@/lib/auth/still-valid";
import { asService } from "@/lib/db/client";
import { ClerkBackendStandIn, STAND_IN_APP_ORIGIN as APP, clerkStandInEnv } from "@/test/clerk-backend";
import { createTestSigningKey, newClerkUserId, signSessionToken } from "@/test/support";

const clerk = new ClerkBackendStandIn();
const instanceKey = createTestSigningKey();
let authenticate: Authenticator;
let check: CredentialCheck;

beforeAll(async () => {
  await clerk.start();
  const env = clerkStandInEnv(instanceKey.publicKeyPem, {
    // No verdict cache here: these tests hold the check itself. With the cache on (up to 60 s), a revoked key's
    // stream ends within the cache's window plus one check.
    MACHINE_TOKEN_CACHE_SECONDS: "0",
  });
  authenticate = authenticatorFor(env, { clerkApiUrl: clerk.url });
  check = credentialCheckFor(env, authenticate, { clerkApiUrl: clerk.url });
});
afterAll(() => clerk.stop());

async function signedIn() {
  const clerkUserId = newClerkUserId();
  const email = `${clerkUserId}@example.com`;
  clerk.users.set(clerkUserId, { email });
  const sid = `sess_${clerkUserId.slice(-12)}`;
  clerk.sessions.set(sid, { userId: clerkUserId, status: "active" });
  const authorization = `Bearer ${await signSessionToken(instanceKey, { sub: clerkUserId, sid, azp: APP, email })}`;
  const caller = (await authenticate({ authorization }))!;
  return { clerkUserId, sid, authorization, caller };
}

describe("credentialCheckFor", () => {
  it("keeps a session that Clerk says is active, whatever its token's minute, and ends it once Clerk ends it", async () => {
    const { sid, caller } = await signedIn();
    const expiredToken = `Bearer ${await signSessionToken(instanceKey, { sub: caller.clerkUserId, sid, azp: APP, exp: Math.floor(Date.now() / 1000) - 120 })}`;
    expect(await check(caller, expiredToken)).toEqual({ allowed: true });
    clerk.sessions.get(sid)!.status = "ended";
    expect(await check(caller, expiredToken)).toEqual({ allowed: false, reason: expect.stringMatching(/Clerk session ended/) as unknown });
    clerk.sessions.delete(sid);
    expect((await check(caller, null)).allowed).toBe(false);
  });

  it("ends an API key's stream once the key is revoked", async () => {
    const { clerkUserId } = await signedIn();
    const key = clerk.addApiKey({ subject: clerkUserId, scopes: ["read"] });
    const authorization = `Bearer ${key.secret}`;
    const caller = (await authenticate({ authorization }))!;
    expect(caller.credential).toBe("api_key");
    expect(await check(caller, authorization)).toEqual({ allowed: true });
    key.revoked = true;
    expect(await check(caller, authorization)).toEqual({ allowed: false, reason: "your API key was revoked or has expired." });
  });

  it("ends any stream of a deleted account", async () => {
    const { authorization, caller } = await signedIn();
    await asService((sql) => sql`delete from users where id = ${caller.userId}`);
    expect(await check(caller, authorization)).toEqual({ allowed: false, reason: "your account was deleted." });
  });

  it("throws when Clerk cannot be asked, so the stream checks again later instead of ending", async () => {
    const { caller } = await signedIn();
    await clerk.stop();
    try {
      await expect(check(caller, null)).rejects.toThrow();
    } finally {
      await clerk.start();
    }
  });
});
