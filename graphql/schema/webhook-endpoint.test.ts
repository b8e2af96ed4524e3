/**
 * Webhook endpoints through the real GraphQL endpoint on real Postgres with
 * RLS: a person creates one (the secret once, sealed at rest), lists,
 * updates, disables, rotates, deletes, sends a test event and redelivers
 * it, and reads every attempt; an API key cannot manage endpoints, an
 * anonymous caller nothing, and another person can neither see nor touch
 * them.
 */
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGraphQLServer } from "@/graphql/yoga";
import { asService, createPool, type Sql } from "@/lib/db/client";
import { getEnv } from "@/lib/env";
import { logger } from "@/lib/log";
import { secretBox } from "@/lib/secrets/box";
import { deliverWebhook } from "@/lib/outbound-webhooks/deliver";
import { postGraphQL, signedInPerson, type SignedInPerson } from "@/test/support";
import { startReceiver, type TestReceiver } from "@/test/webhook-receiver";

const server = createGraphQLServer();
const ENDPOINT_FIELDS = "id url events enabled disabledAt disabledReason failingStartedAt lastSuccessAt createdAt updatedAt";
type Endpoint = { id: string; url: string; events: string[]; enabled: boolean; disabledReason: string | null };
type Delivery = { id: string; eventId: string; eventType: string; status: string; attemptCount: number; payload: Record<string, unknown>; attempts: { number: number; succeeded: boolean; responseStatus: number | null; manual: boolean }[] };
const DELIVERY_FIELDS = "id eventId eventType status attemptCount payload attempts { number succeeded responseStatus manual attemptedAt durationMs error }";

let alice: SignedInPerson;
let bob: SignedInPerson;
let receiver: TestReceiver;
let db: Sql;

const gql = <T>(who: SignedInPerson | string | null, query: string, variables?: Record<string, unknown>) =>
  postGraphQL<T>(server, query, { authorization: typeof who === "string" ? who : (who?.authorization ?? null), variables });

async function create(who: SignedInPerson, url: string, events = ["GENERATION_COMPLETED"]) {
  const { body } = await gql<{ createWebhookEndpoint: { secret: string; webhookEndpoint: Endpoint } }>(
    who,
    `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { secret webhookEndpoint { ${ENDPOINT_FIELDS} } } }`,
    { input: { url, events } },
  );
  expect(body.errors).toBeUndefined();
  return body.data!.createWebhookEndpoint;
}

const listed = async (who: SignedInPerson) =>
  (await gql<{ viewer: { webhookEndpoints: (Endpoint & { deliveries: Delivery[] })[] } }>(who, `{ viewer { webhookEndpoints { ${ENDPOINT_FIELDS} deliveries(first: 5) { ${DELIVERY_FIELDS} } } } }`))
    .body.data!.viewer.webhookEndpoints;

/** Runs the attempt the queue holds for a delivery, as the worker would (no worker runs in this file). */
const attempt = async (deliveryGlobalId: string, number: number, manual = false) =>
  deliverWebhook(
    { db, box: await secretBox(getEnv()), log: logger.child({ source: "test" }), policy: { allowLocalhost: true } },
    { deliveryId: Buffer.from(deliveryGlobalId, "base64").toString("utf8").split(":")[1]!, attempt: number, manual },
  );

beforeAll(async () => {
  alice = await signedInPerson(server);
  bob = await signedInPerson(server);
  receiver = await startReceiver();
  db = createPool(getEnv().databaseUrl!, { max: 2 });
});
afterAll(async () => {
  await receiver?.close();
  await db?.end({ timeout: 5 });
});

