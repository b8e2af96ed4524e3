/**
 * Webhook targets are safe: in production only https on public addresses;
 * in development also http://localhost and http://127.0.0.1, and no other
 * private or metadata address. A receiver on a private address is refused
 * in production mode both when the endpoint is created and when an attempt
 * is made (nothing reaches it), redirects are not followed, a slow receiver
 * times out and a large answer is cut short. And 72 hours of failures
 * disable an endpoint, which then says so.
 */
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asService, createPool, withUser, type Sql } from "@/lib/db/client";
import { getEnv } from "@/lib/env";
import { logger } from "@/lib/log";
import { secretBox } from "@/lib/secrets/box";
import { deliverWebhook, type DeliveryDeps } from "@/lib/outbound-webhooks/deliver";
import { createEndpoint, listEndpoints, sendTestEvent, type EndpointDeps } from "@/lib/outbound-webhooks/endpoints";
import { checkTargetUrl, sendToTarget, TargetRefused } from "@/lib/outbound-webhooks/target";
import { seedUser, type SeededUser } from "@/test/support";
import { startReceiver, type TestReceiver } from "@/test/webhook-receiver";

const production = { allowLocalhost: false };
const development = { allowLocalhost: true };
const send = (url: string, policy = development, timeoutMs = 2000) => sendToTarget(url, "{}", {}, { policy, timeoutMs, maxResponseBytes: 4096 });

const PRIVATE_OR_METADATA = [
  "https://10.0.0.5/hook",
  "https://172.16.3.4/hook",
  "https://192.168.1.10/hook",
  "https://100.64.0.1/hook",
  "https://169.254.169.254/latest/meta-data/",
  "https://[fd00:ec2::254]/latest/meta-data/",
  "https://[fe80::1]/hook",
  "https://[::ffff:127.0.0.1]/hook",
  "https://[::ffff:a9fe:a9fe]/hook",
  "https://0.0.0.0/hook",
  "https://127.0.0.2/hook",
  "https://[::1]/hook",
  "https://metadata.localhost/hook",
];

describe("which URLs may be endpoints", () => {
  it("refuses private, loopback, link-local and metadata addresses in production and in development", () => {
    for (const url of PRIVATE_OR_METADATA) {
      expect(() => checkTargetUrl(url, production), url).toThrow(TargetRefused);
      expect(() => checkTargetUrl(url, development), url).toThrow(TargetRefused);
    }
  });

  it("takes only https in production; a local receiver over http only outside it", () => {
    expect(checkTargetUrl("https://hooks.example.com/postora", production).href).toBe("https://hooks.example.com/postora");
    expect(checkTargetUrl("https://93.184.215.14:8443/x", production).host).toBe("93.184.215.14:8443");
    expect(checkTargetUrl("https://[2606:4700:4700::1111]/x", production).hostname).toBe("[2606:4700:4700::1111]");
    for (const url of ["http://hooks.example.com/postora", "http://localhost:4000/hook", "http://127.0.0.1:4000/hook", "https://localhost/hook"]) {
      expect(() => checkTargetUrl(url, production), url).toThrow(TargetRefused);
    }
    expect(checkTargetUrl("http://localhost:4000/hook", development).hostname).toBe("localhost");
    expect(checkTargetUrl("http://127.0.0.1:4000/hook", development).hostname).toBe("127.0.0.1");
    for (const url of ["http://hooks.example.com/x", "http://10.0.0.1/x", "http://[::1]:4000/x", "ftp://example.com/x", "not a url", "https://user:pw@example.com/x"]) {
      expect(() => checkTargetUrl(url, development), url).toThrow(TargetRefused);
    }
  });
});

describe("sending", () => {
  let receiver: TestReceiver;
  let redirected: TestReceiver;
  beforeAll(async () => {
    redirected = await startReceiver();
    receiver = await startReceiver((request, response) => {
      if (request.url?.endsWith("/redirect")) {
        response.writeHead(307, { location: redirected.url }).end();
        return true;
      }
      if (request.url?.endsWith("/slow")) return true; // never answers
      if (request.url?.endsWith("/large")) {
        response.writeHead(200, { "content-type": "text/plain" });
        response.end("x".repeat(1024 * 1024));
        return true;
      }
      return false;
    });
  });
  afterAll(async () => {
    await receiver?.close();
    await redirected?.close();
  });

  it("reaches a local receiver in development, by 127.0.0.1 and by localhost, and refuses it in production", async () => {
    expect(await send(receiver.url)).toMatchObject({ status: 200, succeeded: true, error: null });
    expect(await send(receiver.url.replace("127.0.0.1", "localhost"))).toMatchObject({ succeeded: true });
    const before = receiver.received.length;
    const refused = await send(receiver.url, production);
    expect(refused).toMatchObject({ status: null, succeeded: false, error: expect.stringMatching(/^Refused: must be an https:\/\/ URL/) });
    expect(receiver.received.length).toBe(before);
  });

  it("does not follow a redirect", async () => {
    const result = await send(receiver.url.replace("/hooks/postora", "/redirect"));
    expect(result).toMatchObject({ status: 307, succeeded: false, error: expect.stringContaining("redirects are not followed") });
    expect(redirected.received).toHaveLength(0);
  });

  it("gives up on a receiver that does not answer in time, and reads at most 4 KiB of an answer", async () => {
    const slow = await send(receiver.url.replace("/hooks/postora", "/slow"), development, 300);
    expect(slow).toMatchObject({ status: null, succeeded: false, error: "No complete answer within 0.3 s." });
    expect(slow.durationMs).toBeLessThan(2000);
    const large = await send(receiver.url.replace("/hooks/postora", "/large"));
    expect(large).toMatchObject({ status: 200, succeeded: true });
    expect(large.body.length).toBe(4096);
  });

  it("reports a receiver that is not there", async () => {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    await new Promise<void>((resolve) => server.close(() => resolve()));
    expect(await send(`http://127.0.0.1:${port}/gone`)).toMatchObject({ status: null, succeeded: false, error: "Could not deliver: ECONNREFUSED." });
  });
});

