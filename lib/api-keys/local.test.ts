/**
 * The development identity's API keys: the service (create, list, revoke as
 * the owner), the verifier (by hash, with last_used_at at most once a
 * minute), and the table's rules for anyone who reaches it through the Data
 * API as `authenticated`: metadata of one's own keys only, never a hash,
 * no updates, revocation only through private.revoke_api_key.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { createLocalApiKeys, createLocalApiKeyVerifier, secretHash } from "@/lib/api-keys/local";
import type { ApiKeyOwner } from "@/lib/api-keys/types";
import { DevIdentityInProductionError } from "@/lib/auth/dev-identity";
import { asService, withUser } from "@/lib/db/client";
import { getEnv, parseEnv } from "@/lib/env";
import { PRODUCTION_ENV, seedUser, type SeededUser } from "@/test/support";

const keys = createLocalApiKeys(getEnv());
const verify = createLocalApiKeyVerifier(getEnv());
let alice: SeededUser;
let bob: SeededUser;
const owner = (user: SeededUser): ApiKeyOwner => ({ userId: user.id, clerkUserId: user.clerkUserId, email: user.email });

beforeAll(async () => {
  alice = await seedUser();
  bob = await seedUser();
});

describe("the local API keys service", () => {
  it("creates a key whose secret is shown once and stored only as its hash", async () => {
    const { apiKey, secret } = await keys.create(owner(alice), { name: "  CI deploys ", scopes: ["write", "read", "read"] });
    expect(secret).toMatch(/^ak_[0-9a-f]{64}$/);
    expect(apiKey).toMatchObject({ id: expect.stringMatching(/^apikey_[0-9a-f]{32}$/), name: "CI deploys", scopes: ["read", "write"], lastUsedAt: null, revoked: false });
    const [stored] = await asService((sql) => sql<{ secretHash: Buffer }[]>`select secret_hash from api_keys where id = ${apiKey.id}`);
    expect(stored!.secretHash.equals(secretHash(secret))).toBe(true);
    const everything = JSON.stringify(await asService((sql) => sql`select * from api_keys where id = ${apiKey.id}`));
    expect(everything).not.toContain(secret.slice(3));
  });

  it("refuses a blank name, no scopes and unknown scopes, naming the field", async () => {
    await expect(keys.create(owner(alice), { name: "  ", scopes: ["read"] })).rejects.toMatchObject({ code: "BAD_USER_INPUT", details: { field: "input.name" } });
    await expect(keys.create(owner(alice), { name: "x", scopes: [] })).rejects.toMatchObject({ code: "BAD_USER_INPUT", details: { field: "input.scopes" } });
    await expect(keys.create(owner(alice), { name: "x", scopes: ["admin"] })).rejects.toMatchObject({ code: "BAD_USER_INPUT", details: { field: "input.scopes" } });
  });

  it("lists the owner's live keys only, newest first", async () => {
    const first = await keys.create(owner(bob), { name: "first", scopes: ["read"] });
    const second = await keys.create(owner(bob), { name: "second", scopes: ["read", "write"] });
    expect((await keys.list(owner(bob))).map((key) => key.id)).toEqual([second.apiKey.id, first.apiKey.id]);
    expect((await keys.list(owner(alice))).map((key) => key.id)).not.toContain(first.apiKey.id);
    await keys.revoke(owner(bob), first.apiKey.id);
    expect((await keys.list(owner(bob))).map((key) => key.id)).toEqual([second.apiKey.id]);
  });

  it("revokes the owner's key once and again idempotently; another person's id is NOT_FOUND", async () => {
    const { apiKey } = await keys.create(owner(alice), { name: "to revoke", scopes: ["read"] });
    await expect(keys.revoke(owner(bob), apiKey.id)).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect((await keys.list(owner(alice))).map((key) => key.id)).toContain(apiKey.id);
    expect(await keys.revoke(owner(alice), apiKey.id)).toMatchObject({ id: apiKey.id, revoked: true });
    expect(await keys.revoke(owner(alice), apiKey.id)).toMatchObject({ id: apiKey.id, revoked: true });
    await expect(keys.revoke(owner(alice), "apikey_nope")).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("cannot be made in production", () => {
    const production = parseEnv(PRODUCTION_ENV);
    expect(() => createLocalApiKeys(production)).toThrow(DevIdentityInProductionError);
    expect(() => createLocalApiKeyVerifier(production)).toThrow(DevIdentityInProductionError);
  });
});

describe("the local API key verifier", () => {
  it("finds a live key's owner and scopes, and says a revoked or unknown one is not valid", async () => {
    const { apiKey, secret } = await keys.create(owner(alice), { name: "verify me", scopes: ["read"] });
    expect(await verify(secret)).toMatchObject({
      status: "valid",
      key: { keyId: apiKey.id, clerkUserId: alice.clerkUserId, email: alice.email, scopes: ["read"] },
    });
    const oneCharacterOff = `${secret.slice(0, -1)}${secret.endsWith("0") ? "1" : "0"}`;
    expect(await verify(oneCharacterOff)).toEqual({ status: "unknown" });
    await keys.revoke(owner(alice), apiKey.id);
    expect(await verify(secret)).toMatchObject({ status: "revoked", keyId: apiKey.id });
  });

  it("records last use at most once a minute per key", async () => {
    const { apiKey, secret } = await keys.create(owner(alice), { name: "busy", scopes: ["read"] });
    const lastUsed = async () =>
      (await asService((sql) => sql<{ lastUsedAt: Date | null }[]>`select last_used_at from api_keys where id = ${apiKey.id}`))[0]!.lastUsedAt;
    expect(await verify(secret)).toMatchObject({ key: { touched: true } });
    const first = await lastUsed();
    expect(first).toBeInstanceOf(Date);
    expect(await verify(secret)).toMatchObject({ key: { touched: false } });
    expect(await lastUsed()).toEqual(first);
    // A minute later (moved back, rather than waiting), the next use is recorded again.
    await asService((sql) => sql`update api_keys set last_used_at = now() - interval '61 seconds' where id = ${apiKey.id}`);
    const aMinuteAgo = (await lastUsed())!.getTime();
    expect(await verify(secret)).toMatchObject({ key: { touched: true } });
    expect((await lastUsed())!.getTime()).toBeGreaterThan(aMinuteAgo + 55_000);
    expect((await keys.list(owner(alice))).find((key) => key.id === apiKey.id)?.lastUsedAt).toBeInstanceOf(Date);
  });

  it("stops finding a key once its owner is deleted", async () => {
    const carol = await seedUser();
    const { secret } = await keys.create(owner(carol), { name: "doomed", scopes: ["read", "write"] });
    await asService((sql) => sql`delete from users where id = ${carol.id}`);
    expect(await verify(secret)).toEqual({ status: "unknown" });
  });
});

describe("api_keys under row-level security", () => {
  it("shows a person their own keys' metadata and never a hash", async () => {
    const { apiKey } = await keys.create(owner(alice), { name: "mine", scopes: ["read"] });
    const mine = await withUser(alice.identity, (sql) => sql<{ id: string }[]>`select id from api_keys`);
    expect(mine.map((row) => row.id)).toContain(apiKey.id);
    const theirs = await withUser(bob.identity, (sql) => sql<{ id: string }[]>`select id from api_keys where id = ${apiKey.id}`);
    expect(theirs).toEqual([]);
    await expect(withUser(alice.identity, (sql) => sql`select secret_hash from api_keys`)).rejects.toThrow(/permission denied for table api_keys/);
    await expect(withUser(null, (sql) => sql`select id from api_keys`)).rejects.toThrow(/permission denied for table api_keys/);
  });

  it("lets a person insert a key for themselves only, and set no id, times or revocation", async () => {
    const hash = secretHash(`ak_${"1".repeat(64)}`);
    await expect(
      withUser(alice.identity, (sql) => sql`insert into api_keys (user_id, name, scopes, secret_hash) values (${bob.id}, 'x', '{read}', ${hash})`),
    ).rejects.toThrow(/row-level security policy/);
    await expect(
      withUser(alice.identity, (sql) => sql`insert into api_keys (user_id, name, scopes, secret_hash, last_used_at) values (${alice.id}, 'x', '{read}', ${hash}, now())`),
    ).rejects.toThrow(/permission denied for table api_keys/);
    await expect(
      withUser(alice.identity, (sql) => sql`insert into api_keys (user_id, name, scopes, secret_hash) values (${alice.id}, 'x', '{admin}', ${hash})`),
    ).rejects.toThrow(/api_keys_scopes_check/);
  });

  it("refuses every update and delete, so a revoked key cannot come back", async () => {
    const { apiKey } = await keys.create(owner(alice), { name: "revoked for good", scopes: ["read"] });
    await keys.revoke(owner(alice), apiKey.id);
    await expect(withUser(alice.identity, (sql) => sql`update api_keys set revoked_at = null where id = ${apiKey.id}`)).rejects.toThrow(
      /permission denied for table api_keys/,
    );
    await expect(withUser(alice.identity, (sql) => sql`update api_keys set scopes = '{read,write}' where id = ${apiKey.id}`)).rejects.toThrow(
      /permission denied for table api_keys/,
    );
    await expect(withUser(alice.identity, (sql) => sql`delete from api_keys where id = ${apiKey.id}`)).rejects.toThrow(/permission denied for table api_keys/);
  });

  it("revokes through private.revoke_api_key only the caller's own live key", async () => {
    const { apiKey } = await keys.create(owner(alice), { name: "function", scopes: ["read"] });
    const revoke = (user: SeededUser) =>
      withUser(user.identity, (sql) => sql<{ id: string | null }[]>`select private.revoke_api_key(${apiKey.id}) as id`).then(([row]) => row!.id);
    expect(await revoke(bob)).toBeNull();
    expect(await revoke(alice)).toBe(apiKey.id);
    expect(await revoke(alice)).toBeNull();
    await expect(withUser(null, (sql) => sql`select private.revoke_api_key(${apiKey.id})`)).rejects.toThrow(/permission denied/);
  });
});
