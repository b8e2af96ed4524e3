/**
 * Who is calling, as a client sees it through the GraphQL endpoint: the
 * viewer of a signed-in caller (created on their first request), null for
 * an anonymous one, and a 401 UNAUTHENTICATED for every token that fails,
 * whether the server verifies Clerk tokens or the development identity's.
 */
import { encodeGlobalID } from "@pothos/plugin-relay";
import { print } from "graphql";
import { describe, expect, it } from "vitest";
import { ViewerDocument } from "@/graphql/generated/graphql";
import { createGraphQLServer } from "@/graphql/yoga";
import { authenticatorFor } from "@/lib/auth/caller";
import { DEV_AUTHORIZED_PARTY, DEV_ISSUER, devSigningKey } from "@/lib/auth/dev-identity";
import { onQuery, withUser } from "@/lib/db/client";
import { getEnv, parseEnv } from "@/lib/env";
import {
  bearerFor,
  createTestSigningKey,
  newClerkUserId,
  postDocument,
  postGraphQL,
  seedUser,
  signSessionToken,
  usersByClerkId,
  type TestSigningKey,
} from "@/test/support";

/** The Viewer document as text, for the token tests that also send it to `health`. */
const VIEWER = print(ViewerDocument);

const server = createGraphQLServer();

const usersWith = usersByClerkId;

function expectUnauthenticated(result: Awaited<ReturnType<typeof postGraphQL>>, message?: RegExp) {
  expect(result.status).toBe(401);
  expect(result.headers.get("www-authenticate")).toMatch(/^Bearer /);
  expect(result.body.data ?? null).toBeNull();
  expect(result.body.errors).toHaveLength(1);
  expect(result.body.errors![0]!.extensions).toMatchObject({ code: "UNAUTHENTICATED" });
  // Yoga's transport hint must not leak into the response.
  expect(result.body.errors![0]!.extensions).not.toHaveProperty("http");
  if (message) expect(result.body.errors![0]!.message).toMatch(message);
}

describe("viewer", () => {
  it("is null for an anonymous caller", async () => {
    const result = await postDocument(server, ViewerDocument);
    expect(result.status).toBe(200);
    expect(result.body).toEqual({ data: { viewer: null } });
  });

  it("is the caller's account, created on their first request with that request as their sign-in", async () => {
    const clerkUserId = newClerkUserId();
    const before = Date.now();
    const result = await postDocument(server, ViewerDocument, { authorization: await bearerFor({ clerkUserId, email: "first@example.com" }) });
    expect(result.body.errors).toBeUndefined();
    const viewer = result.body.data!.viewer!;
    const [row] = await usersWith(clerkUserId);
    // A global id, like every other id the API returns.
    expect(viewer).toMatchObject({ id: encodeGlobalID("Viewer", row!.id), email: "first@example.com", tier: "FREE" });
    expect(Date.parse(viewer.lastSignedInAt!)).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(viewer.createdAt)).toBeGreaterThanOrEqual(before - 1000);
  });

  it("does not move lastSignedInAt on later requests: only a sign-in does", async () => {
    const clerkUserId = newClerkUserId();
    const authorization = await bearerFor({ clerkUserId, email: "steady@example.com" });
    const first = await postDocument(server, ViewerDocument, { authorization });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const again = await postDocument(server, ViewerDocument, { authorization: await bearerFor({ clerkUserId, email: "steady@example.com" }) });
    expect(again.body.data!.viewer!.lastSignedInAt).toBe(first.body.data!.viewer!.lastSignedInAt);
  });

  it("shows every user their own row and never another's", async () => {
    const alice = await seedUser();
    const bob = await seedUser();
    const asAlice = await postDocument(server, ViewerDocument, { authorization: await bearerFor(alice) });
    const asBob = await postDocument(server, ViewerDocument, { authorization: await bearerFor(bob) });
    expect(asAlice.body.data!.viewer).toMatchObject({ id: encodeGlobalID("Viewer", alice.id), email: alice.email });
    expect(asBob.body.data!.viewer).toMatchObject({ id: encodeGlobalID("Viewer", bob.id), email: bob.email });
    // The resolver's SQL, pointed at Bob while running as Alice, finds nothing: RLS, not the filter, decides.
    const stolen = await withUser(alice.identity, (sql) => sql`select id from users where auth_id = ${bob.clerkUserId}`);
    expect(stolen).toEqual([]);
  });

  it("reads the account row only for fields that need it, once per request", async () => {
    const alice = await seedUser();
    const authorization = await bearerFor(alice);
    await postGraphQL(server, "{ viewer { id } }", { authorization }); // the user lookup is cached from here on
    const accountReads = async (query: string) => {
      const sent: string[] = [];
      const stop = onQuery((statement) => sent.push(statement));
      try {
        const result = await postGraphQL(server, query, { authorization });
        expect(result.body.errors).toBeUndefined();
      } finally {
        stop();
      }
      return sent.filter((statement) => statement.includes("viewer_billing()") && statement.includes("from users")).length;
    };
    expect(await accountReads("{ viewer { id generations(first: 1) { edges { node { id } } } } }")).toBe(0);
    expect(await accountReads("{ viewer { email tier createdAt generations(first: 1) { edges { node { id } } } } }")).toBe(1);
  });

  it("creates exactly one user for 50 parallel first requests", async () => {
    const clerkUserId = newClerkUserId();
    const authorization = await bearerFor({ clerkUserId, email: "rush@example.com" });
    const results = await Promise.all(Array.from({ length: 50 }, () => postDocument(server, ViewerDocument, { authorization })));
    for (const result of results) expect(result.body.errors).toBeUndefined();
    const rows = await usersWith(clerkUserId);
    expect(rows).toHaveLength(1);
    expect(new Set(results.map((result) => result.body.data!.viewer!.id))).toEqual(new Set([encodeGlobalID("Viewer", rows[0]!.id)]));
  });

  it("refuses an email another Clerk user already holds, instead of overwriting it", async () => {
    const holder = await seedUser({ email: "taken@example.com" });
    const result = await postGraphQL(server, VIEWER, { authorization: await bearerFor({ clerkUserId: newClerkUserId(), email: "taken@example.com" }) });
    expect(result.status).toBe(409);
    expect(result.body.errors![0]).toMatchObject({ extensions: { code: "CONFLICT", email: "taken@example.com" } });
    expect(result.body.errors![0]!.message).toMatch(/already belongs to another Postora account/);
    const [row] = await usersWith(holder.clerkUserId);
    expect(row!.email).toBe("taken@example.com");
  });
});

