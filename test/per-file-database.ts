/**
 * Gives every test file its own database, cloned from the migrated template,
 * and points the app's configuration at it before any app module loads.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import postgres from "postgres";
import { afterAll, inject } from "vitest";

const adminUrl = inject("postgresAdminUrl");
const template = inject("postgresTemplate");
const name = `test_${randomBytes(6).toString("hex")}`;

const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
await admin.unsafe(`create database ${name} template ${template}`);

const url = new URL(adminUrl);
url.pathname = `/${name}`;
process.env.DATABASE_URL = url.toString();
// Keys, tokens and local files of this file's run live in a throwaway folder.
const dataDir = mkdtempSync(path.join(tmpdir(), "postora-test-data-"));
process.env.POSTORA_DATA_DIR = dataDir;
// The development signing key is there already, as in a developer's data folder after the first run: made once
// per run (global-setup.ts), not per file. lib/auth/dev-identity.test.ts makes one on first use in a folder of its own.
mkdirSync(path.join(dataDir, "dev-identity"), { mode: 0o700 });
writeFileSync(path.join(dataDir, "dev-identity", "signing-key.pem"), inject("signingKeys")[0]!, { mode: 0o600 });
process.env.LOG_LEVEL ??= "silent";

afterAll(async () => {
  const { closePool } = await import("@/lib/db/client");
  await closePool();
  await admin.unsafe(`drop database if exists ${name} with (force)`);
  await admin.end();
  // What the file's run created there (signing keys, local files) goes with it.
  rmSync(dataDir, { recursive: true, force: true });
});
