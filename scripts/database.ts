/**
 * What `npm run dev` and `npm run db:migrate` both do first: use DATABASE_URL,
 * or start the project's embedded PostgreSQL 17 when it is unset, then apply
 * pending migrations and say what happened; and the frame of every
 * maintenance script (runMaintenance).
 */
import path from "node:path";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "@/lib/db/embedded";
import { migrate, type MigrateOptions } from "@/lib/db/migrate";
import { closePool, createPool, type Sql } from "@/lib/db/client";
import { ConfigError, getEnv, type Env } from "@/lib/env";
import { storageFor } from "@/lib/storage/index";
import type { FileStorage } from "@/lib/storage/types";

export const say = (line: string) => console.log(`[postora] ${line}`);

export async function prepareDatabase(
  env: Env,
  options: Pick<MigrateOptions, "baselineApplied"> = {},
): Promise<{ url: string; embedded: EmbeddedDatabase | null }> {
  let embedded: EmbeddedDatabase | null = null;
  if (!env.databaseUrl) {
    const dataDir = path.join(env.dataDir, "postgres");
    embedded = await startEmbeddedPostgres({ dataDir, port: env.embeddedDbPort, log: say });
    say(`embedded PostgreSQL 17 listening on 127.0.0.1:${env.embeddedDbPort} (data in ${path.relative(process.cwd(), dataDir)})`);
  }
  const url = env.databaseUrl ?? embedded!.url();
  try {
    const applied = await migrate(url, { log: say, ...options });
    say(applied.length ? `${applied.length} migration(s) applied` : "database schema is up to date");
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
  return { url, embedded };
}

/**
 * A maintenance script's life: connect to DATABASE_URL (or start the
 * embedded database when it is unset), hand work a one-connection pool and
 * the storage adapter on it, close everything however work ends, and exit
 * with its code (1, with the message, on an error).
 */
export function runMaintenance(work: (deps: { db: Sql; storage: FileStorage }) => Promise<number>): void {
  const main = async () => {
    const env = getEnv();
    const { url, embedded } = env.databaseUrl ? { url: env.databaseUrl, embedded: null } : await prepareDatabase(env);
    const db = createPool(url, { max: 1 });
    try {
      return await work({ db, storage: storageFor(db) });
    } finally {
      await db.end({ timeout: 5 });
      await closePool();
      await embedded?.stop();
    }
  };
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof ConfigError ? error.message : error);
      process.exit(1);
    },
  );
}
