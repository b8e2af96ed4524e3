/**
 * The development identity: its key's life on disk, the tokens it mints
 * (verified by the same code as Clerk's), and that production refuses it
 * whatever else is configured.
 */
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it, vi } from "vitest";
import { createAuthenticator } from "@/lib/auth/caller";
import { DEV_AUTHORIZED_PARTY, DEV_ISSUER, DevIdentityInProductionError, devKeyFile, devSigningKey, mintDevToken } from "@/lib/auth/dev-identity";
import { createTokenVerifier, verifierConfigFor } from "@/lib/auth/verify";
import { getEnv, parseEnv, type Env } from "@/lib/env";
import { newClerkUserId, PRODUCTION_ENV } from "@/test/support";

const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()) as Record<string, unknown>;

describe("the local signing key", () => {
  it("is created on first use under the data folder, private to its owner, and reused", async () => {
    // The run's files start with a key in their data folder (test/per-file-database.ts): this one starts empty.
    const env = parseEnv({ POSTORA_DATA_DIR: `${getEnv().dataDir}/first-use` });
    const key = await devSigningKey(env);
    expect(devKeyFile(env).startsWith(env.dataDir)).toBe(true);
    expect((await stat(devKeyFile(env))).mode & 0o777).toBe(0o600);
    expect(key.publicKeyPem).toContain("-----BEGIN PUBLIC KEY-----");
    expect(await devSigningKey(env)).toBe(key);
  });

  it("is created once when several processes race for it", async () => {
    const env = parseEnv({ POSTORA_DATA_DIR: `${getEnv().dataDir}/race` });
    // Fresh copies of the module share nothing in memory, like the server and `npm run token` side by side.
    const copies = [];
    for (let i = 0; i < 8; i += 1) {
      vi.resetModules();
      copies.push(await import("@/lib/auth/dev-identity"));
    }
    const keys = await Promise.all(copies.map((copy) => copy.devSigningKey(env)));
    expect(new Set(keys.map((key) => key.privateKeyPem)).size).toBe(1);
    expect(await readdir(path.dirname(devKeyFile(env)))).toEqual(["signing-key.pem"]);
  });
});

describe("development tokens", () => {
  it("look like Clerk session tokens and pass the same verifier", async () => {
    const env = getEnv();
    const clerkUserId = newClerkUserId();
    const token = await mintDevToken(env, { clerkUserId, email: "dev@example.com" });
    expect(claimsOf(token)).toMatchObject({ sub: clerkUserId, email: "dev@example.com", iss: DEV_ISSUER, azp: DEV_AUTHORIZED_PARTY, v: 2 });
    const verify = createTokenVerifier(await verifierConfigFor(env));
    expect(await verify(token)).toEqual({ clerkUserId, email: "dev@example.com", sessionId: claimsOf(token).sid });
  });

  it("work on whatever port the dev server runs (npm run token does not know it)", async () => {
    const mintedFor = parseEnv({ PORT: "3000", POSTORA_DATA_DIR: getEnv().dataDir });
    const servedBy = parseEnv({ PORT: "3111", POSTORA_DATA_DIR: getEnv().dataDir });
    const clerkUserId = newClerkUserId();
    const token = await mintDevToken(mintedFor, { clerkUserId, email: "port@example.com" });
    const verify = createTokenVerifier(await verifierConfigFor(servedBy));
    expect(await verify(token)).toMatchObject({ clerkUserId });
  });
});

describe("in production", () => {
  const production = () =>
    parseEnv({ ...PRODUCTION_ENV, POSTORA_DATA_DIR: getEnv().dataDir });

  it("cannot be switched on by any variable: parseEnv refuses production without Clerk", () => {
    expect(() => parseEnv({ NODE_ENV: "production", DATABASE_URL: "postgres://x@y/z", APP_URL: "https://api.postora.app" })).toThrow(
      /development identity cannot run there/,
    );
    expect(production().devIdentity).toBe(false);
  });

  it("refuses to load the key or mint a token, even where a key exists on disk", async () => {
    await devSigningKey(getEnv());
    await expect(devSigningKey(production())).rejects.toBeInstanceOf(DevIdentityInProductionError);
    await expect(mintDevToken(production(), { clerkUserId: newClerkUserId() })).rejects.toBeInstanceOf(DevIdentityInProductionError);
  });

  it("refuses to build a development verifier even from a hand-made configuration", async () => {
    const forged = { ...production(), clerk: null, devIdentity: true } as Env;
    await expect(verifierConfigFor(forged)).rejects.toBeInstanceOf(DevIdentityInProductionError);
    const authenticate = createAuthenticator({ verifier: async () => createTokenVerifier(await verifierConfigFor(forged)), directory: null });
    const token = await mintDevToken(getEnv(), { clerkUserId: newClerkUserId(), email: "x@example.com" });
    await expect(authenticate({ authorization: `Bearer ${token}` })).rejects.toBeInstanceOf(DevIdentityInProductionError);
  });
});