describe("managing endpoints", () => {
  it("creates one with its secret shown once and sealed at rest, and lists it without the secret", async () => {
    const { secret, webhookEndpoint } = await create(alice, receiver.url, ["GENERATION_COMPLETED", "GENERATION_DELETED"]);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(webhookEndpoint).toMatchObject({ url: receiver.url, events: ["GENERATION_COMPLETED", "GENERATION_DELETED"], enabled: true, disabledReason: null });
    const endpoints = await listed(alice);
    expect(endpoints.map((endpoint) => endpoint.id)).toContain(webhookEndpoint.id);
    expect(JSON.stringify(endpoints)).not.toContain(secret.slice(6));
    const stored = await asService((sql) => sql<{ secretSealed: string }[]>`select secret_sealed from webhook_endpoints`);
    expect(stored.every((row) => row.secretSealed.startsWith("enc:v1:") && !row.secretSealed.includes(secret.slice(6, 20)))).toBe(true);
  });

  it("refuses a URL it will not send to, saying why", async () => {
    const { body } = await gql(alice, "mutation { createWebhookEndpoint(input: { url: \"http://10.0.0.7/hook\", events: [GENERATION_FAILED] }) { secret } }");
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT" });
    expect(body.errors?.[0]?.message).toMatch(/input\.url: must be an https:\/\/ URL/);
  });

  it("updates, disables, enables, rotates and deletes", async () => {
    const { webhookEndpoint, secret } = await create(alice, receiver.url);
    const update = (input: Record<string, unknown>) =>
      gql<{ updateWebhookEndpoint: { webhookEndpoint: Endpoint } }>(alice, `mutation($input: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(input: $input) { webhookEndpoint { ${ENDPOINT_FIELDS} } } }`, {
        input: { id: webhookEndpoint.id, ...input },
      });
    expect((await update({ events: ["GENERATION_FAILED"], url: `${receiver.url}?v=2` })).body.data!.updateWebhookEndpoint.webhookEndpoint).toMatchObject({
      events: ["GENERATION_FAILED"],
      url: `${receiver.url}?v=2`,
      enabled: true,
    });
    expect((await update({ enabled: false })).body.data!.updateWebhookEndpoint.webhookEndpoint).toMatchObject({ enabled: false, disabledReason: "MANUAL" });
    const refused = await gql(alice, "mutation($id: ID!) { sendTestWebhookEvent(input: { id: $id }) { delivery { id } } }", { id: webhookEndpoint.id });
    expect(refused.body.errors?.[0]?.extensions).toMatchObject({ code: "FAILED_PRECONDITION" });
    expect((await update({ enabled: true })).body.data!.updateWebhookEndpoint.webhookEndpoint).toMatchObject({ enabled: true, disabledReason: null });

    type Rotated = { rotateWebhookEndpointSecret: { secret: string; webhookEndpoint: { previousSecretExpiresAt: string | null } } };
    const rotate = (revokePrevious?: boolean) =>
      gql<Rotated>(alice, "mutation($input: RotateWebhookEndpointSecretInput!) { rotateWebhookEndpointSecret(input: $input) { secret webhookEndpoint { previousSecretExpiresAt } } }", {
        input: { id: webhookEndpoint.id, revokePrevious },
      });
    // By default the old secret keeps signing for a day (lib/outbound-webhooks/rotation.test.ts follows it through);
    // revoking it (a leaked secret) leaves only the new one at once.
    const graced = (await rotate()).body.data!.rotateWebhookEndpointSecret;
    expect(Date.parse(graced.webhookEndpoint.previousSecretExpiresAt!)).toBeGreaterThan(Date.now() + 23 * 3600_000);
    const rotated = (await rotate(true)).body.data!.rotateWebhookEndpointSecret;
    expect(rotated.webhookEndpoint.previousSecretExpiresAt).toBeNull();
    const newSecret = rotated.secret;
    expect(newSecret).toMatch(/^whsec_/);
    expect(newSecret).not.toBe(secret);

    const sent = await gql<{ sendTestWebhookEvent: { delivery: Delivery } }>(alice, `mutation($id: ID!) { sendTestWebhookEvent(input: { id: $id }) { delivery { ${DELIVERY_FIELDS} } } }`, { id: webhookEndpoint.id });
    const delivery = sent.body.data!.sendTestWebhookEvent.delivery;
    expect(delivery).toMatchObject({ eventType: "webhook.test", status: "PENDING", attemptCount: 0, attempts: [] });
    expect(await attempt(delivery.id, 1)).toMatchObject({ outcome: "succeeded" });
    const request = receiver.received.at(-1)!;
    expect(new Webhook(newSecret).verify(request.body, request.headers)).toMatchObject({ type: "webhook.test", data: { endpointId: webhookEndpoint.id } });
    expect(() => new Webhook(secret).verify(request.body, request.headers)).toThrow();
    expect(() => new Webhook(graced.secret).verify(request.body, request.headers)).toThrow();

    const deleted = await gql<{ deleteWebhookEndpoint: { deletedId: string } }>(alice, "mutation($id: ID!) { deleteWebhookEndpoint(input: { id: $id }) { deletedId } }", { id: webhookEndpoint.id });
    expect(deleted.body.data!.deleteWebhookEndpoint.deletedId).toBe(webhookEndpoint.id);
    expect((await listed(alice)).map((endpoint) => endpoint.id)).not.toContain(webhookEndpoint.id);
    expect(await attempt(delivery.id, 2)).toEqual({ outcome: "gone" });
  });
});

