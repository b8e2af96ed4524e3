/**
 * Clerk mode end to end: the real endpoint (Yoga's fetch) with Clerk
 * configured, Clerk's Backend API answered by the local stand-in on
 * 127.0.0.1 (test/clerk-backend.ts) and session tokens signed with a test
 * instance key (networkless, as with CLERK_JWT_KEY). API keys and OAuth
 * access tokens are verified by @clerk/backend's authenticateRequest.
 */
import { randomBytes } from "node:crypto";
import { decodeGlobalID, encodeGlobalID } from "@pothos/plugin-relay";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGraphQLServer } from "@/graphql/yoga";
import { apiKeysFor } from "@/lib/api-keys/service";
import { authenticatorFor } from "@/lib/auth/caller";
import { ClerkBackendStandIn, STAND_IN_APP_ORIGIN as APP, clerkStandInEnv } from "@/test/clerk-backend";
import { createTestSigningKey, newClerkUserId, postGraphQL, signSessionToken, usersByClerkId } from "@/test/support";

const clerk = new ClerkBackendStandIn();
const instanceKey = createTestSigningKey();
let server: ReturnType<typeof createGraphQLServer>;

beforeAll(async () => {
  await clerk.start();
  const env = clerkStandInEnv(instanceKey.publicKeyPem);
  server = createGraphQLServer({
    authenticate: authenticatorFor(env, { clerkApiUrl: clerk.url }),
    apiKeys: apiKeysFor(env, { clerkApiUrl: clerk.url }),
  });
});
afterAll(() => clerk.stop());

/** A person Clerk knows (the stand-in answers GET /v1/users/:id), with a session token of our dashboard. */
async function person() {
  const clerkUserId = newClerkUserId();
  const email = `${clerkUserId}@example.com`;
  clerk.users.set(clerkUserId, { email });
  const session = `Bearer ${await signSessionToken(instanceKey, { sub: clerkUserId, azp: APP, email })}`;
  return { clerkUserId, email, session };
}

const VIEWER = "{ viewer { email } }";

describe("Clerk API keys through the endpoint", () => {
  it("creates a key at Clerk for the signed-in person and calls the API with it as them", async () => {
    const ada = await person();
    const { body } = await postGraphQL<{ createApiKey: { secret: string; apiKey: { id: string; scopes: string[] } } }>(
      server,
      'mutation { createApiKey(input: { name: "CLI", scopes: [READ, WRITE] }) { secret apiKey { id scopes } } }',
      { authorization: ada.session },
    );
    expect(body.errors).toBeUndefined();
    const { secret, apiKey } = body.data!.createApiKey;
    expect(apiKey.id).toBe(encodeGlobalID("ApiKey", decodeGlobalID(apiKey.id).id));
    expect(clerk.keys.get(decodeGlobalID(apiKey.id).id)).toMatchObject({ subject: ada.clerkUserId, scopes: ["read", "write"] });

    const used = await postGraphQL<{ viewer: { email: string } }>(server, VIEWER, { authorization: `Bearer ${secret}` });
    expect(used.status).toBe(200);
    expect(used.body.data!.viewer.email).toBe(ada.email);

    const listed = await postGraphQL<{ viewer: { apiKeys: { id: string }[] } }>(server, "{ viewer { apiKeys { id } } }", { authorization: ada.session });
    expect(listed.body.data!.viewer.apiKeys.map((key) => key.id)).toEqual([apiKey.id]);
  });

  it("provisions the key's owner on their first request, asking Clerk for their email", async () => {
    const bo = await person();
    const key = clerk.addApiKey({ subject: bo.clerkUserId, scopes: ["read"] });
    const { body } = await postGraphQL<{ viewer: { email: string } }>(server, VIEWER, { authorization: `Bearer ${key.secret}` });
    expect(body.data!.viewer.email).toBe(bo.email);
    expect(await usersByClerkId(bo.clerkUserId)).toHaveLength(1);
  });

  it("refuses a key revoked through revokeApiKey on the next request, with 401 and a reason", async () => {
    const cy = await person();
    const key = clerk.addApiKey({ subject: cy.clerkUserId, scopes: ["read"] });
    expect((await postGraphQL(server, VIEWER, { authorization: `Bearer ${key.secret}` })).status).toBe(200);
    const revoked = await postGraphQL(server, "mutation($id: ID!) { revokeApiKey(input: { id: $id }) { apiKey { revoked } } }", {
      authorization: cy.session,
      variables: { id: encodeGlobalID("ApiKey", key.id) },
    });
    expect(revoked.body.data).toEqual({ revokeApiKey: { apiKey: { revoked: true } } });
    const { status, body } = await postGraphQL(server, VIEWER, { authorization: `Bearer ${key.secret}` });
    expect(status).toBe(401);
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: "UNAUTHENTICATED", reason: "token-invalid" });
  });

  it("never revokes another person's key", async () => {
    const owner = await person();
    const other = await person();
    const key = clerk.addApiKey({ subject: owner.clerkUserId, scopes: ["read"] });
    const { body } = await postGraphQL(server, "mutation($id: ID!) { revokeApiKey(input: { id: $id }) { apiKey { revoked } } }", {
      authorization: other.session,
      variables: { id: encodeGlobalID("ApiKey", key.id) },
    });
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: "NOT_FOUND" });
    expect(clerk.keys.get(key.id)?.revoked).toBe(false);
  });
});

