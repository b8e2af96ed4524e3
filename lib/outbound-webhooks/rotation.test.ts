/**
 * Rotating a webhook endpoint's signing secret with a grace period, on real
 * Postgres and a real HTTP receiver: for a day after the rotation each
 * delivery carries two signatures, so a receiver verifying with the old
 * secret and one verifying with the new both accept it; after the window
 * (moved into the past here rather than waited for), only the new one
 * does, and the daily prune forgets the old sealed secret. A rotation that
 * revokes the old secret stops it at once.
 */
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asService, servicePool, withUser } from "@/lib/db/client";
import { getEnv } from "@/lib/env";
import { logger } from "@/lib/log";
import { secretBox } from "@/lib/secrets/box";
import { deliverWebhook } from "@/lib/outbound-webhooks/deliver";
import { createEndpoint, listEndpoints, rotateEndpointSecret, sendTestEvent, type EndpointDeps } from "@/lib/outbound-webhooks/endpoints";
import { dropExpiredPreviousSecrets, PREVIOUS_SECRET_GRACE_HOURS } from "@/lib/outbound-webhooks/secrets";
import { seedUser, type SeededUser } from "@/test/support";
import { startReceiver, type TestReceiver } from "@/test/webhook-receiver";

let person: SeededUser;
let receiver: TestReceiver;
const asPerson = (): EndpointDeps => ({ db: (fn) => withUser(person.identity, fn) });

beforeAll(async () => {
  person = await seedUser();
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver?.close();
});

/** Sends a test event to the endpoint now (the worker's task, called directly) and returns what the receiver got. */
async function deliverTestEvent(endpointId: string) {
  const delivery = await sendTestEvent(asPerson(), endpointId);
  const before = receiver.received.length;
  const outcome = await deliverWebhook(
    { db: servicePool(), box: await secretBox(getEnv()), log: logger, policy: { allowLocalhost: true } },
    { deliveryId: delivery.id, attempt: 1 },
  );
  expect(outcome).toMatchObject({ outcome: "succeeded" });
  const [request] = await receiver.waitFor(before + 1).then((all) => all.slice(before));
  return request!;
}

/** Whether a receiver holding `secret` accepts the request (the standardwebhooks package's own check). */
function accepts(secret: string, request: { headers: Record<string, string>; body: string }): boolean {
  try {
    new Webhook(secret).verify(request.body, request.headers);
    return true;
  } catch {
    return false;
  }
}

describe("rotating a webhook endpoint's secret", () => {
  it("signs with both secrets during the grace period, then with the new one only", async () => {
    const created = await createEndpoint(asPerson(), { userId: person.id }, { url: receiver.url, events: ["generation.completed"] });
    const id = created.endpoint.id;
    const first = await deliverTestEvent(id);
    expect(first.headers["webhook-signature"]!.split(" ")).toHaveLength(1);
    expect(accepts(created.secret, first)).toBe(true);

    const rotated = await rotateEndpointSecret(asPerson(), id);
    expect(rotated.secret).not.toBe(created.secret);
    const expiresAt = rotated.endpoint.previousSecretExpiresAt!;
    expect(Math.abs(expiresAt.getTime() - Date.now() - PREVIOUS_SECRET_GRACE_HOURS * 3600_000)).toBeLessThan(60_000);

    // During the window: two signatures; the old receiver and the new one both accept.
    const during = await deliverTestEvent(id);
    expect(during.headers["webhook-signature"]!.split(" ")).toHaveLength(2);
    expect(accepts(created.secret, during)).toBe(true);
    expect(accepts(rotated.secret, during)).toBe(true);
    expect(accepts(`whsec_${Buffer.alloc(32, 7).toString("base64")}`, during)).toBe(false);

    // The window ends (set in the past, as a day later would): only the new secret signs.
    await asService((sql) => sql`update webhook_endpoints set previous_secret_expires_at = now() - interval '1 second' where id = ${id}`);
    expect((await listEndpoints(asPerson())).find((endpoint) => endpoint.id === id)?.previousSecretExpiresAt).toBeNull();
    const after = await deliverTestEvent(id);
    expect(after.headers["webhook-signature"]!.split(" ")).toHaveLength(1);
    expect(accepts(created.secret, after)).toBe(false);
    expect(accepts(rotated.secret, after)).toBe(true);

    // The daily prune forgets the expired sealed secret.
    expect(await dropExpiredPreviousSecrets(servicePool())).toBeGreaterThanOrEqual(1);
    const [row] = await asService((sql) => sql<{ previousSecretSealed: string | null }[]>`select previous_secret_sealed from webhook_endpoints where id = ${id}`);
    expect(row!.previousSecretSealed).toBeNull();
  });

  it("stops the old secret at once when the rotation revokes it, and keeps it sealed at rest otherwise", async () => {
    const created = await createEndpoint(asPerson(), { userId: person.id }, { url: receiver.url, events: ["generation.failed"] });
    const kept = await rotateEndpointSecret(asPerson(), created.endpoint.id);
    const [stored] = await asService((sql) => sql<{ previousSecretSealed: string }[]>`
      select previous_secret_sealed from webhook_endpoints where id = ${created.endpoint.id}`);
    expect(stored!.previousSecretSealed).toMatch(/^enc:v1:/);
    expect(stored!.previousSecretSealed).not.toContain(created.secret.slice(6, 20));

    const revoked = await rotateEndpointSecret(asPerson(), created.endpoint.id, { revokePrevious: true });
    expect(revoked.endpoint.previousSecretExpiresAt).toBeNull();
    const request = await deliverTestEvent(created.endpoint.id);
    expect(request.headers["webhook-signature"]!.split(" ")).toHaveLength(1);
    expect(accepts(kept.secret, request)).toBe(false);
    expect(accepts(revoked.secret, request)).toBe(true);
  });

  it("never lets the API roles read a sealed secret, current or previous", async () => {
    await expect(
      withUser(person.identity, (sql) => sql`select previous_secret_sealed from webhook_endpoints`),
    ).rejects.toThrow(/permission denied/);
    const rows = await withUser(person.identity, (sql) => sql`select previous_secret_expires_at from webhook_endpoints`);
    expect(rows.length).toBeGreaterThan(0);
  });
});