describe("production mode, through the endpoint service and the delivery task", () => {
  let person: SeededUser;
  let receiver: TestReceiver;
  let db: Sql;
  let deps: (policy: { allowLocalhost: boolean }) => Promise<DeliveryDeps>;
  const asPerson = (isProduction = false): EndpointDeps => ({ db: (fn) => withUser(person.identity, fn), env: { ...getEnv(), isProduction } });

  beforeAll(async () => {
    person = await seedUser();
    receiver = await startReceiver();
    db = createPool(getEnv().databaseUrl!, { max: 2 });
    deps = async (policy) => ({ db, box: await secretBox(getEnv()), log: logger.child({ source: "test" }), policy, timeoutMs: 2000 });
  });
  afterAll(async () => {
    await receiver?.close();
    await db?.end({ timeout: 5 });
  });

  it("refuses to create an endpoint on a private or local address", async () => {
    for (const url of [...PRIVATE_OR_METADATA, receiver.url, "http://hooks.example.com/x"]) {
      await expect(createEndpoint(asPerson(true), { userId: person.id }, { url, events: ["generation.completed"] }), url).rejects.toMatchObject({
        code: "BAD_USER_INPUT",
        message: expect.stringMatching(/^input\.url: /),
      });
    }
    expect(await listEndpoints(asPerson())).toEqual([]);
  });

  it("refuses, at delivery, an endpoint whose address is not allowed in production: the receiver gets nothing", async () => {
    const { endpoint } = await createEndpoint(asPerson(), { userId: person.id }, { url: receiver.url, events: ["generation.completed"] });
    const delivery = await sendTestEvent(asPerson(), endpoint.id);
    const outcome = await deliverWebhook(await deps(production), { deliveryId: delivery.id, attempt: 1 });
    expect(outcome).toMatchObject({ outcome: "failed", status: null, retryInSeconds: 5 });
    expect(receiver.received).toHaveLength(0);
    const [attempt] = await asService((sql) => sql<{ error: string; succeeded: boolean }[]>`
      select error, succeeded from webhook_attempts where delivery_id = ${delivery.id}`);
    expect(attempt).toMatchObject({ succeeded: false, error: expect.stringMatching(/^Refused: /) });
    // Run again, the same attempt is not made twice.
    expect(await deliverWebhook(await deps(development), { deliveryId: delivery.id, attempt: 1 })).toEqual({ outcome: "already-attempted" });
    expect(receiver.received).toHaveLength(0);
  });

  it("disables an endpoint after 72 hours of failures, says so, and sends it nothing more", async () => {
    const { endpoint } = await createEndpoint(asPerson(), { userId: person.id }, { url: receiver.url, events: ["generation.failed"] });
    const delivery = await sendTestEvent(asPerson(), endpoint.id);
    // 71 hours of failures: still enabled.
    await asService((sql) => sql`update webhook_endpoints set failing_since = now() - interval '71 hours' where id = ${endpoint.id}`);
    receiver.script = [500, 500];
    expect(await deliverWebhook(await deps(development), { deliveryId: delivery.id, attempt: 1 })).toMatchObject({ outcome: "failed", endpointDisabled: false, retryInSeconds: 5 });
    await asService((sql) => sql`update webhook_endpoints set failing_since = now() - interval '72 hours 1 minute' where id = ${endpoint.id}`);
    expect(await deliverWebhook(await deps(development), { deliveryId: delivery.id, attempt: 2 })).toMatchObject({ outcome: "failed", endpointDisabled: true, retryInSeconds: null });
    const [listed] = (await listEndpoints(asPerson())).filter((row) => row.id === endpoint.id);
    expect(listed).toMatchObject({ disabledReason: "failing", disabledAt: expect.any(Date) });
    const [state] = await asService((sql) => sql<{ status: string }[]>`select status from webhook_deliveries where id = ${delivery.id}`);
    expect(state!.status).toBe("failed");
    expect(await deliverWebhook(await deps(development), { deliveryId: delivery.id, attempt: 3 })).toEqual({ outcome: "endpoint-disabled" });
    expect(receiver.received).toHaveLength(2);
    await expect(sendTestEvent(asPerson(), endpoint.id)).rejects.toMatchObject({ code: "FAILED_PRECONDITION", message: expect.stringContaining("72 hours") });
  });
});
