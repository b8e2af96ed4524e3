/**
 * Endpoint signing secrets: `whsec_` and the base64 of 32 random bytes, the
 * form the Standard Webhooks libraries take. Kept sealed (lib/secrets/box.ts)
 * and bound to the endpoint's id, so a sealed secret copied to another row
 * does not open there.
 */
import { randomBytes } from "node:crypto";

export function newSigningSecret(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}

export function endpointSecretContext(endpointId: string): string {
  return `webhook-endpoint:${endpointId}`;
}