describe("deliveries and their attempts", () => {
  it("lists every attempt with its status, and redelivers with the same webhook-id", async () => {
    const { webhookEndpoint } = await create(alice, receiver.url);
    const sent = await gql<{ sendTestWebhookEvent: { delivery: Delivery } }>(alice, "mutation($id: ID!) { sendTestWebhookEvent(input: { id: $id }) { delivery { id } } }", { id: webhookEndpoint.id });
    const id = sent.body.data!.sendTestWebhookEvent.delivery.id;
    receiver.script = [502];
    expect(await attempt(id, 1)).toMatchObject({ outcome: "failed", status: 502, retryInSeconds: 5 });
    const redelivered = await gql<{ redeliverWebhook: { delivery: Delivery } }>(alice, `mutation($id: ID!) { redeliverWebhook(input: { id: $id }) { delivery { ${DELIVERY_FIELDS} } } }`, { id });
    expect(redelivered.body.data!.redeliverWebhook.delivery).toMatchObject({ status: "PENDING", attemptCount: 1 });
    // The jobs view leaves payloads out; the job the redelivery queued is read from its table.
    const [job] = await asService((sql) => sql<{ payload: unknown }[]>`
      select payload from graphile_worker._private_jobs where key = ${`webhook-delivery:${Buffer.from(id, "base64").toString().split(":")[1]}`}`);
    expect(job!.payload).toMatchObject({ attempt: 2, manual: true });
    expect(await attempt(id, 2, true)).toMatchObject({ outcome: "succeeded", retryInSeconds: null });

    const delivery = (await listed(alice)).find((endpoint) => endpoint.id === webhookEndpoint.id)!.deliveries[0]!;
    expect(delivery).toMatchObject({ id, status: "SUCCEEDED", attemptCount: 2 });
    expect(delivery.attempts).toMatchObject([
      { number: 1, succeeded: false, responseStatus: 502, manual: false },
      { number: 2, succeeded: true, responseStatus: 200, manual: true },
    ]);
    const ids = receiver.received.slice(-2).map((request) => request.headers["webhook-id"]);
    expect(ids).toEqual([delivery.eventId, delivery.eventId]);
  });
});

describe("who may", () => {
  it("lets nobody else see or touch an endpoint or its deliveries: NOT_FOUND, and nothing changes", async () => {
    const { webhookEndpoint } = await create(alice, receiver.url);
    const sent = await gql<{ sendTestWebhookEvent: { delivery: Delivery } }>(alice, "mutation($id: ID!) { sendTestWebhookEvent(input: { id: $id }) { delivery { id } } }", { id: webhookEndpoint.id });
    const deliveryId = sent.body.data!.sendTestWebhookEvent.delivery.id;
    expect(await listed(bob)).toEqual([]);
    for (const [mutation, id] of [
      ["updateWebhookEndpoint(input: { id: $id, url: \"http://127.0.0.1:1/stolen\", enabled: false }) { webhookEndpoint { id } }", webhookEndpoint.id],
      ["rotateWebhookEndpointSecret(input: { id: $id }) { secret }", webhookEndpoint.id],
      ["deleteWebhookEndpoint(input: { id: $id }) { deletedId }", webhookEndpoint.id],
      ["sendTestWebhookEvent(input: { id: $id }) { delivery { id } }", webhookEndpoint.id],
      ["redeliverWebhook(input: { id: $id }) { delivery { id } }", deliveryId],
    ] as const) {
      const { body } = await gql(bob, `mutation($id: ID!) { ${mutation} }`, { id });
      expect(body.errors?.[0]?.extensions, mutation).toMatchObject({ code: "NOT_FOUND" });
    }
    const mine = (await listed(alice)).find((endpoint) => endpoint.id === webhookEndpoint.id)!;
    expect(mine).toMatchObject({ url: receiver.url, enabled: true });
    expect(mine.deliveries).toHaveLength(1);
  });

  it("needs a session to manage endpoints: an API key is FORBIDDEN, anonymous UNAUTHENTICATED", async () => {
    const key = await gql<{ createApiKey: { secret: string } }>(alice, 'mutation { createApiKey(input: { name: "ci", scopes: [READ, WRITE] }) { secret } }');
    const withKey = `Bearer ${key.body.data!.createApiKey.secret}`;
    const { webhookEndpoint } = await create(alice, receiver.url);
    for (const who of [withKey, null]) {
      const created = await gql(who, `mutation { createWebhookEndpoint(input: { url: "${receiver.url}", events: [GENERATION_FAILED] }) { secret } }`);
      expect(created.body.errors?.[0]?.extensions).toMatchObject(who ? { code: "FORBIDDEN", scopes: ["session"] } : { code: "UNAUTHENTICATED" });
      const rotated = await gql(who, "mutation($id: ID!) { rotateWebhookEndpointSecret(input: { id: $id }) { secret } }", { id: webhookEndpoint.id });
      expect(rotated.body.errors?.[0]?.extensions).toMatchObject({ code: who ? "FORBIDDEN" : "UNAUTHENTICATED" });
    }
    const count = await asService((sql) => sql<{ n: number }[]>`select count(*)::int as n from webhook_endpoints where url = ${receiver.url} and 'generation.failed' = any(events)`);
    expect(count[0]!.n).toBe(0);
  });
});
