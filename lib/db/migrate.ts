/**
 * Applies supabase/migrations/*.sql in order and records each in
 * supabase_migrations.schema_migrations, the table the Supabase CLI reads,
 * so `supabase db push` and this runner agree on what has been applied.
 *
 * On a plain Postgres (embedded, CI) the objects Supabase provides are
 * missing; supabase/local/supabase-stand-ins.sql adds them first, and only
 * when they are absent, so the migrations themselves run unchanged on both.
 *
 * The first migration is the production schema as it stood before this
 * repository. The production database already has it, with no history to
 * say so: the runner stops there and says how to mark it applied
 * (`--baseline-applied`) instead of failing on "relation already exists".
 */
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import postgres from "postgres";
import { installQueue } from "@/lib/jobs/queue";

const projectRoot = path.resolve(import.meta.dirname, "../..");
const migrationsDir = path.join(projectRoot, "supabase/migrations");
export const standInsFile = path.join(projectRoot, "supabase/local/supabase-stand-ins.sql");
const seedFile = path.join(projectRoot, "supabase/seed.sql");

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

/** 20250601000000_production_baseline: the production schema as it was (../shared/seed-schema.sql). */
export const BASELINE_VERSION = "20250601000000";
const BASELINE_NAME = "production_baseline";
/** The tables the baseline creates; any of them present means the baseline is already there. */
const BASELINE_TABLES = ["users", "generations", "subscriptions", "templates", "webhook_events"] as const;

/** The runner will not go on with this database as it is; the message says what to do. Nothing was changed. */
export class MigrationRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MigrationRefusedError";
  }
}

type BaselineState = { recorded: boolean; present: string[] };

async function baselineState(sql: postgres.Sql): Promise<BaselineState> {
  const present = (
    await sql<{ name: string }[]>`
      select t.name from unnest(${BASELINE_TABLES as unknown as string[]}::text[]) as t(name)
      where to_regclass('public.' || quote_ident(t.name)) is not null`
  ).map((row) => row.name);
  const [history] = await sql<{ exists: boolean }[]>`select to_regclass('supabase_migrations.schema_migrations') is not null as exists`;
  if (!history?.exists) return { recorded: false, present };
  const [row] = await sql<{ recorded: boolean }[]>`
    select exists (select 1 from supabase_migrations.schema_migrations where version = ${BASELINE_VERSION}) as recorded`;
  return { recorded: row!.recorded, present };
}

/** Decides, before anything is written, whether this database may be migrated as it stands. */
function checkBaseline(state: BaselineState, baselineApplied: boolean): "record" | "proceed" {
  if (state.recorded) return "proceed";
  const tables = state.present.map((name) => `public.${name}`).join(", ");
  if (state.present.length > 0 && !baselineApplied) {
    throw new MigrationRefusedError(
      `This database already has the production baseline's tables (${tables}) but no migration history: ` +
        `supabase_migrations.schema_migrations does not record ${BASELINE_VERSION}_${BASELINE_NAME}, so applying it would fail on "relation already exists". Nothing was changed. ` +
        `If this is the existing production database, mark the baseline as applied and migrate again: ` +
        `\`npm run db:migrate -- --baseline-applied\` (with the Supabase CLI: \`supabase migration repair --status applied ${BASELINE_VERSION}\`, then \`supabase db push\`). ` +
        `See "Production cut-over" in the README.`,
    );
  }
  if (!baselineApplied) return "proceed";
  const missing = BASELINE_TABLES.filter((name) => !state.present.includes(name));
  if (missing.length > 0) {
    throw new MigrationRefusedError(
      state.present.length === 0
        ? "--baseline-applied was given, but this database has none of the baseline's tables: it is a new database. Run without --baseline-applied to create them. Nothing was changed."
        : `--baseline-applied was given, but this database lacks ${missing.map((name) => `public.${name}`).join(", ")}, so it is not the production baseline. ` +
            "Restore the missing tables (or point DATABASE_URL at the production database) first. Nothing was changed.",
    );
  }
  return "record";
}

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
       and to_regprocedure('storage.foldername(text)') is not null
       and to_regprocedure('storage.protect_delete()') is not null as complete`;
  return !row?.complete;
}

export type MigrateOptions = {
  log?: (line: string) => void;
  /** Stop after this version (tests apply the baseline alone). */
  until?: string;
  /**
   * The database already holds the baseline (production before this
   * repository): record 20250601000000 as applied instead of running it.
   * Refused unless every baseline table is there.
   */
  baselineApplied?: boolean;
  dir?: string;
};

export async function migrate(databaseUrl: string, options: MigrateOptions = {}): Promise<string[]> {
  const log = options.log ?? (() => {});
  const sql = postgres(databaseUrl, { max: 1, prepare: false, onnotice: () => {} });
  try {
    await sql`select pg_advisory_lock(${migrationLockKey})`;
    const baseline = checkBaseline(await baselineState(sql), options.baselineApplied ?? false);
    if (await needsStandIns(sql)) {
      log("applying local Supabase stand-ins (roles, auth, storage)");
      await sql.unsafe(await readFile(standInsFile, "utf8"));
    }
    await sql.unsafe(`
      create schema if not exists supabase_migrations;
      create table if not exists supabase_migrations.schema_migrations (version text not null primary key);
      alter table supabase_migrations.schema_migrations add column if not exists statements text[];
      alter table supabase_migrations.schema_migrations add column if not exists name text;`);
    if (baseline === "record") {
      await sql`insert into supabase_migrations.schema_migrations (version, name, statements)
                values (${BASELINE_VERSION}, ${BASELINE_NAME}, ${[] as string[]})`;
      log(`recorded ${BASELINE_VERSION}_${BASELINE_NAME} as applied (--baseline-applied): its tables were already there`);
    }
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
