/**
 * The migrations as documents of production: the baseline is exactly the
 * shared seed schema, the seed's auth.uid() policies cannot serve Clerk ids
 * (why the second migration exists), and the runner agrees with the
 * Supabase CLI's history table.
 */
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import postgres from "postgres";
import { afterAll, describe, expect, inject, it } from "vitest";
import { BASELINE_VERSION, listMigrations, migrate, MigrationRefusedError, needsStandIns, standInsFile } from "@/lib/db/migrate";

const adminUrl = inject("postgresAdminUrl");
const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
const created: string[] = [];

async function freshDatabase(): Promise<string> {
  const name = `fresh_${randomBytes(6).toString("hex")}`;
  await admin.unsafe(`create database ${name}`);
  created.push(name);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

afterAll(async () => {
  for (const name of created) await admin.unsafe(`drop database if exists ${name} with (force)`);
  await admin.end();
});

async function withConnection<T>(url: string, fn: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    return await fn(sql);
  } finally {
    await sql.end();
  }
}

/** Everything about public's tables that a schema diff would show. */
async function publicSchemaSnapshot(url: string) {
  return withConnection(url, async (sql) => ({
    columns: await sql`
      select table_name, column_name, data_type, character_maximum_length, is_nullable, column_default
      from information_schema.columns where table_schema = 'public' order by table_name, column_name`,
    constraints: await sql`
      select c.relname as table_name, k.conname, k.contype, pg_get_constraintdef(k.oid) as definition
      from pg_constraint k join pg_class c on c.oid = k.conrelid join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' order by 1, 2`,
    indexes: await sql`select tablename, indexname, indexdef from pg_indexes where schemaname = 'public' order by 1, 2`,
    policies: await sql`
      select tablename, policyname, permissive, roles, cmd, qual, with_check
      from pg_policies where schemaname = 'public' order by 1, 2`,
    rowSecurity: await sql`
      select c.relname, c.relrowsecurity from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relkind = 'r' order by 1`,
  }));
}

/** A database as production is: the old schema, created by hand long ago, and no migration history. */
async function productionShapedDatabase(): Promise<string> {
  const url = await freshDatabase();
  await withConnection(url, async (sql) => {
    await sql.unsafe(await readFile(standInsFile, "utf8"));
    await sql.unsafe(await readFile(new URL("./tests/fixtures/seed-schema.sql", import.meta.url), "utf8"));
  });
  return url;
}

describe("the production baseline migration", () => {
  it("reproduces the shared seed schema exactly", async () => {
    const [baseline] = await listMigrations();
    expect(baseline?.name).toBe("production_baseline");

    const fromSeed = await freshDatabase();
    await withConnection(fromSeed, async (sql) => {
      await sql.unsafe(await readFile(standInsFile, "utf8"));
      await sql.unsafe(await readFile(new URL("./tests/fixtures/seed-schema.sql", import.meta.url), "utf8"));
    });
    const fromMigration = await freshDatabase();
    await migrate(fromMigration, { until: baseline!.version });

    const expected = await publicSchemaSnapshot(fromSeed);
    expect(expected.columns.length).toBeGreaterThan(30);
    expect(await publicSchemaSnapshot(fromMigration)).toEqual(expected);
  });

  it("has policies that fail for a Clerk user id, which is why the next migration exists", async () => {
    const url = await freshDatabase();
    const [baseline] = await listMigrations();
    await migrate(url, { until: baseline!.version });
    const attempt = withConnection(url, (sql) =>
      sql.begin(async (tx) => {
        await tx`select set_config('role', 'authenticated', true), set_config('request.jwt.claims', ${JSON.stringify({ sub: "user_2abcDEF", role: "authenticated" })}, true)`;
        return tx`select * from generations`;
      }),
    );
    await expect(attempt).rejects.toThrow(/invalid input syntax for type uuid: "user_2abcDEF"/);
  });
});

