/**
 * One pooled connection, reused by user A, then anonymous, then user B: each
 * sees exactly their own rows and no error. This is the trap Supabase's
 * nullif(current_setting(...), '') avoids: after a transaction-local
 * set_config the setting reads back as '' rather than NULL.
 */
import { afterAll, expect, it } from "vitest";
import { createPool, withUser } from "@/lib/db/client";
import { getEnv } from "@/lib/env";
import { seedGeneration, seedUser } from "@/test/support";

const single = createPool(getEnv().databaseUrl!, { max: 1 });
afterAll(() => single.end());

it("keeps each caller to their own rows on a reused connection", async () => {
  const alice = await seedUser();
  const bob = await seedUser();
  const aliceGeneration = await seedGeneration(alice.id);
  const bobGeneration = await seedGeneration(bob.id);

  const backends = new Set<number>();
  const run = async (identity: Parameters<typeof withUser>[0]) =>
    withUser(
      identity,
      async (sql) => {
        const [backend] = await sql<{ pid: number }[]>`select pg_backend_pid() as pid`;
        backends.add(backend!.pid);
        const [claims] = await sql<{ jwt: unknown }[]>`select auth.jwt() as jwt`;
        const rows = identity
          ? await sql<{ id: string }[]>`select id from generations`
          : await sql<{ id: string }[]>`select name as id from storage.objects`;
        return { rows: rows.map((row) => row.id), claims: claims!.jwt };
      },
      single,
    );

  const first = await run(alice.identity);
  const anonymous = await run(null);
  const second = await run(bob.identity);
  const outside = await single<{ setting: string | null }[]>`select current_setting('request.jwt.claims', true) as setting`;

  expect(backends.size).toBe(1);
  expect(first.rows).toEqual([aliceGeneration]);
  expect(anonymous).toEqual({ rows: [], claims: { role: "anon" } });
  expect(second.rows).toEqual([bobGeneration]);
  // Outside a transaction the claims are gone: empty, which auth.jwt() reads as NULL.
  expect(outside[0]?.setting).toBe("");
  const [afterwards] = await single<{ jwt: unknown }[]>`select auth.jwt() as jwt`;
  expect(afterwards?.jwt).toBeNull();
});

it("carries hostile claim values into the transaction intact, never as SQL", async () => {
  const email = `o'brien\\"); drop table users; -- $$ 💥 @example.com`;
  const [row] = await withUser({ clerkUserId: "user_2'; select 1; --", email }, (sql) => sql<{ sub: string; email: string }[]>`
    select auth.jwt() ->> 'sub' as sub, auth.jwt() ->> 'email' as email`);
  expect(row).toEqual({ sub: "user_2'; select 1; --", email });
  const [users] = await single<{ exists: boolean }[]>`select to_regclass('public.users') is not null as exists`;
  expect(users?.exists).toBe(true);
});
