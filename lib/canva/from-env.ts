/**
 * The Canva dependencies this process's configuration gives: CANVA_* (or
 * the local stand-in outside production) and the secret box. Null when
 * Canva is not configured (production without CANVA_CLIENT_ID).
 */
import { getEnv } from "@/lib/env";
import type { Logger } from "@/lib/log";
import { secretBox } from "@/lib/secrets/box";
import type { Sql } from "@/lib/db/client";
import { CanvaNotConnectedError, revokeOwedGrants, type CanvaDeps } from "@/lib/canva/accounts";

export async function canvaDepsFromEnv(log: Logger): Promise<CanvaDeps | null> {
  const env = getEnv();
  if (!env.canva) return null;
  return { canva: env.canva, box: await secretBox(env), log: log.child({ source: "canva" }) };
}

/** The same, for a caller that cannot go on without Canva: says so in words a person can act on. */
export async function requireCanvaDeps(log: Logger): Promise<CanvaDeps> {
  const deps = await canvaDepsFromEnv(log);
  if (!deps) throw new CanvaNotConnectedError("Canva is not set up on this server: its operator must set CANVA_CLIENT_ID and CANVA_CLIENT_SECRET.");
  return deps;
}

/**
 * Tells Canva to revoke the grants still owed a revocation (a deleted
 * account's, by cascade). Never throws: what fails stays owed for the next
 * call, and is logged.
 */
export async function revokeOwedGrantsFromEnv(log: Logger, db?: Sql): Promise<void> {
  try {
    const deps = await canvaDepsFromEnv(log);
    if (deps) await revokeOwedGrants({ ...deps, ...(db ? { db } : {}) });
  } catch (error) {
    log.error("could not revoke owed Canva grants; they stay owed", { error });
  }
}
