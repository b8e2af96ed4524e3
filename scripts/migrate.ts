/**
 * `npm run db:migrate`: applies pending migrations to DATABASE_URL, or to the
 * embedded database (started just for this) when it is unset.
 */
import { ConfigError, getEnv } from "@/lib/env";
import { prepareDatabase } from "@/scripts/database";

async function main() {
  const { embedded } = await prepareDatabase(getEnv());
  await embedded?.stop();
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