/** Tokens signed with `key` that are right in every way but the one each case breaks. */
async function rejectionCases(key: TestSigningKey, valid: Record<string, unknown>) {
  const now = Math.floor(Date.now() / 1000);
  const sign = (overrides: Record<string, unknown>, signingKey = key) => signSessionToken(signingKey, { ...valid, ...overrides });
  const [header, payload] = (await sign({})).split(".");
  const unsigned = `${Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url")}.${payload}.`;
  return [
    { name: "expired", authorization: `Bearer ${await sign({ exp: now - 60 })}`, message: /has expired/ },
    { name: "not yet valid (nbf in the future)", authorization: `Bearer ${await sign({ nbf: now + 600 })}`, message: /not valid yet/ },
    { name: "signed with another key", authorization: `Bearer ${await sign({}, createTestSigningKey())}`, message: /signature does not verify/ },
    { name: "issued to another party (azp)", authorization: `Bearer ${await sign({ azp: "https://evil.example" })}`, message: /issued to "https:\/\/evil.example"/ },
    { name: "issued to no party", authorization: `Bearer ${await sign({ azp: undefined })}`, message: /issued to "no authorized party"/ },
    { name: "without exp", authorization: `Bearer ${await sign({ exp: undefined })}`, message: /not a valid Clerk session token/ },
    { name: "unsigned (alg none)", authorization: `Bearer ${unsigned}`, message: /signing algorithm/ },
    { name: "with a forged signature", authorization: `Bearer ${header}.${payload}.${"A".repeat(342)}`, message: /signature does not verify/ },
    { name: "not a JWT", authorization: "Bearer not-a-jwt", message: /not a valid Clerk session token/ },
    { name: "three garbage segments", authorization: "Bearer a.b.c", message: /not a valid Clerk session token/ },
    { name: "a JavaScript null sent as a token", authorization: "Bearer null", message: /not a valid Clerk session token/ },
    { name: "an empty Bearer", authorization: "Bearer ", message: /must be `Bearer <token>`/ },
    { name: "another scheme", authorization: "Basic dXNlcjpwYXNz", message: /must be `Bearer <token>`/ },
  ];
}

