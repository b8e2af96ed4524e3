/**
 * Faults on a real database, at the lib/db level: this file starts its own
 * embedded Postgres (not the shared test one), then stops it, kills
 * connections mid-transaction and starts it again. withUser/asService
 * answer DatabaseUnavailableError (SERVICE_UNAVAILABLE) within seconds,
 * roll back what the transaction wrote, and work again on their own once
 * the database is back. app/api/outage.test.ts does the same at every door.
 */
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asService, closePool, createPool, DB_LIMITS, withUser, type DbIdentity } from "@/lib/db/client";
import { DatabaseUnavailableError, isUnavailable } from "@/lib/faults";
import { countGenerations, FAULT_BOUND_MS, onceAvailable, startOwnDatabase, timed, type OwnDatabase } from "@/test/own-database";
import { seedUser } from "@/test/support";

let database: OwnDatabase;
let person: DbIdentity;

const insertGeneration = (sql: postgres.Sql, text: string) => sql`
  insert into generations (user_id, input_content, output_format) values ((select private.requesting_user_id()), ${text}, 'carousel')`;

beforeAll(async () => {
  database = await startOwnDatabase();
  database.use();
  person = (await seedUser()).identity;
}, 120_000);

afterAll(async () => {
  await closePool();
  await database.remove();
});

describe("the database stops and comes back", () => {
  it("fails fast with SERVICE_UNAVAILABLE, and the pool reconnects by itself", async () => {
    await withUser(person, (sql) => insertGeneration(sql, "before"));
    const before = await countGenerations();
    await database.stop();
    for (const attempt of [() => withUser(person, (sql) => insertGeneration(sql, "during")), () => asService((sql) => sql`select 1`)]) {
      const { ms, value } = await timed(() => attempt().catch((error: unknown) => error));
      expect(ms).toBeLessThan(FAULT_BOUND_MS);
      expect(value).toBeInstanceOf(DatabaseUnavailableError);
      expect((value as DatabaseUnavailableError).code).toBe("SERVICE_UNAVAILABLE");
      expect(isUnavailable((value as Error).cause)).toBe(true);
    }
    await database.start();
    // No restart of the app: the pool reconnects, and only the successful attempt wrote anything.
    await onceAvailable(() => withUser(person, (sql) => insertGeneration(sql, "after")));
    expect(await countGenerations()).toBe(before + 1);
  }, 60_000);
});

describe("the database fails mid-request", () => {
  it("rolls back everything the transaction wrote when its connection is killed half-way", async () => {
    const admin = postgres(database.url, { max: 1, onnotice: () => {} });
    try {
      const before = await countGenerations();
      const outcome = await withUser(person, async (sql) => {
        await insertGeneration(sql, "half-written");
        const [backend] = await sql<{ pid: number }[]>`select pg_backend_pid() as pid`;
        await admin`select pg_terminate_backend(${backend!.pid})`;
        await insertGeneration(sql, "never reached");
      }).catch((error: unknown) => error);
      expect(outcome).toBeInstanceOf(DatabaseUnavailableError);
      expect((outcome as DatabaseUnavailableError).code).toBe("SERVICE_UNAVAILABLE");
      expect(await countGenerations()).toBe(before);
      // The dead connection was not put back into use: every pooled connection works.
      const answers = await Promise.all(Array.from({ length: 12 }, () => withUser(person, (sql) => sql<{ one: number }[]>`select 1 as one`)));
      expect(answers.flat()).toHaveLength(12);
    } finally {
      await admin.end({ timeout: 5 });
    }
  });

  it("ends a statement that runs too long (statement_timeout), as SERVICE_UNAVAILABLE", async () => {
    const settings = await withUser(person, (sql) => sql<{ statement: string; idle: string }[]>`
      select current_setting('statement_timeout') as statement, current_setting('idle_in_transaction_session_timeout') as idle`);
    expect(settings).toEqual([{ statement: "10s", idle: "10s" }]);
    const service = await asService((sql) => sql<{ statement: string }[]>`select current_setting('statement_timeout') as statement`);
    expect(service).toEqual([{ statement: "1min" }]);

    const slow = await timed(() =>
      withUser(person, async (sql) => {
        await sql`select set_config('statement_timeout', '200', true)`;
        await sql`select pg_sleep(5)`;
      }).catch((error: unknown) => error),
    );
    expect(slow.ms).toBeLessThan(3000);
    expect(slow.value).toBeInstanceOf(DatabaseUnavailableError);
    expect(((slow.value as Error).cause as { code: string }).code).toBe("57014");
  });

  it("waits a bounded time for a free connection, then answers SERVICE_UNAVAILABLE", async () => {
    const tiny = createPool(database.url, { max: 1 });
    let release!: () => void;
    const holding = withUser(person, () => new Promise<void>((resolve) => (release = resolve)), tiny);
    try {
      const waited = await timed(() => asService((sql) => sql`select 1`, tiny).catch((error: unknown) => error));
      expect(waited.value).toBeInstanceOf(DatabaseUnavailableError);
      expect((waited.value as Error).message).toBe(
        `The database is busy: no connection became free within ${DB_LIMITS.poolWaitMs / 1000} s. Nothing was changed; retry in a few seconds.`,
      );
      expect(waited.ms).toBeGreaterThanOrEqual(DB_LIMITS.poolWaitMs - 50);
      expect(waited.ms).toBeLessThan(DB_LIMITS.poolWaitMs + 2000);
    } finally {
      release();
      await holding;
      // The connection that came free late went back to the pool, so the pool still works.
      expect(await asService((sql) => sql<{ one: number }[]>`select 1 as one`, tiny)).toEqual([{ one: 1 }]);
      await tiny.end({ timeout: 5 });
    }
  }, 30_000);

  it("keeps a request's own errors as they were: a SQL mistake is not 'unavailable'", async () => {
    const mistake = await withUser(person, (sql) => sql`select * from no_such_table`).catch((error: unknown) => error);
    expect(mistake).not.toBeInstanceOf(DatabaseUnavailableError);
    expect((mistake as { code: string }).code).toBe("42P01");
    const refused = await withUser(person, (sql) => sql`truncate generations`).catch((error: unknown) => error);
    expect(isUnavailable(refused)).toBe(false);
  });
});
