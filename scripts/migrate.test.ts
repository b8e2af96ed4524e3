/**
 * `npm run db:migrate` as an operator runs it against the production
 * database before the cut-over: it stops with one message saying what is
 * wrong and what to run, then `-- --baseline-applied` migrates.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import postgres from "postgres";
import { afterAll, describe, expect, inject, it } from "vitest";
import { standInsFile } from "@/lib/db/migrate";

const root = path.resolve(import.meta.dirname, "..");
const adminUrl = inject("postgresAdminUrl");
const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
const name = `prod_${randomBytes(6).toString("hex")}`;

afterAll(async () => {
  await admin.unsafe(`drop database if exists ${name} with (force)`);
  await admin.end();
});

function dbMigrate(url: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(root, "node_modules/tsx/dist/cli.mjs"), path.join(root, "scripts/migrate.ts"), ...args],
      { cwd: root, env: { ...process.env, DATABASE_URL: url }, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe("npm run db:migrate on the production database", () => {
  it("stops with what is wrong and how to fix it, then migrates with --baseline-applied", async () => {
    await admin.unsafe(`create database ${name}`);
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    const sql = postgres(url.toString(), { max: 1, onnotice: () => {} });
    await sql.unsafe(await readFile(standInsFile, "utf8"));
    await sql.unsafe(await readFile(path.join(root, "supabase/tests/fixtures/seed-schema.sql"), "utf8"));
    await sql.end();

    const refused = await dbMigrate(url.toString());
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("already has the production baseline's tables");
    expect(refused.stderr).toContain("npm run db:migrate -- --baseline-applied");
    expect(refused.stderr).toContain("supabase migration repair --status applied 20250601000000");
    // One message, not a stack trace or Postgres's own error.
    expect(refused.stderr).not.toMatch(/relation "\w+" already exists|\n\s+at /);

    const migrated = await dbMigrate(url.toString(), "--baseline-applied");
    expect(migrated.stderr).toBe("");
    expect(migrated.code).toBe(0);
    expect(migrated.stdout).toContain("recorded 20250601000000_production_baseline as applied");
    expect(migrated.stdout).toMatch(/\d+ migration\(s\) applied/);

    const unknown = await dbMigrate(url.toString(), "--baseline");
    expect(unknown).toMatchObject({ code: 2, stderr: expect.stringContaining("Usage: npm run db:migrate [-- --baseline-applied]") });
  });
});
