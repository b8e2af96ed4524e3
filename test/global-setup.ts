/**
 * Starts one real PostgreSQL 17 for the whole test run and migrates a
 * template database; per-file-database.ts clones it for each test file
 * (CREATE DATABASE ... TEMPLATE is a file copy: milliseconds, not a migration).
 */
import { generateKeyPair } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import postgres from "postgres";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres } from "@/lib/db/embedded";
import { migrate } from "@/lib/db/migrate";
import { freePort } from "@/test/ports";
import { startDevServerBroker } from "@/test/shared-dev-server";

export const templateDatabase = "postora_template";

declare module "vitest" {
  export interface ProvidedContext {
    postgresAdminUrl: string;
    postgresTemplate: string;
    /**
     * RSA private keys (PKCS#8 PEM) made once per run: the first is every file's development signing key
     * (per-file-database.ts), the rest stand in for Clerk instances (createTestSigningKey in test/support.ts).
     */
    signingKeys: string[];
  }
}

/** How many distinct stand-in Clerk keys one test file may ask for, plus the development key. */
const SIGNING_KEYS = 4;

/**
 * A 2048-bit RSA key takes a few hundred milliseconds of a core to find; made in the test files it cost the suite
 * 8.6 CPU s (BENCHMARKS.md). Made here, on the thread pool, side by side with the migration.
 */
function makeSigningKeys(): Promise<string[]> {
  const one = () =>
    new Promise<string>((resolve, reject) =>
      generateKeyPair(
        "rsa",
        { modulusLength: 2048, publicExponent: 0x10001, privateKeyEncoding: { type: "pkcs8", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } },
        (error, _publicKey, privateKey) => (error ? reject(error) : resolve(privateKey)),
      ),
    );
  return Promise.all(Array.from({ length: SIGNING_KEYS }, one));
}

/**
 * Everything a run puts in the temp folder goes under one folder of its own:
 * TMPDIR points there for every test process (they are started after this
 * runs), so whatever a test forgets to remove is found at the end, reported
 * by name and fails the run, instead of piling up in /tmp.
 */
async function runTempFolder(): Promise<string> {
  const runDir = await mkdtemp(path.join(tmpdir(), "postora-test-run-"));
  process.env.TMPDIR = runDir;
  return runDir;
}

export default async function setup(project: TestProject) {
  const outerTmp = process.env.TMPDIR;
  const runDir = await runTempFolder();
  const signingKeys = makeSigningKeys();
  const dataDir = await mkdtemp(path.join(runDir, "postora-test-pg-"));
  const database = await startEmbeddedPostgres({ dataDir: path.join(dataDir, "data"), port: await freePort(), ephemeral: true });
  const admin = postgres(database.url(), { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${templateDatabase}`);
  await admin.end();
  await migrate(database.url(templateDatabase));
  project.provide("postgresAdminUrl", database.url());
  project.provide("postgresTemplate", templateDatabase);
  project.provide("signingKeys", await signingKeys);
  // The browser tests' one `npm run dev`, started when the first of them asks (test/shared-dev-server.ts).
  const devServerBroker = await startDevServerBroker();
  project.provide("devServerBroker", devServerBroker.url);
  return async () => {
    await devServerBroker.close();
    await database.stop();
    await rm(dataDir, { recursive: true, force: true });
    // tsx's compile cache (tsx-<uid>) is a tool's, made by any script a test runs, not a test's leftover.
    const leftovers = (await readdir(runDir)).filter((name) => !/^tsx-\d+$/.test(name));
    await rm(runDir, { recursive: true, force: true });
    if (outerTmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = outerTmp;
    if (leftovers.length > 0) {
      // Vitest prints a teardown error but still exits 0, and the exit code is what CI sees. The summary
      // is already printed by now and this is the last teardown, so end the run here, failed.
      console.error(`Tests left ${leftovers.length} entries in the temp folder (each test must remove what it creates): ${leftovers.join(", ")}`);
      process.exit(1);
    }
  };
}
