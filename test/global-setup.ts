/**
 * Starts one real PostgreSQL 17 for the whole test run and migrates a
 * template database; per-file-database.ts clones it for each test file
 * (CREATE DATABASE ... TEMPLATE is a file copy: milliseconds, not a migration).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import postgres from "postgres";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres } from "@/lib/db/embedded";
import { migrate } from "@/lib/db/migrate";
import { freePort } from "@/test/ports";

export const templateDatabase = "postora_template";

declare module "vitest" {
  export interface ProvidedContext {
    postgresAdminUrl: string;
    postgresTemplate: string;
  }
}

export default async function setup(project: TestProject) {
  const dataDir = await mkdtemp(path.join(tmpdir(), "postora-test-pg-"));
  const database = await startEmbeddedPostgres({ dataDir: path.join(dataDir, "data"), port: await freePort(), ephemeral: true });
  const admin = postgres(database.url(), { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${templateDatabase}`);
  await admin.end();
  await migrate(database.url(templateDatabase));
  project.provide("postgresAdminUrl", database.url());
  project.provide("postgresTemplate", templateDatabase);
  return async () => {
    await database.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
}
