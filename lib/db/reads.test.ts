/**
 * A query's reads (userReads): each in a transaction of its own that costs
 * one packet (a lone statement without parameters: one message on the pool,
 * an implicit transaction; anything else: opening, statements and COMMIT on
 * a reserved connection), and nothing ever runs outside that transaction,
 * whatever a read does after its first statement.
 */
import { describe, expect, it } from "vitest";
import { asService, createPool, onQuery, userReads, type Sql } from "@/lib/db/client";
import { getEnv } from "@/lib/env";
import { packetsDuring } from "@/test/own-database";
import { seedGeneration, seedUser } from "@/test/support";

const whoAmI = (sql: Sql) => sql<{ role: string; sub: string | null }[]>`select current_user as role, auth.jwt()->>'sub' as sub`;

describe("a query's reads", () => {
  it("cost one packet each, run as the caller, and leave no transaction open", async () => {
    const alice = await seedUser();
    await seedGeneration(alice.id);
    const reads = userReads(alice.identity);
    await reads.run(whoAmI); // the pool has a connection open
    const { value, packets } = await packetsDuring(() => reads.run(whoAmI));
    expect(value).toEqual([{ role: "authenticated", sub: alice.clerkUserId }]);
    expect(packets).toBe(1);
    // Two reads at once: each its own transaction, both as the caller.
    const [first, second] = await Promise.all([reads.run(whoAmI), reads.run((sql) => sql<{ n: number }[]>`select count(*)::int as n from generations`)]);
    expect(first).toEqual([{ role: "authenticated", sub: alice.clerkUserId }]);
    expect(second).toEqual([{ n: 1 }]);
    // No connection of ours is left idle in a transaction.
    const [open] = await asService((sql) => sql<{ n: number }[]>`
      select count(*)::int as n from pg_stat_activity where application_name = 'postora-api' and state like 'idle in transaction%' and pid <> pg_backend_pid()`);
    expect(open!.n).toBe(0);
  });

  it("run a read with a second statement again in a transaction of its own, never after the commit as the server's role", async () => {
    const alice = await seedUser();
    const reads = userReads(alice.identity);
    let attempts = 0;
    const twoStatements = async (sql: Sql) => {
      attempts += 1;
      const [first] = await whoAmI(sql);
      const [second] = await whoAmI(sql);
      return [first, second];
    };
    expect(await reads.run(twoStatements)).toEqual([
      { role: "authenticated", sub: alice.clerkUserId },
      { role: "authenticated", sub: alice.clerkUserId },
    ]);
    expect(attempts).toBe(2);

    // A statement made before the commit but awaited after it is refused too, and the read runs again.
    const madeEarly = async (sql: Sql) => {
      const later = whoAmI(sql);
      await new Promise((resolve) => setTimeout(resolve, 20));
      return later;
    };
    expect(await reads.run(madeEarly)).toEqual([{ role: "authenticated", sub: alice.clerkUserId }]);

    // A read that swallows the refusal does not get to answer with what it made of it.
    const swallowing = async (sql: Sql) => {
      await whoAmI(sql);
      return whoAmI(sql).then(
        (rows) => rows[0]!.role,
        () => "refused",
      );
    };
    expect(await reads.run(swallowing)).toBe("authenticated");
  });

  it("send a lone statement without parameters as one message with the RLS context, anything else in a reserved transaction", async () => {
    const alice = await seedUser();
    const reads = userReads(alice.identity);
    const sent: string[] = [];
    const stop = onQuery((statement) => sent.push(statement));
    try {
      expect(await reads.run(whoAmI)).toEqual([{ role: "authenticated", sub: alice.clerkUserId }]);
      expect(await reads.run((sql) => sql<{ n: number }[]>`select ${41}::int + 1 as n`)).toEqual([{ n: 42 }]);
      const [first, second] = await reads.run((sql) =>
        Promise.all([sql<{ n: number }[]>`select 1 as n`, sql<{ n: number }[]>`select 2 as n`]),
      );
      expect([first, second]).toEqual([[{ n: 1 }], [{ n: 2 }]]);
    } finally {
      stop();
    }
    const reading = sent.filter((statement) => !statement.startsWith("begin;"));
    expect(reading[0]).toMatch(/^select private\.enter_request\('authenticated', .*\); select current_user as role, auth\.jwt\(\)->>'sub' as sub$/);
    expect(reading.slice(1)).toEqual([
      "select $1::int + 1 as n",
      "commit",
      "select 1 as n",
      "select 2 as n",
      "commit",
    ]);
  });

  it("hand back a read's own error as it was, and the connection stays usable", async () => {
    const alice = await seedUser();
    const reads = userReads(alice.identity);
    const failing = reads.run((sql) => sql`select 1/0`);
    await expect(failing).rejects.toMatchObject({ code: "22012" });
    expect(await reads.run(whoAmI)).toEqual([{ role: "authenticated", sub: alice.clerkUserId }]);
  });

  it("leave a pooled connection as they found it: the server's role, no claims, no transaction, after a read that worked, failed or was refused", async () => {
    const alice = await seedUser();
    const single = createPool(getEnv().databaseUrl!, { max: 1 });
    try {
      const reads = userReads(alice.identity, single);
      const state = async () => {
        const [row] = await single<{ role: string; claims: string | null; timeout: string }[]>`
          select current_user as role, nullif(current_setting('request.jwt.claims', true), '') as claims, current_setting('statement_timeout') as timeout`;
        return row!;
      };
      const before = await state();
      expect(before.claims).toBeNull();
      expect(await reads.run(whoAmI)).toEqual([{ role: "authenticated", sub: alice.clerkUserId }]);
      expect(await state()).toEqual(before);
      await expect(reads.run((sql) => sql`select 1/0`)).rejects.toMatchObject({ code: "22012" });
      expect(await state()).toEqual(before);
      // The lead's refusal skips the rest of the message: the read never runs, and nothing is left behind either.
      const refused = userReads(alice.identity, single);
      refused.lead("select private.no_such_counter()", () => true);
      await expect(refused.run(whoAmI)).rejects.toMatchObject({ code: "42883" });
      expect(await state()).toEqual(before);
    } finally {
      await single.end();
    }
  });
});