describe("Clerk OAuth access tokens through the endpoint", () => {
  it("acts as the person who authorized the app", async () => {
    const dee = await person();
    const token = clerk.addOAuthToken({ subject: dee.clerkUserId, scopes: ["read", "write"] });
    const { status, body } = await postGraphQL<{ viewer: { email: string } }>(server, VIEWER, { authorization: `Bearer ${token.token}` });
    expect(status).toBe(200);
    expect(body.data!.viewer.email).toBe(dee.email);
  });

  it("lets a token granted without `write` query but run no mutation (FORBIDDEN naming the scope)", async () => {
    const fay = await person();
    const token = clerk.addOAuthToken({ subject: fay.clerkUserId, scopes: ["profile", "email", "read"] });
    const read = await postGraphQL<{ viewer: { email: string } }>(server, VIEWER, { authorization: `Bearer ${token.token}` });
    expect(read.body.data!.viewer.email).toBe(fay.email);
    const { status, body } = await postGraphQL(server, 'mutation { createTemplate(input: { name: "via app", type: CAROUSEL, content: {} }) { template { name } } }', {
      authorization: `Bearer ${token.token}`,
    });
    expect(status).toBe(200);
    expect(body.errors?.[0]).toMatchObject({
      message: expect.stringMatching(/OAuth access token lacks the `write` scope/),
      extensions: { code: "FORBIDDEN", scopes: ["write"] },
    });
    expect(body.data ?? null).toBeNull();
  });

  it("grants nothing for a token with none of Postora's scopes", async () => {
    const gus = await person();
    const token = clerk.addOAuthToken({ subject: gus.clerkUserId, scopes: ["profile", "email"] });
    const { body } = await postGraphQL(server, VIEWER, { authorization: `Bearer ${token.token}` });
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: "FORBIDDEN", scopes: ["read"] });
  });

  it("refuses a revoked token with 401", async () => {
    const ed = await person();
    const token = clerk.addOAuthToken({ subject: ed.clerkUserId, scopes: ["read"], revoked: true });
    const { status, body } = await postGraphQL(server, VIEWER, { authorization: `Bearer ${token.token}` });
    expect(status).toBe(401);
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: "UNAUTHENTICATED" });
  });
});

describe("limits before authentication", () => {
  const madeUp = () => `Bearer ak_${randomBytes(24).toString("hex")}`;

  it("refuses 200 made-up keys from one address with 429 past 30 failures, asking Clerk at most 30 times; a working key there still passes", async () => {
    const ivy = await person();
    const good = clerk.addApiKey({ subject: ivy.clerkUserId, scopes: ["read"] });
    // One load balancer in front (TRUSTED_PROXY_COUNT=1): the address it recorded is the client's.
    const shared = { "x-forwarded-for": "198.51.100.9, 203.0.113.50" };
    expect((await postGraphQL(server, VIEWER, { authorization: `Bearer ${good.secret}`, headers: shared })).status).toBe(200);

    const verifiesBefore = clerk.count("POST", "/api_keys/verify");
    const statuses: number[] = [];
    for (let i = 0; i < 200; i += 1) {
      const { status, headers, body } = await postGraphQL(server, VIEWER, { authorization: madeUp(), headers: shared });
      statuses.push(status);
      if (status === 429) {
        const retryAfter = Number(headers.get("retry-after"));
        expect(retryAfter).toBeGreaterThanOrEqual(1);
        expect(retryAfter).toBeLessThanOrEqual(60);
        expect(body.errors?.[0]?.extensions).toMatchObject({
          code: "RATE_LIMITED",
          limitName: "failed-authentications-per-address",
          limit: 30,
          retryAfterSeconds: retryAfter,
        });
        expect(body.errors?.[0]?.message).toMatch(/^Too many failed authentications from your address: at most 30 a minute/);
      }
    }
    expect(statuses.filter((status) => status === 401)).toHaveLength(30);
    expect(statuses.filter((status) => status === 429)).toHaveLength(170);
    expect(statuses.slice(30).every((status) => status === 429)).toBe(true);
    expect(clerk.count("POST", "/api_keys/verify") - verifiesBefore).toBeLessThanOrEqual(30);

    // The customer's key, known good, is not capped by the gate its address shares.
    const after = await postGraphQL<{ viewer: { email: string } }>(server, VIEWER, { authorization: `Bearer ${good.secret}`, headers: shared });
    expect(after.status).toBe(200);
    expect(after.body.data!.viewer.email).toBe(ivy.email);
    // Another address has its own count.
    expect((await postGraphQL(server, VIEWER, { authorization: madeUp(), headers: { "x-forwarded-for": "203.0.113.51" } })).status).toBe(401);
  });

  it("asks Clerk once per window about the same key, known or unknown", async () => {
    const jo = await person();
    const key = clerk.addApiKey({ subject: jo.clerkUserId, scopes: ["read"] });
    const unknown = madeUp();
    const from = { "x-forwarded-for": "203.0.113.60" };
    const before = clerk.count("POST", "/api_keys/verify");
    for (let i = 0; i < 5; i += 1) {
      expect((await postGraphQL(server, VIEWER, { authorization: `Bearer ${key.secret}`, headers: from })).status).toBe(200);
      expect((await postGraphQL(server, VIEWER, { authorization: unknown, headers: from })).status).toBe(401);
    }
    expect(clerk.count("POST", "/api_keys/verify") - before).toBe(2);
  });
});
