/**
 * The Bearer verifier on its own, with a test key standing in for a Clerk
 * instance's (networkless, as with CLERK_JWT_KEY): each way a token can be
 * wrong is an UNAUTHENTICATED error with Clerk's reason attached.
 */
import { describe, expect, it } from "vitest";
import { DEV_ISSUER } from "@/lib/auth/dev-identity";
import { bearerToken, createTokenVerifier } from "@/lib/auth/verify";
import { createTestSigningKey, newClerkUserId, signSessionToken } from "@/test/support";

const clerk = createTestSigningKey();
const verify = createTokenVerifier({
  jwtKey: clerk.publicKeyPem,
  secretKey: null,
  authorizedParties: ["https://app.postora.test"],
  refusedIssuers: [DEV_ISSUER],
  isProduction: true,
});
const now = () => Math.floor(Date.now() / 1000);
const sub = newClerkUserId();
const token = (claims: Record<string, unknown> = {}, key = clerk) =>
  signSessionToken(key, { sub, azp: "https://app.postora.test", email: "v@example.com", ...claims });

describe("createTokenVerifier", () => {
  it("returns who the token names", async () => {
    const session = await verify(await token({ sid: "sess_abc" }));
    expect(session).toEqual({ clerkUserId: sub, sessionId: "sess_abc", email: "v@example.com" });
    expect((await verify(await token({ email: undefined }))).email).toBeNull();
  });

  it("tolerates Clerk's five seconds of clock skew, and no more", async () => {
    await expect(verify(await token({ exp: now() - 2 }))).resolves.toBeTruthy();
    await expect(verify(await token({ exp: now() - 30 }))).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
  });

  const cases: [string, () => Promise<string>, string][] = [
    ["expired", () => token({ exp: now() - 60 }), "token-expired"],
    ["not yet valid", () => token({ nbf: now() + 600 }), "token-not-active-yet"],
    ["signed with another key", () => token({}, createTestSigningKey()), "token-invalid-signature"],
    ["for another authorized party", () => token({ azp: "https://evil.example" }), "token-invalid-authorized-parties"],
    ["for no authorized party", () => token({ azp: undefined }), "token-invalid-authorized-parties"],
    ["malformed", async () => "definitely.not.jwt", "token-invalid"],
  ];
  for (const [name, make, reason] of cases) {
    it(`refuses a token ${name} (${reason})`, async () => {
      await expect(verify(await make())).rejects.toMatchObject({ code: "UNAUTHENTICATED", details: { reason } });
    });
  }

  it("refuses a token with no subject", async () => {
    await expect(verify(await token({ sub: "" }))).rejects.toMatchObject({ code: "UNAUTHENTICATED", message: expect.stringMatching(/names no user/) });
  });

  it("refuses development-identity tokens, however they are signed", async () => {
    await expect(verify(await token({ iss: DEV_ISSUER }))).rejects.toMatchObject({
      code: "UNAUTHENTICATED",
      message: expect.stringMatching(/never accepted in production/),
    });
  });

  it("will not run with no authorized parties, which would accept any", () => {
    expect(() => createTokenVerifier({ jwtKey: clerk.publicKeyPem, secretKey: null, authorizedParties: [], isProduction: false })).toThrow(/authorized party/);
  });
});

describe("bearerToken", () => {
  it("takes the token from `Bearer <token>`, any case of the scheme", () => {
    expect(bearerToken("Bearer abc.def.ghi")).toBe("abc.def.ghi");
    expect(bearerToken("bearer abc.def.ghi ")).toBe("abc.def.ghi");
  });

  it("refuses other schemes and empty tokens as UNAUTHENTICATED", () => {
    for (const header of ["Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "Token abc", "Bearer a b"]) {
      expect(() => bearerToken(header), header).toThrow(expect.objectContaining({ code: "UNAUTHENTICATED" }));
    }
  });
});
