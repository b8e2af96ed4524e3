/**
 * `npm run token -- --user <clerk user id> --email <address> [--expires-in <seconds>]`
 *
 * Prints a development-identity Bearer token on stdout and nothing else, so
 * `TOKEN=$(npm run --silent token -- --user user_2abc --email a@example.com)`
 * works (--silent only quiets npm's own "> tsx scripts/token.ts" banner). Everything else (usage, problems) goes to stderr. The token is
 * signed with the local key under the data folder (created on first use),
 * which the local server verifies exactly as it would a Clerk session token.
 * Refuses to run in production or when Clerk keys are configured, because
 * the server would then refuse the token.
 */
import { parseArgs } from "node:util";
import nextEnv from "@next/env";
import { DevIdentityInProductionError, mintDevToken } from "@/lib/auth/dev-identity";
import { ConfigError, getEnv } from "@/lib/env";

const usage = `Usage: npm run token -- --user <clerk user id> --email <address> [--expires-in <seconds>]

  --user        A Clerk-style user id, e.g. user_2abcDEF (the token's sub).
  --email       The user's email (the token's email claim). Needed the first time a user calls:
                the API creates their account from it.
  --expires-in  Lifetime in seconds (default 86400, one day).

Prints only the token. Use it as: Authorization: Bearer <token>`;

function fail(message: string, code: number): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

async function main() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        user: { type: "string" },
        email: { type: "string" },
        "expires-in": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }));
  } catch (error) {
    fail(`${(error as Error).message}\n\n${usage}`, 2);
  }
  if (values.help) fail(usage, 0);
  if (!values.user) fail(`--user is required.\n\n${usage}`, 2);
  if (!/^user_[A-Za-z0-9]+$/.test(values.user)) fail(`--user must be a Clerk-style user id such as user_2abcDEF (got ${JSON.stringify(values.user)}).`, 2);
  if (values.email !== undefined && !/^[^\s@]+@[^\s@]+$/.test(values.email)) fail(`--email must be an email address (got ${JSON.stringify(values.email)}).`, 2);
  const expiresIn = values["expires-in"] === undefined ? undefined : Number(values["expires-in"]);
  if (expiresIn !== undefined && !(Number.isInteger(expiresIn) && expiresIn > 0)) fail("--expires-in must be a whole number of seconds greater than 0.", 2);

  // Read the same .env files `next dev` reads, so the token names the same data folder and origin as the server.
  nextEnv.loadEnvConfig(process.cwd(), true, { info: () => {}, error: (...args: unknown[]) => console.error(...args) });
  const env = getEnv();
  if (env.clerk) {
    fail("Clerk keys are configured, so the server accepts Clerk session tokens only. Unset NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY and CLERK_SECRET_KEY to use the development identity.", 1);
  }
  if (values.email === undefined) {
    process.stderr.write("note: no --email given; the API can only use this token for a user it already knows.\n");
  }
  const token = await mintDevToken(env, { clerkUserId: values.user, email: values.email ?? null, expiresInSeconds: expiresIn });
  process.stdout.write(`${token}\n`);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof DevIdentityInProductionError) fail(error.message, 1);
  fail(error instanceof Error ? (error.stack ?? error.message) : String(error), 1);
});
