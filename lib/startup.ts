/**
 * Server start-up: validate the configuration before serving anything and
 * stop with one line per problem when it is wrong. Imported for its effect.
 */
import { ConfigError, getEnv } from "@/lib/env";

try {
  getEnv();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`[postora] ${error.message}`);
  process.exit(1);
}
