/**
 * Applies supabase/migrations/*.sql in order and records each in
 * supabase_migrations.schema_migrations, the table the Supabase CLI reads,
 * so `supabase db push` and this runner agree on what has been applied.
 *
 * On a plain Postgres (embedded, CI) the objects Supabase provides are
 * missing; supabase/local/supabase-stand-ins.sql adds them first, and only
 * when they are absent, so the migrations themselves run unchanged on both.
 */
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import postgres from "postgres";
import { installQueue } from "@/lib/jobs/queue";

const projectRoot = path.resolve(import.meta.dirname, "../..");
export const migrationsDir = path.join(projectRoot, "supabase/migrations");
export const standInsFile = path.join(projectRoot, "supabase/local/supabase-stand-ins.sql");
export const seedFile = path.join(projectRoot, "supabase/seed.sql");

/** Applies supabase/seed.sql (idempotent): local databases only, never production. */
export async function seed(databaseUrl: string): Promise<void> {
  const sql = postgres(databaseUrl, { max: 1, prepare: false, onnotice: () => {} });
  try {
    await sql.unsafe(await readFile(seedFile, "utf8"));
  } finally {
    await sql.end({ timeout: 5 });
  }
}

export type Migration = { version: string; name: string; file: string };

const migrationFile = /^(\d{14})_([a-z0-9_]+)\.sql$/;
// Any fixed number works; it only has to be the same for every migrator.
const migrationLockKey = 7_202_611_25;

export async function listMigrations(dir = migrationsDir): Promise<Migration[]> {
  const names = (await readdir(dir)).filter((name) => name.endsWith(".sql")).sort();
  return names.map((name) => {
    const match = migrationFile.exec(name);
    if (!match) throw new Error(`Migration file ${name} must be named <14-digit timestamp>_<snake_case_name>.sql`);
    return { version: match[1]!, name: match[2]!, file: path.join(dir, name) };
  });
}

/** True when the database lacks any of the Supabase objects the migrations rely on. */
export async function needsStandIns(sql: postgres.Sql): Promise<boolean> {
  const [row] = await sql<{ complete: boolean }[]>`
    select (select count(*) from pg_roles where rolname in ('anon', 'authenticated', 'service_role')) = 3
       and to_regprocedure('auth.jwt()') is not null
       and to_regprocedure('auth.uid()') is not null
       and to_regclass('storage.objects') is not null
       and to_regclass('storage.buckets') is not null
       and to_regprocedure('storage.foldername(text)') is not null as complete`;
  return !row?.complete;
}

export type MigrateOptions = {
  log?: (line: string) => void;
  /** Stop after this version (tests apply the baseline alone). */
  until?: string;
  dir?: string;
};

export async function migrate(databaseUrl: string, options: MigrateOptions = {}): Promise<string[]> {
  const log = options.log ?? (() => {});
  const sql = postgres(databaseUrl, { max: 1, prepare: false, onnotice: () => {} });
  try {
    await sql`select pg_advisory_lock(${migrationLockKey})`;
    if (await needsStandIns(sql)) {
      log("applying local Supabase stand-ins (roles, auth, storage)");
      await sql.unsafe(await readFile(standInsFile, "utf8"));
    }
    await sql.unsafe(`
      create schema if not exists supabase_migrations;
      create table if not exists supabase_migrations.schema_migrations (version text not null primary key);
      alter table supabase_migrations.schema_migrations add column if not exists statements text[];
      alter table supabase_migrations.schema_migrations add column if not exists name text;`);
    const applied = new Set(
      (await sql<{ version: string }[]>`select version from supabase_migrations.schema_migrations`).map((row) => row.version),
    );
    const done: string[] = [];
    for (const migration of await listMigrations(options.dir)) {
      if (options.until && migration.version > options.until) break;
      if (applied.has(migration.version)) continue;
      const body = await readFile(migration.file, "utf8");
      await sql.begin(async (tx) => {
        await tx.unsafe(body);
        await tx`insert into supabase_migrations.schema_migrations (version, name, statements)
                 values (${migration.version}, ${migration.name}, ${[body]})`;
      });
      log(`applied ${migration.version}_${migration.name}`);
      done.push(migration.version);
    }
    if (!options.until) {
      // The generation job queue's own schema (graphile_worker), by its own migrator; idempotent.
      await installQueue(databaseUrl);
    }
    return done;
  } finally {
    await sql`select pg_advisory_unlock(${migrationLockKey})`.catch(() => {});
    await sql.end({ timeout: 5 });
  }
}
