/**
 * Gives every test file its own database, cloned from the migrated template,
 * and points the app's configuration at it before any app module loads.
 *
 * A worker process runs many files one after another (vitest.config.ts,
 * `isolate: false`): packages from node_modules load once per process, while
 * our own modules are loaded afresh for every file (vi.resetModules below), so
 * each file starts with the environment the worker started with, its own
 * configuration, pools and caches, as if it had the process to itself.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import postgres from "postgres";
import SchemaBuilder from "@pothos/core";
import { afterAll, inject, vi } from "vitest";

// Every file evaluates graphql/plain-fields-plugin.ts again, which registers its plugin again: Pothos allows that
// only when told to (the switch exists for hot reloading, which loads modules again the same way).
SchemaBuilder.allowPluginReRegistration = true;
vi.resetModules();
// What the worker's environment was before any file ran, put back for each file: a file that sets NODE_ENV or a
// Stripe key for itself leaves nothing to the next.
const worker = globalThis as typeof globalThis & { environmentAtStart?: NodeJS.ProcessEnv };
worker.environmentAtStart ??= { ...process.env };
for (const key of Object.keys(process.env)) if (!(key in worker.environmentAtStart)) delete process.env[key];
Object.assign(process.env, worker.environmentAtStart);

const adminUrl = inject("postgresAdminUrl");
const template = inject("postgresTemplate");
const name = `test_${randomBytes(6).toString("hex")}`;

const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
// FILE_COPY copies the template's files as they are; Postgres 15+'s default (WAL_LOG) writes every page of it through
// the write-ahead log, which cost the suite's Postgres a third more CPU (BENCHMARKS.md). The template is not written
// to during the run, so the checkpoint FILE_COPY asks for has little to flush.
await admin.unsafe(`create database ${name} template ${template} strategy file_copy`);

const url = new URL(adminUrl);
url.pathname = `/${name}`;
process.env.DATABASE_URL = url.toString();
// Keys, tokens and local files of this file's run live in a throwaway folder.
const dataDir = mkdtempSync(path.join(tmpdir(), "postora-test-data-"));
process.env.POSTORA_DATA_DIR = dataDir;
process.env.LOG_LEVEL ??= "silent";
// The development signing key is there already, as in a developer's data folder after the first run: made once
// per run (global-setup.ts), not per file. lib/auth/dev-identity.test.ts makes one on first use in a folder of its own.
const { devKeyFile } = await import("@/lib/auth/dev-identity");
const { parseEnv } = await import("@/lib/env");
const devKey = devKeyFile(parseEnv(process.env));
mkdirSync(path.dirname(devKey), { recursive: true, mode: 0o700 });
writeFileSync(devKey, inject("signingKeys")[0]!, { mode: 0o600 });

afterAll(async () => {
  const { closePool } = await import("@/lib/db/client");
  await closePool();
  await admin.unsafe(`drop database if exists ${name} with (force)`);
  await admin.end();
  // What the file's run created there (signing keys, local files) goes with it.
  rmSync(dataDir, { recursive: true, force: true });
});