describe("the migration runner", () => {
  it("applies every migration once, in order, recording them where the Supabase CLI looks", async () => {
    const url = await freshDatabase();
    const all = await listMigrations();
    expect(await migrate(url)).toEqual(all.map((migration) => migration.version));
    expect(await migrate(url)).toEqual([]);
    const history = await withConnection(url, (sql) => sql`select version, name from supabase_migrations.schema_migrations order by version`);
    expect(history).toEqual(all.map(({ version, name }) => ({ version, name })));
  });

  it("adds the local Supabase stand-ins only where they are absent", async () => {
    const url = await freshDatabase();
    expect(await withConnection(url, needsStandIns)).toBe(true);
    const lines: string[] = [];
    await migrate(url, { log: (line) => lines.push(line) });
    expect(lines.some((line) => line.includes("stand-ins"))).toBe(true);
    expect(await withConnection(url, needsStandIns)).toBe(false);

    // A database that already has them (as Supabase does) is left alone.
    const again: string[] = [];
    await migrate(url, { log: (line) => again.push(line) });
    expect(again.some((line) => line.includes("stand-ins"))).toBe(false);
  });

  it("stops on a database that has the baseline's tables but no history, says so and how to fix it, and changes nothing", async () => {
    const url = await productionShapedDatabase();
    const attempt = migrate(url);
    await expect(attempt).rejects.toBeInstanceOf(MigrationRefusedError);
    await expect(attempt).rejects.toThrow(
      "This database already has the production baseline's tables (public.users, public.generations, public.subscriptions, public.templates, public.webhook_events) but no migration history",
    );
    await expect(attempt).rejects.toThrow(`npm run db:migrate -- --baseline-applied`);
    await expect(attempt).rejects.toThrow(`supabase migration repair --status applied ${BASELINE_VERSION}`);
    await expect(attempt).rejects.not.toThrow(/relation "\w+" already exists/);
    await withConnection(url, async (sql) => {
      const [state] = await sql`select to_regclass('supabase_migrations.schema_migrations') is null as no_history,
        (select data_type from information_schema.columns where table_name = 'users' and column_name = 'auth_id') as auth_id_type`;
      expect(state).toEqual({ no_history: true, auth_id_type: "uuid" });
    });
  });

  it("with --baseline-applied, records the baseline as applied and applies the rest, once", async () => {
    const url = await productionShapedDatabase();
    const lines: string[] = [];
    const all = await listMigrations();
    expect(await migrate(url, { baselineApplied: true, log: (line) => lines.push(line) })).toEqual(all.slice(1).map((migration) => migration.version));
    expect(lines).toContain(`recorded ${BASELINE_VERSION}_production_baseline as applied (--baseline-applied): its tables were already there`);
    const history = await withConnection(url, (sql) => sql`select version from supabase_migrations.schema_migrations order by version`);
    expect(history.map((row) => row.version)).toEqual(all.map((migration) => migration.version));
    expect(await migrate(url)).toEqual([]);
    expect(await migrate(url, { baselineApplied: true })).toEqual([]);
  });

  it("refuses --baseline-applied where the baseline is not there, or only partly", async () => {
    await expect(migrate(await freshDatabase(), { baselineApplied: true })).rejects.toThrow(/none of the baseline's tables: it is a new database/);
    const partial = await freshDatabase();
    await withConnection(partial, (sql) => sql`create table public.users (id uuid primary key)`);
    await expect(migrate(partial, { baselineApplied: true })).rejects.toThrow(
      /lacks public\.generations, public\.subscriptions, public\.templates, public\.webhook_events, so it is not the production baseline/,
    );
    await expect(migrate(partial)).rejects.toThrow(/already has the production baseline's tables \(public\.users\)/);
  });

  it("rolls back a failing migration entirely and records nothing for it", async () => {
    const url = await freshDatabase();
    const dir = await import("node:fs/promises").then((fs) => fs.mkdtemp(`${process.env.POSTORA_DATA_DIR}/migrations-`));
    const { writeFile } = await import("node:fs/promises");
    await writeFile(`${dir}/20990101000000_first.sql`, "create table public.first_table (id int);");
    await writeFile(`${dir}/20990101000001_broken.sql`, "create table public.half_done (id int); select 1/0;");
    await expect(migrate(url, { dir })).rejects.toThrow(/division by zero/);
    await withConnection(url, async (sql) => {
      const [state] = await sql`select to_regclass('public.first_table') is not null as first, to_regclass('public.half_done') is not null as half`;
      expect(state).toEqual({ first: true, half: false });
      const versions = await sql`select version from supabase_migrations.schema_migrations`;
      expect(versions.map((row) => row.version)).toEqual(["20990101000000"]);
    });
  });
});

describe("system templates (20261201000000)", () => {
  it("makes only our seeded templates system templates; deleted users' owner-less rows become orphans no signed-in user sees", async () => {
    const url = await freshDatabase();
    await migrate(url, { until: "20261128000000" });
    const clerkUserId = "user_2stillhere";
    await withConnection(url, async (sql) => {
      await sql`insert into users (id, auth_id, email) values ('11111111-1111-4111-8111-111111111111', ${clerkUserId}, 'here@example.com')`;
      await sql`insert into templates (id, user_id, name, type, content) values
        ('00000000-0000-4000-8000-000000000002', null, 'Story in six slides', 'carousel', '{}'),
        ('22222222-2222-4222-8222-222222222222', null, 'A deleted user''s private plan', 'carousel', '{"secret": true}'),
        ('33333333-3333-4333-8333-333333333333', null, 'Another former user''s', 'bullet_points', '{}'),
        ('44444444-4444-4444-8444-444444444444', '11111111-1111-4111-8111-111111111111', 'Mine', 'carousel', '{}')`;
    });
    await migrate(url);
    await withConnection(url, async (sql) => {
      const kinds = await sql`select id, is_system, orphaned_at is not null as orphan from templates order by id`;
      expect(kinds).toEqual([
        { id: "00000000-0000-4000-8000-000000000002", is_system: true, orphan: false },
        { id: "22222222-2222-4222-8222-222222222222", is_system: false, orphan: true },
        { id: "33333333-3333-4333-8333-333333333333", is_system: false, orphan: true },
        { id: "44444444-4444-4444-8444-444444444444", is_system: false, orphan: false },
      ]);
      for (const sub of [clerkUserId, "user_2someoneelse"]) {
        const visible = await sql.begin(async (tx) => {
          await tx`select set_config('role', 'authenticated', true), set_config('request.jwt.claims', ${JSON.stringify({ sub, role: "authenticated" })}, true)`;
          return tx<{ id: string }[]>`select id from templates order by id`;
        });
        const expected = ["00000000-0000-4000-8000-000000000002", ...(sub === clerkUserId ? ["44444444-4444-4444-8444-444444444444"] : [])];
        expect(visible.map((row) => row.id)).toEqual(expected);
      }
    });
  });
});

describe("the seed", () => {
  it("adds the system templates once, however often it runs", async () => {
    const { seed } = await import("@/lib/db/migrate");
    const url = await freshDatabase();
    await migrate(url);
    await seed(url);
    await seed(url);
    const rows = await withConnection(url, (sql) => sql`select name, user_id, is_system from templates order by name`);
    expect(rows).toHaveLength(3);
    expect(rows.every((row) => row.user_id === null && row.is_system === true)).toBe(true);
  });
});
