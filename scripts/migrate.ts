/**
 * `npm run db:migrate`: applies pending migrations to DATABASE_URL, or to the
 * embedded database (started just for this) when it is unset.
 */
import path from "node:path";
import { startEmbeddedPostgres } from "@/lib/db/embedded";
import { migrate } from "@/lib/db/migrate";
import { ConfigError, getEnv } from "@/lib/env";

const say = (line: string) => console.log(`[postora] ${line}`);

async function main() {
  const env = getEnv();
  const embedded = env.databaseUrl
    ? null
    : await startEmbeddedPostgres({
        dataDir: path.join(env.dataDir, "postgres"),
        port: env.embeddedDbPort,
        log: say,
      });
  try {
    const applied = await migrate(env.databaseUrl ?? embedded!.url(), { log: say });
    say(applied.length ? `${applied.length} migration(s) applied` : "database schema is up to date");
  } finally {
    await embedded?.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
