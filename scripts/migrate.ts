/**
 * `npm run db:migrate`: applies pending migrations to DATABASE_URL, or to the
 * embedded database (started just for this) when it is unset.
 *
 * `npm run db:migrate -- --baseline-applied`: for the existing production
 * database, which already has the baseline's tables but no migration
 * history. Records 20250601000000 as applied, then applies the rest (the
 * runner's equivalent of `supabase migration repair --status applied`).
 */
import { MigrationRefusedError } from "@/lib/db/migrate";
import { ConfigError, getEnv } from "@/lib/env";
import { prepareDatabase } from "@/scripts/database";

const usage = "Usage: npm run db:migrate [-- --baseline-applied]";

async function main() {
  const args = process.argv.slice(2);
  const unknown = args.filter((arg) => arg !== "--baseline-applied");
  if (unknown.length > 0) {
    console.error(`Unknown argument ${unknown.join(" ")}. ${usage}`);
    process.exit(2);
  }
  const { embedded } = await prepareDatabase(getEnv(), { baselineApplied: args.includes("--baseline-applied") });
  await embedded?.stop();
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError || error instanceof MigrationRefusedError ? error.message : error);
  process.exit(1);
});
