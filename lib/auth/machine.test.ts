/**
 * Clerk API keys and OAuth access tokens, verified by @clerk/backend's
 * authenticateRequest against a stand-in for Clerk's Backend API on
 * 127.0.0.1 (test/clerk-backend.ts): no network, the SDK's real requests.
 */
import { randomBytes } from "node:crypto";
import { signJwt } from "@clerk/backend/jwt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isMachineToken } from "@clerk/backend/internal";
import { createClerkMachineVerifier, isMachineCredential, type MachineVerifier } from "@/lib/auth/machine";
import { ClerkBackendStandIn, STAND_IN_PUBLISHABLE_KEY, STAND_IN_SECRET_KEY } from "@/test/clerk-backend";
import { createTestSigningKey, newClerkUserId } from "@/test/support";

const clerk = new ClerkBackendStandIn();
const instanceKey = createTestSigningKey();
let verify: MachineVerifier;
const person = newClerkUserId();

beforeAll(async () => {
  await clerk.start();
  verify = createClerkMachineVerifier({ secretKey: STAND_IN_SECRET_KEY, publishableKey: STAND_IN_PUBLISHABLE_KEY, jwtKey: instanceKey.publicKeyPem, apiUrl: clerk.url });
});
afterAll(() => clerk.stop());

describe("Clerk API keys", () => {
  it("resolves a key to the person it belongs to, with its scopes, via POST /api_keys/verify", async () => {
    const key = clerk.addApiKey({ subject: person, scopes: ["read", "write"] });
    expect(await verify(key.secret)).toEqual({ kind: "api_key", clerkUserId: person, keyId: key.id, grantedScopes: ["read", "write"], clientId: null });
    expect(clerk.requests.at(-1)).toEqual({ method: "POST", path: "/api_keys/verify", body: { secret: key.secret } });
  });

  it("asks Clerk on every request, so a key revoked between two requests is refused on the second", async () => {
    const key = clerk.addApiKey({ subject: person, scopes: ["read"] });
    const before = clerk.count("POST", "/api_keys/verify");
    await verify(key.secret);
    key.revoked = true;
    await expect(verify(key.secret)).rejects.toMatchObject({ code: "UNAUTHENTICATED", details: { reason: "token-invalid" }, message: expect.stringMatching(/revoked/) });
    expect(clerk.count("POST", "/api_keys/verify")).toBe(before + 2);
  });

  it("refuses an unknown, an expired and an organization's key", async () => {
    await expect(verify(`ak_${randomBytes(24).toString("hex")}`)).rejects.toMatchObject({ code: "UNAUTHENTICATED", details: { reason: "token-invalid" } });
    const expired = clerk.addApiKey({ subject: person, scopes: ["read"], expiration: Date.now() - 1000 });
    await expect(verify(expired.secret)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    const organization = clerk.addApiKey({ subject: "org_2abc", scopes: ["read"] });
    await expect(verify(organization.secret)).rejects.toMatchObject({ code: "UNAUTHENTICATED", message: expect.stringMatching(/organization/) });
  });

  it("reports a wrong CLERK_SECRET_KEY as our failure (503), not the caller's", async () => {
    const misconfigured = createClerkMachineVerifier({ secretKey: "sk_test_wrong", publishableKey: STAND_IN_PUBLISHABLE_KEY, jwtKey: null, apiUrl: clerk.url });
    const key = clerk.addApiKey({ subject: person, scopes: ["read"] });
    await expect(misconfigured(key.secret)).rejects.toMatchObject({ code: "SERVICE_UNAVAILABLE" });
  });

  it("refuses machine-to-machine tokens: they name no person", async () => {
    await expect(verify(`mt_${randomBytes(24).toString("hex")}`)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
  });
});

describe("Clerk OAuth access tokens", () => {
  it("resolves an opaque token to the person who authorized the app, with the scopes they granted", async () => {
    const token = clerk.addOAuthToken({ subject: person, scopes: ["profile", "read"], clientId: "client_reader" });
    expect(await verify(token.token)).toEqual({ kind: "oauth_token", clerkUserId: person, keyId: token.id, grantedScopes: ["profile", "read"], clientId: "client_reader" });
    expect(clerk.requests.at(-1)).toEqual({ method: "POST", path: "/oauth_applications/access_tokens/verify", body: { access_token: token.token } });
  });

  it("refuses a revoked opaque token", async () => {
    const token = clerk.addOAuthToken({ subject: person, scopes: ["read"], revoked: true });
    await expect(verify(token.token)).rejects.toMatchObject({ code: "UNAUTHENTICATED", details: { reason: "token-invalid" } });
  });

  const oauthJwt = (claims: Record<string, unknown>, key = instanceKey) => {
    const now = Math.floor(Date.now() / 1000);
    return signJwt(
      { iss: "https://clerk.postora.test", sub: person, client_id: "client_jwt", jti: "oat_jwt_1", scope: "read write", iat: now, nbf: now - 5, exp: now + 300, ...claims },
      key.privateKeyPem,
      { algorithm: "RS256", header: { typ: "at+jwt", kid: key.kid } },
    );
  };

  it("verifies a JWT-format token networklessly with the instance key", async () => {
    const before = clerk.requests.length;
    expect(await verify(await oauthJwt({}))).toEqual({ kind: "oauth_token", clerkUserId: person, keyId: "oat_jwt_1", grantedScopes: ["read", "write"], clientId: "client_jwt" });
    expect(clerk.requests.length).toBe(before);
  });

  it("refuses a JWT-format token that expired or was signed by another key", async () => {
    await expect(verify(await oauthJwt({ exp: Math.floor(Date.now() / 1000) - 60 }))).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    await expect(verify(await oauthJwt({}, createTestSigningKey()))).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
  });
});

describe("telling machine tokens from session tokens", () => {
  it("gives Clerk's own isMachineToken verdict, for every kind of credential and for malformed ones", async () => {
    const jwt = (header: Record<string, unknown>, payload: Record<string, unknown>) =>
      signJwt({ iat: Math.floor(Date.now() / 1000), ...payload }, instanceKey.privateKeyPem, { algorithm: "RS256", header: { kid: instanceKey.kid, ...header } });
    const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
    const tokens = [
      await jwt({}, { sub: person }), // a session token
      await jwt({ typ: "JWT" }, { sub: person, sts: "active" }),
      await jwt({ typ: "at+jwt" }, { sub: person }), // OAuth access tokens, both spellings of their type
      await jwt({ typ: "application/at+jwt" }, { sub: person }),
      await jwt({}, { sub: "mch_2machine" }), // machine to machine
      await jwt({}, { sub: 42 }),
      "ak_live_abc123",
      "oat_abc123",
      "mt_abc123",
      "not-a-jwt",
      "a.b",
      "a.b.c",
      `${part({ typ: "at+jwt" })}.!!!.sig`,
      `${part({ typ: "at+jwt" })}.${Buffer.from("not json").toString("base64url")}.sig`,
      `${part("at+jwt")}.${part({ sub: "mch_x" })}.sig`,
      `${part(null)}.${part({ sub: "mch_x" })}.sig`,
      `${part({ typ: ["at+jwt"] })}.${part({ sub: "user_1" })}.sig`,
      `${part({ alg: "none" })}.${part({ sub: "mch_x" })}.`,
    ];
    for (const token of tokens) expect({ token, verdict: isMachineCredential(token) }).toEqual({ token, verdict: isMachineToken(token) });
    // Both OAuth types, the M2M JWTs (whatever their header), and the three prefixes.
    expect(tokens.map(isMachineCredential).filter(Boolean)).toHaveLength(8);
  });
});
