/**
 * Endpoint signing secrets: `whsec_` and the base64 of 32 random bytes, the
 * form the Standard Webhooks libraries take. Kept sealed (lib/secrets/box.ts)
 * and bound to the endpoint's id, so a sealed secret copied to another row
 * does not open there.
 *
 * Rotating keeps the previous secret signing for PREVIOUS_SECRET_GRACE_HOURS
 * (unless the owner revokes it at once, for a leaked one): each delivery in
 * that window carries one signature per secret in `webhook-signature`, so a
 * receiver can move to the new secret without refusing an event meanwhile.
 */
import { randomBytes } from "node:crypto";
import type { Sql } from "@/lib/db/client";

/** How long a rotated-out secret still signs deliveries. */
export const PREVIOUS_SECRET_GRACE_HOURS = 24;

export function newSigningSecret(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}

export function endpointSecretContext(endpointId: string): string {
  return `webhook-endpoint:${endpointId}`;
}

/** Forgets previous secrets whose window is over (deliveries already ignore them); the daily webhook prune runs it. */
export async function dropExpiredPreviousSecrets(db: Sql): Promise<number> {
  const rows = await db`
    update webhook_endpoints set previous_secret_sealed = null, previous_secret_expires_at = null
    where previous_secret_expires_at <= now() returning id`;
  return rows.length;
}
