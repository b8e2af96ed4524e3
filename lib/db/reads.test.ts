/**
 * readOnce: a read known in full goes as one message with the caller's RLS
 * context, runs as one implicit transaction, and leaves the pooled
 * connection exactly as it found it, whether the read worked or failed.
 */
import { describe, expect, it } from "vitest";
import { asService, createPool, onQuery, readOnce } from "@/lib/db/client";
import { sqlText, textLiteral } from "@/lib/db/literal";
import { getEnv } from "@/lib/env";
import { packetsDuring } from "@/test/own-database";
import { seedGeneration, seedUser } from "@/test/support";

const whoAmI = sqlText`select current_user as role, auth.jwt()->>'sub' as sub`;

describe("readOnce", () => {
  it("costs one packet, runs as the caller under RLS, and leaves no transaction open", async () => {
    const alice = await seedUser();
    const bob = await seedUser();
    await seedGeneration(alice.id);
    await seedGeneration(bob.id);
    await readOnce(alice.identity, [whoAmI]); // the pool has a connection open
    const { value, packets } = await packetsDuring(() =>
      readOnce(alice.identity, [whoAmI, sqlText`select count(*)::int as n from generations`]),
    );
    expect(value).toEqual([[{ role: "authenticated", sub: alice.clerkUserId }], [{ n: 1 }]]);
    expect(packets).toBe(1);
    // Anonymous: the anon role, which may not read generations at all.
    expect(await readOnce(null, [sqlText`select current_user as role`])).toEqual([[{ role: "anon" }]]);
    await expect(readOnce(null, [sqlText`select count(*) from generations`])).rejects.toMatchObject({ code: "42501" });
    const [open] = await asService((sql) => sql<{ n: number }[]>`
      select count(*)::int as n from pg_stat_activity
      where datname = current_database() and application_name = 'postora-api' and state like 'idle in transaction%'
        and pid <> pg_backend_pid()`);
    expect(open!.n).toBe(0);
  });

  it("sends the RLS context and the statements as one simple-protocol message", async () => {
    const alice = await seedUser();
    const sent: string[] = [];
    const stop = onQuery((statement) => sent.push(statement));
    try {
      await readOnce(alice.identity, [whoAmI]);
    } finally {
      stop();
    }
    expect(sent.filter((statement) => !statement.includes("pg_catalog.pg_type"))).toEqual([
      expect.stringMatching(/^select private\.enter_request\('authenticated', .*\);\nselect current_user as role, auth\.jwt\(\)->>'sub' as sub$/),
    ]);
  });

  it("carries hostile values as literals, never as SQL", async () => {
    const alice = await seedUser();
    const hostile = `o'brien\\"); drop table users; -- $$ 💥`;
    const [rows] = await readOnce(alice.identity, [sqlText`select ${textLiteral(hostile)} as value`]);
    expect(rows).toEqual([{ value: hostile }]);
    expect(() => sqlText`select ${hostile as never}`).toThrow(/only SqlText/);
  });

  it("leaves a pooled connection as it found it: the server's role, no claims, no transaction, after a read that worked or failed", async () => {
    const alice = await seedUser();
    const single = createPool(getEnv().databaseUrl!, { max: 1 });
    try {
      const state = async () => {
        const [row] = await single<{ role: string; claims: string | null; timeout: string }[]>`
          select current_user as role, nullif(current_setting('request.jwt.claims', true), '') as claims, current_setting('statement_timeout') as timeout`;
        return row!;
      };
      const before = await state();
      expect(before.claims).toBeNull();
      expect(await readOnce(alice.identity, [whoAmI], single)).toEqual([[{ role: "authenticated", sub: alice.clerkUserId }]]);
      expect(await state()).toEqual(before);
      await expect(readOnce(alice.identity, [sqlText`select 1/0`], single)).rejects.toMatchObject({ code: "22012" });
      expect(await state()).toEqual(before);
    } finally {
      await single.end();
    }
  });
});
