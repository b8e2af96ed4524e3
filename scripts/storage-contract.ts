/**
 * `npm run test:storage-contract`: Postora's file flow against the real
 * Supabase Storage server (supabase/storage at commit 4fa61fba), not the
 * stand-in npm test uses. Needs SUPABASE_STORAGE_DIR, a checkout of that
 * server with its dependencies installed (the README's "Supabase Storage
 * contract test" says how to get one); without it, it says how and exits 2,
 * never as a pass. Starts its own Postgres, the server and a gateway on
 * fixed local ports (scripts/storage-contract/stack.ts), runs every check
 * (flow.ts), and exits 0 only if all pass.
 */
import { createPool } from "@/lib/db/client";
import { getEnv } from "@/lib/env";
import { contractChecks, type Check } from "@/scripts/storage-contract/flow";
import { isStorageCheckout, startStack } from "@/scripts/storage-contract/stack";

const say = (line: string) => console.log(`[storage-contract] ${line}`);

const HOW_TO_GET_ONE = `SUPABASE_STORAGE_DIR is not set (or is not a supabase/storage checkout with node_modules).
Get the server (Node 20 works; it asks for 24):
  git clone https://github.com/supabase/storage /tmp/supabase-storage && cd /tmp/supabase-storage && git checkout 4fa61fba
  # its package.json pins pg-boss to a Git branch the registry cannot serve:
  sed -i 's#"pg-boss": "github:supabase/pg-boss\\#feat/exactly_once"#"pg-boss": "10.3.2"#' package.json
  # (and drop the pg-boss entries from package-lock.json), then:
  npm install --engine-strict=false
Then: SUPABASE_STORAGE_DIR=/tmp/supabase-storage npm run test:storage-contract`;

async function main(): Promise<number> {
  const dir = getEnv().supabaseStorageDir;
  if (!dir || !isStorageCheckout(dir)) {
    console.error(HOW_TO_GET_ONE);
    return 2;
  }
  const stack = await startStack(dir, say);
  const db = createPool(stack.databaseUrl, { max: 2 });
  let failed = 0;
  let checks: Check[] = [];
  try {
    checks = contractChecks(stack.supabaseUrl, db);
    for (const check of checks) {
      try {
        await check.run();
        say(`PASS ${check.name}`);
      } catch (error) {
        failed += 1;
        say(`FAIL ${check.name}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  } finally {
    await db.end({ timeout: 5 });
    await stack.stop();
  }
  say(`${checks.length - failed} passed, ${failed} failed, against supabase/storage in ${dir}`);
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
