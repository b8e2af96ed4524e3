/**
 * The billing migrations on production-shaped data: duplicate Stripe
 * subscription rows (collapsed for one user, refused across users) and
 * generations already made (counted into the monthly quota).
 */
import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { afterAll, expect, inject, it } from "vitest";
import { listMigrations, migrate } from "@/lib/db/migrate";
import { installQueue } from "@/lib/jobs/queue";

const adminUrl = inject("postgresAdminUrl");
const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
const created: string[] = [];
afterAll(async () => {
  for (const name of created) await admin.unsafe(`drop database if exists ${name} with (force)`);
  await admin.end();
});

const SUBSCRIPTION_SYNC = "20261203000000";

/** A database migrated up to just before the billing migrations. */
async function beforeBilling(): Promise<{ url: string; run: <T>(fn: (sql: postgres.Sql) => Promise<T>) => Promise<T> }> {
  const name = `billing_${randomBytes(6).toString("hex")}`;
  await admin.unsafe(`create database ${name}`);
  created.push(name);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const previous = (await listMigrations()).filter((migration) => migration.version < SUBSCRIPTION_SYNC).at(-1)!;
  await migrate(url.toString(), { until: previous.version });
  // Queued generations add a job (the pipeline's trigger), as in production.
  await installQueue(url.toString());
  const run = async <T>(fn: (sql: postgres.Sql) => Promise<T>) => {
    const sql = postgres(url.toString(), { max: 1, onnotice: () => {}, transform: { column: { from: postgres.toCamel } } });
    try {
      return await fn(sql);
    } finally {
      await sql.end();
    }
  };
  return { url: url.toString(), run };
}

const insertUser = (sql: postgres.Sql, authId: string) =>
  sql<{ id: string }[]>`insert into users (auth_id, email) values (${authId}, ${`${authId}@example.com`}) returning id`.then((rows) => rows[0]!.id);

it("keeps the latest row of a subscription recorded twice for one user, then makes stripe_sub_id unique", async () => {
  const { url, run } = await beforeBilling();
  const userId = await run(async (sql) => {
    const id = await insertUser(sql, "user_2dupes");
    await sql`insert into subscriptions (user_id, stripe_sub_id, plan, status, start_date, end_date) values
      (${id}, 'sub_twice', 'pro', 'active', '2026-09-01', '2026-10-01'),
      (${id}, 'sub_twice', 'pro', 'active', '2026-10-01', '2026-11-01'),
      (${id}, 'sub_once', 'pro', 'canceled', '2026-01-01', '2026-02-01')`;
    return id;
  });
  await migrate(url);
  await run(async (sql) => {
    const rows = await sql`select stripe_sub_id, end_date from subscriptions where user_id = ${userId} order by stripe_sub_id`;
    expect(rows).toEqual([
      { stripeSubId: "sub_once", endDate: new Date("2026-02-01T00:00:00Z") },
      { stripeSubId: "sub_twice", endDate: new Date("2026-11-01T00:00:00Z") },
    ]);
    await expect(sql`insert into subscriptions (user_id, stripe_sub_id, plan, status, start_date, end_date)
      values (${userId}, 'sub_once', 'pro', 'active', now(), now())`).rejects.toThrow(/subscriptions_stripe_sub_id_key/);
  });
});

it("refuses, naming them, subscriptions recorded for two users, and applies nothing", async () => {
  const { url, run } = await beforeBilling();
  await run(async (sql) => {
    const a = await insertUser(sql, "user_2alpha");
    const b = await insertUser(sql, "user_2beta");
    await sql`insert into subscriptions (user_id, stripe_sub_id, plan, status, start_date, end_date) values
      (${a}, 'sub_shared', 'pro', 'active', now(), now() + interval '30 days'),
      (${b}, 'sub_shared', 'pro', 'active', now(), now() + interval '30 days')`;
  });
  await expect(migrate(url)).rejects.toThrow("subscriptions: Stripe subscription(s) sub_shared are recorded for more than one user");
  await run(async (sql) => {
    const [state] = await sql`select count(*)::int as rows,
      (select count(*)::int from supabase_migrations.schema_migrations where version >= ${SUBSCRIPTION_SYNC}) as applied
      from subscriptions`;
    expect(state).toEqual({ rows: 2, applied: 0 });
  });
});

it("counts generations already made, deleted ones included, into each month's quota", async () => {
  const { url, run } = await beforeBilling();
  const userId = await run(async (sql) => {
    const id = await insertUser(sql, "user_2counted");
    await sql`insert into generations (user_id, input_content, output_format, created_at, deleted_at) values
      (${id}, 'a', 'carousel', now(), null),
      (${id}, 'b', 'carousel', now(), now()),
      (${id}, 'c', 'carousel', now() - interval '45 days', null)`;
    return id;
  });
  await migrate(url);
  await run(async (sql) => {
    const rows = await sql<{ used: number }[]>`
      select used from private.generation_counts where user_id = ${userId} and period_start = private.month_start(now())`;
    expect(rows).toEqual([{ used: 2 }]);
    const [total] = await sql`select sum(used)::int as total from private.generation_counts where user_id = ${userId}`;
    expect(total).toEqual({ total: 3 });
  });
});