describe("with the development identity (no Clerk keys)", () => {
  it("answers every broken token with 401 UNAUTHENTICATED, even for fields anonymous callers may use", async () => {
    const key = await devSigningKey(getEnv());
    const valid = { sub: newClerkUserId(), email: "dev@example.com", iss: DEV_ISSUER, azp: DEV_AUTHORIZED_PARTY };
    const cases = [
      ...(await rejectionCases(key, valid)),
      { name: "from another issuer", authorization: `Bearer ${await signSessionToken(key, { ...valid, iss: "https://clerk.example.com" })}`, message: /not issued by this server's development identity/ },
    ];
    for (const { name, authorization, message } of cases) {
      for (const query of [VIEWER, "{ health { ok } }"]) {
        const result = await postGraphQL(server, query, { authorization });
        try {
          expectUnauthenticated(result, message);
        } catch (error) {
          throw new Error(`token ${name}: ${(error as Error).message}`);
        }
      }
    }
    expect(await usersWith(valid.sub)).toEqual([]);
  });

  it("says how to get a fresh token when one has expired", async () => {
    const result = await postGraphQL(server, VIEWER, { authorization: await bearerFor({ clerkUserId: newClerkUserId(), email: "late@example.com" }, -60) });
    expectUnauthenticated(result, /npm run token/);
    expect(result.body.errors![0]!.extensions).toMatchObject({ reason: "token-expired" });
  });
});

describe("with Clerk configured (networkless, CLERK_JWT_KEY)", () => {
  const clerk = createTestSigningKey();
  const env = parseEnv({
    NODE_ENV: "test",
    NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY: `pk_test_${Buffer.from("clerk.postora.test$").toString("base64")}`,
    CLERK_SECRET_KEY: "sk_test_postora_tests_never_call_clerk",
    CLERK_JWT_KEY: clerk.publicKeyPem.replace(/\n/g, "\\n"),
    CLERK_AUTHORIZED_PARTIES: "https://app.postora.test, https://partner.example/",
  });
  const clerkServer = createGraphQLServer({ authenticate: authenticatorFor(env) });

  it("accepts a session token from an authorized party and creates the user from its email claim", async () => {
    const clerkUserId = newClerkUserId();
    for (const azp of ["https://app.postora.test", "https://partner.example"]) {
      const token = await signSessionToken(clerk, { sub: clerkUserId, azp, email: "clerk@example.com" });
      const result = await postDocument(clerkServer, ViewerDocument, { authorization: `Bearer ${token}` });
      expect(result.body.errors).toBeUndefined();
      expect(result.body.data!.viewer!.email).toBe("clerk@example.com");
    }
    expect(await usersWith(clerkUserId)).toHaveLength(1);
  });

  it("answers every broken token with 401 UNAUTHENTICATED", async () => {
    const valid = { sub: newClerkUserId(), email: "clerk-broken@example.com", azp: "https://app.postora.test" };
    for (const { name, authorization, message } of await rejectionCases(clerk, valid)) {
      const result = await postGraphQL(clerkServer, VIEWER, { authorization });
      try {
        expectUnauthenticated(result, message);
      } catch (error) {
        throw new Error(`token ${name}: ${(error as Error).message}`);
      }
    }
    expect(await usersWith(valid.sub)).toEqual([]);
  });

  it("refuses development tokens", async () => {
    const result = await postGraphQL(clerkServer, VIEWER, { authorization: await bearerFor({ clerkUserId: newClerkUserId(), email: "dev@example.com" }) });
    expectUnauthenticated(result);
  });

  it("refuses a pending session, as Clerk's own auth() does", async () => {
    const token = await signSessionToken(clerk, { sub: newClerkUserId(), azp: "https://app.postora.test", email: "pending@example.com", sts: "pending" });
    expectUnauthenticated(await postGraphQL(clerkServer, VIEWER, { authorization: `Bearer ${token}` }), /pending/);
  });
});

describe("in production", () => {
  it("refuses development tokens even if the development key were configured as Clerk's", async () => {
    const devKey = await devSigningKey(getEnv());
    const production = parseEnv({
      NODE_ENV: "production",
      DATABASE_URL: getEnv().databaseUrl!,
      NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY: `pk_live_${Buffer.from("clerk.postora.app$").toString("base64")}`,
      CLERK_SECRET_KEY: "sk_live_postora_tests_never_call_clerk",
      // The worst misconfiguration: the development public key where Clerk's belongs.
      CLERK_JWT_KEY: devKey.publicKeyPem,
      // ...and the development tokens' party allowed, so only the issuer check stands in the way.
      CLERK_AUTHORIZED_PARTIES: `${getEnv().appUrl},${DEV_AUTHORIZED_PARTY}`,
      SUPABASE_URL: "https://abcd.supabase.co",
      SUPABASE_SERVICE_ROLE_KEY: "service-role-key-0123456789",
      APP_URL: getEnv().appUrl,
      DATA_ENCRYPTION_KEY: "k8cOqxJ9m2r1fN3vQ7wZ0aB4cD6eF8gH1iJ3kL5mN7o=",
    });
    const productionServer = createGraphQLServer({ authenticate: authenticatorFor(production) });
    const clerkUserId = newClerkUserId();
    const result = await postGraphQL(productionServer, VIEWER, { authorization: await bearerFor({ clerkUserId, email: "prod@example.com" }) });
    expectUnauthenticated(result, /never accepted in production/);
    expect(await usersWith(clerkUserId)).toEqual([]);
  });
});
