/**
 * Connecting Canva against the stand-in: PKCE and state (used once, tied to
 * the person, expiring), tokens sealed at rest, refresh with a rotating
 * single-use refresh token (two at once never lose the account), a grant
 * revoked at Canva asking to reconnect, and disconnect revoking at Canva.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asService } from "@/lib/db/client";
import { canvaAccountOf, disconnect, finishConnect, startConnect, withCanvaAccess } from "@/lib/canva/accounts";
import { approveAtCanva, canvaHarness, type CanvaHarness } from "@/test/canva";
import { seedUser } from "@/test/support";

let canva: CanvaHarness;
beforeAll(async () => {
  canva = await canvaHarness();
});
afterAll(() => canva.standIn.close());

async function connected() {
  const person = await seedUser();
  const { authorizeUrl } = await startConnect(canva.deps, person.id);
  const result = await finishConnect(canva.deps, await approveAtCanva(authorizeUrl));
  expect(result).toMatchObject({ status: "connected", userId: person.id });
  return person;
}

const grants = async () => (await canva.control("state")).grants as { revoked: boolean }[];

describe("connecting Canva", () => {
  it("asks for exactly our scopes with an S256 challenge, and stores the grant sealed", async () => {
    const person = await seedUser();
    const { authorizeUrl } = await startConnect(canva.deps, person.id);
    const url = new URL(authorizeUrl);
    expect(url.searchParams.get("scope")).toBe("asset:write design:content:write design:meta:read profile:read");
    expect(url.searchParams.get("code_challenge_method")).toBe("s256");
    expect(url.searchParams.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const [pending] = await asService((sql) => sql`select state_hash, code_verifier from private.canva_authorizations where user_id = ${person.id}`);
    expect(pending!.stateHash).not.toBe(url.searchParams.get("state"));
    expect(pending!.codeVerifier).toMatch(/^enc:v1:/);

    const back = await approveAtCanva(authorizeUrl);
    expect(await finishConnect(canva.deps, back)).toMatchObject({ status: "connected", displayName: expect.stringMatching(/^Stand-in Designer/) });
    expect(await canvaAccountOf({}, person.id)).toMatchObject({ connected: true, displayName: expect.stringMatching(/^Stand-in Designer/) });
    const [row] = await asService((sql) => sql`select access_token, refresh_token from private.canva_accounts where user_id = ${person.id}`);
    expect(row!.accessToken).toMatch(/^enc:v1:/);
    expect(row!.refreshToken).toMatch(/^enc:v1:/);
    // What a dump would hold: no row of any table in public or private carries either token in the clear.
    const tokens = [canva.deps.box.open(row!.accessToken as string, `canva:access:${person.id}`), canva.deps.box.open(row!.refreshToken as string, `canva:refresh:${person.id}`)];
    const tables = await asService((sql) => sql<{ name: string }[]>`
      select format('%I.%I', n.nspname, c.relname) as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname in ('public', 'private') and c.relkind = 'r'`);
    for (const { name } of tables) {
      for (const token of tokens) {
        const [hit] = await asService((sql) => sql.unsafe(`select exists (select 1 from ${name} t where t::text like '%' || $1 || '%') as found`, [token]));
        expect(hit!.found, name).toBe(false);
      }
    }
    // The state works once.
    expect(await finishConnect(canva.deps, back)).toMatchObject({ status: "refused", message: expect.stringMatching(/expired or was already used/) });
  });

  it("refuses an unknown state, an expired attempt, and a person who said no", async () => {
    expect(await finishConnect(canva.deps, { state: "made-up", code: "x", error: null })).toMatchObject({ status: "refused" });
    const person = await seedUser();
    const late = await approveAtCanva((await startConnect(canva.deps, person.id)).authorizeUrl);
    await asService((sql) => sql`update private.canva_authorizations set expires_at = now() - interval '1 second' where user_id = ${person.id}`);
    expect(await finishConnect(canva.deps, late)).toMatchObject({ status: "refused", message: expect.stringMatching(/expired/) });
    const denied = await approveAtCanva((await startConnect(canva.deps, person.id)).authorizeUrl);
    expect(await finishConnect(canva.deps, { ...denied, code: null, error: "access_denied" })).toMatchObject({ status: "refused", message: expect.stringMatching(/did not allow/) });
    expect(await canvaAccountOf({}, person.id)).toMatchObject({ connected: false });
  });
});

describe("using the grant", () => {
  it("refreshes a due token once, even when two requests need it at the same time", async () => {
    const person = await connected();
    const before = await asService((sql) => sql`select refresh_token from private.canva_accounts where user_id = ${person.id}`);
    await asService((sql) => sql`update private.canva_accounts set access_expires_at = now() where user_id = ${person.id}`);
    const names = await Promise.all([1, 2, 3].map(() => withCanvaAccess(canva.deps, person.id, (token, client) => client.profile(token))));
    expect(new Set(names.map((profile) => profile.displayName)).size).toBe(1);
    const [after] = await asService((sql) => sql`select status, refresh_token, access_expires_at from private.canva_accounts where user_id = ${person.id}`);
    expect(after!.status).toBe("connected");
    expect(after!.refreshToken).not.toBe(before[0]!.refreshToken);
    expect((after!.accessExpiresAt as Date).getTime()).toBeGreaterThan(Date.now() + 60_000);
    // The stand-in revokes a grant whose refresh token is used twice: it is still good.
    expect((await grants()).every((grant) => !grant.revoked)).toBe(true);
  });

  it("marks the account disconnected and asks to reconnect when Canva revoked the grant", async () => {
    const person = await connected();
    await canva.control("revoke-all");
    await expect(withCanvaAccess(canva.deps, person.id, (token, client) => client.profile(token))).rejects.toThrow(/Connect Canva again/);
    expect(await canvaAccountOf({}, person.id)).toMatchObject({ connected: false, reason: expect.stringMatching(/Connect Canva again/) });
    const [row] = await asService((sql) => sql`select access_token, refresh_token from private.canva_accounts where user_id = ${person.id}`);
    expect(row).toMatchObject({ accessToken: null, refreshToken: null });
  });

  it("disconnect revokes the grant at Canva and deletes it; so does deleting the person", async () => {
    const person = await connected();
    await disconnect(canva.deps, person.id);
    expect(await canvaAccountOf({}, person.id)).toEqual({ connected: false, displayName: null, reason: null });
    expect((await grants()).at(-1)!.revoked).toBe(true);
    expect(await asService((sql) => sql`select 1 from private.canva_revocations where user_id = ${person.id}`)).toHaveLength(0);

    const leaving = await connected();
    await asService((sql) => sql`delete from public.users where id = ${leaving.id}`);
    const [owed] = await asService((sql) => sql`select refresh_token from private.canva_revocations where user_id = ${leaving.id}`);
    expect(owed!.refreshToken).toMatch(/^enc:v1:/);
  });
});
