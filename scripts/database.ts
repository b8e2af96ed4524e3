/**
 * What `npm run dev` and `npm run db:migrate` both do first: use DATABASE_URL,
 * or start the project's embedded PostgreSQL 17 when it is unset, then apply
 * pending migrations and say what happened.
 */
import path from "node:path";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "@/lib/db/embedded";
import { migrate, type MigrateOptions } from "@/lib/db/migrate";
import type { Env } from "@/lib/env";

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
