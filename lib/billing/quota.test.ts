/**
 * The monthly generation limit, enforced by the database on every door:
 * GraphQL's createGeneration and a direct insert as `authenticated` (what
 * Supabase's Data API runs). Races, deletes and forged timestamps cannot
 * get past it; the service path is counted but never refused.
 */
import { afterAll, describe, expect, it } from "vitest";
import { QuotaExceededError } from "@/lib/billing/quota";
import { asService, createPool, withUser } from "@/lib/db/client";
import { getEnv } from "@/lib/env";
import { insertGeneration } from "@/lib/generations/generations";
import { seedGeneration, seedUser, type SeededUser } from "@/test/support";

// Twenty connections, so twenty creates really run at once.
const wide = createPool(getEnv().databaseUrl!, { max: 20 });
afterAll(() => wide.end({ timeout: 5 }));

const nextMonth = () => {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
};

const create = (user: SeededUser) =>
  withUser(user.identity, (sql) => insertGeneration(sql, { inputContent: "A post", outputFormat: "carousel" }), wide);

async function storedCount(userId: string): Promise<number> {
  const [row] = await asService((sql) => sql<{ count: number }[]>`select count(*)::int as count from generations where user_id = ${userId}`);
  return row!.count;
}

/** Brings a user to `used` generations this month through the service path (counted, never refused). */
async function useUp(user: SeededUser, used: number): Promise<void> {
  for (let i = 0; i < used; i += 1) await seedGeneration(user.id);
}

describe("the monthly limit", () => {
  it("lets exactly the remaining creates through when 20 race at the limit", async () => {
    const user = await seedUser();
    await useUp(user, 7); // free allows 10: three left
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => create(user)));
    const created = results.filter((result) => result.status === "fulfilled");
    const refused = results.filter((result): result is PromiseRejectedResult => result.status === "rejected");
    expect(created).toHaveLength(3);
    expect(refused).toHaveLength(17);
    for (const { reason } of refused) {
      expect(reason).toBeInstanceOf(QuotaExceededError);
      expect(reason).toMatchObject({
        code: "QUOTA_EXCEEDED",
        details: { tier: "free", limit: 10, used: 10, resetsAt: nextMonth().toISOString().replace(".000Z", "Z") },
      });
      expect((reason as Error).message).toMatch(/^Monthly generation limit reached: the free tier allows 10 generations a month\. It resets at \d{4}-\d\d-01T00:00:00Z\.$/);
    }
    expect(await storedCount(user.id)).toBe(10);
  });

  it("holds for 20 parallel creates at a paid tier's limit too", async () => {
    const user = await seedUser({ tier: "pro" });
    await useUp(user, 195); // pro allows 200
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => create(user)));
    expect(results.filter((result) => result.status === "fulfilled")).toHaveLength(5);
    expect(await storedCount(user.id)).toBe(200);
  });

  it("refuses a direct insert as `authenticated` (the Data API door) with SQLSTATE PT429, one row or many", async () => {
    const user = await seedUser();
    await useUp(user, 9);
    const insertMany = (rows: number) =>
      withUser(user.identity, (sql) => sql`
        insert into generations (user_id, input_content, output_format)
        select ${user.id}, 'direct', 'carousel' from generate_series(1, ${rows})`);
    await expect(insertMany(2)).rejects.toMatchObject({ code: "PT429" });
    expect(await storedCount(user.id)).toBe(9); // all or nothing
    await insertMany(1);
    await expect(insertMany(1)).rejects.toMatchObject({ code: "PT429", message: expect.stringMatching(/Monthly generation limit reached/) });
    expect(await storedCount(user.id)).toBe(10);
  });

  it("is not refilled by deleting, soft or hard, nor dodged with a forged created_at", async () => {
    const user = await seedUser();
    await useUp(user, 8);
    // A person cannot name created_at at all (no INSERT grant on it; the database sets it).
    await expect(withUser(user.identity, (sql) => sql`
      insert into generations (user_id, input_content, output_format, created_at)
      values (${user.id}, 'backdated', 'carousel', '2020-01-01T00:00:00Z')`)).rejects.toThrow(/permission denied for table generations/);
    const ninth = await create(user);
    const last = await create(user); // the tenth
    await withUser(user.identity, (sql) => sql`select private.soft_delete_generation(${last.id})`);
    await expect(withUser(user.identity, (sql) => sql`delete from generations where id = ${ninth.id}`)).rejects.toThrow(
      /permission denied for table generations/,
    );
    await asService((sql) => sql`delete from generations where id = ${ninth.id}`);
    await expect(create(user)).rejects.toBeInstanceOf(QuotaExceededError);
  });

  it("counts only this calendar month (UTC)", async () => {
    const user = await seedUser();
    for (let i = 0; i < 10; i += 1) await seedGeneration(user.id, { createdAt: new Date(Date.now() - 40 * 864e5) });
    await expect(create(user)).resolves.toMatchObject({ status: "queued" });
  });

  it("never refuses the service path, but counts it", async () => {
    const user = await seedUser();
    await useUp(user, 12);
    expect(await storedCount(user.id)).toBe(12);
    await expect(create(user)).rejects.toBeInstanceOf(QuotaExceededError);
  });
});

describe("the tier the limit comes from", () => {
  const setBilling = (user: SeededUser, values: { tier: string; subscriptionEnd: Date | null; subscription?: { status: string; cancelAtPeriodEnd: boolean } }) =>
    asService(async (sql) => {
      const subId = `sub_${user.id.slice(0, 8)}`;
      if (values.subscription) {
        await sql`insert into subscriptions (user_id, stripe_sub_id, plan, status, start_date, end_date, cancel_at_period_end)
                  values (${user.id}, ${subId}, ${values.tier}, ${values.subscription.status}, now() - interval '30 days',
                          ${values.subscriptionEnd}, ${values.subscription.cancelAtPeriodEnd})`;
      }
      await sql`update users set tier = ${values.tier}, subscription_end = ${values.subscriptionEnd},
                subscription_id = ${values.subscription ? subId : null} where id = ${user.id}`;
    });

  it("falls back to free once a cancelled subscription's paid period is over", async () => {
    const user = await seedUser();
    await setBilling(user, { tier: "pro", subscriptionEnd: new Date(Date.now() - 60_000), subscription: { status: "active", cancelAtPeriodEnd: true } });
    await useUp(user, 10);
    await expect(create(user)).rejects.toMatchObject({ details: { tier: "free", limit: 10 } });
  });

  it("keeps the paid tier until subscription_end, and a renewing one through a short grace for the renewal event", async () => {
    const cancelling = await seedUser();
    await setBilling(cancelling, { tier: "pro", subscriptionEnd: new Date(Date.now() + 864e5), subscription: { status: "active", cancelAtPeriodEnd: true } });
    const renewing = await seedUser();
    await setBilling(renewing, { tier: "pro", subscriptionEnd: new Date(Date.now() - 3600_000), subscription: { status: "active", cancelAtPeriodEnd: false } });
    const overdue = await seedUser();
    await setBilling(overdue, { tier: "pro", subscriptionEnd: new Date(Date.now() - 3 * 864e5), subscription: { status: "active", cancelAtPeriodEnd: false } });
    for (const user of [cancelling, renewing, overdue]) await useUp(user, 10);
    await expect(create(cancelling)).resolves.toBeTruthy();
    await expect(create(renewing)).resolves.toBeTruthy();
    await expect(create(overdue)).rejects.toMatchObject({ details: { tier: "free" } });
  });
});
