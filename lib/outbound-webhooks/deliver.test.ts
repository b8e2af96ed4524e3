/**
 * Outbound webhooks end to end on real Postgres, a real worker and a real
 * HTTP receiver: a generation the worker completes (or fails, or a person
 * deletes) becomes a signed POST per the Standard Webhooks specification;
 * a receiver that fails twice gets the same event three times, with the
 * same webhook-id, each verified by the `standardwebhooks` package. The
 * retries' delays are the real schedule (checked on the queued job); the
 * test moves each job's run_at to now with graphile-worker's own
 * reschedule_jobs instead of waiting minutes.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asService, withUser } from "@/lib/db/client";
import { insertGeneration, softDeleteGeneration } from "@/lib/generations/generations";
import { createEndpoint, type EndpointDeps } from "@/lib/outbound-webhooks/endpoints";
import { ARTICLE, ScriptedWriter, startTestWorker, waitForStatus, type TestWorker } from "@/test/pipeline";
import { seedUser, type SeededUser } from "@/test/support";
import { startReceiver, type TestReceiver } from "@/test/webhook-receiver";

/** The API's global id of a generation (what graphql/ids.ts makes), written out: base64 of `Generation:<id>`. */
const globalIdOf = (_type: "Generation", id: string) => Buffer.from(`Generation:${id}`).toString("base64");

let person: SeededUser;
let worker: TestWorker;
let receiver: TestReceiver;
const writer = new ScriptedWriter();
const asPerson = (): EndpointDeps => ({ db: (fn) => withUser(person.identity, fn) });

type DeliveryState = { id: string; status: string; attemptCount: number; nextAttemptAt: Date | null };

async function deliveryOf(type: string, generationId: string): Promise<DeliveryState | undefined> {
  const [row] = await asService((sql) => sql<DeliveryState[]>`
    select d.id, d.status, d.attempt_count, d.next_attempt_at from webhook_deliveries d join webhook_messages m on m.id = d.message_id
    where m.type = ${type} and m.payload -> 'data' ->> 'id' = ${globalIdOf("Generation", generationId)}`);
  return row;
}

async function waitForDelivery(type: string, generationId: string, done: (state: DeliveryState) => boolean): Promise<DeliveryState> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const state = await deliveryOf(type, generationId);
    if (state && done(state)) return state;
    if (Date.now() > deadline) throw new Error(`delivery of ${type} is ${JSON.stringify(state)}`);
    await sleep(25);
  }
}

/** The delivery's waiting job: when it is due, then due now (graphile-worker's public reschedule_jobs). */
async function runRetryNow(deliveryId: string): Promise<number> {
  return asService(async (sql) => {
    const [job] = await sql<{ id: string; dueInSeconds: number }[]>`
      select id, extract(epoch from run_at - now())::float8 as due_in_seconds from graphile_worker.jobs
      where key = ${`webhook-delivery:${deliveryId}`} and locked_at is null`;
    if (!job) throw new Error("no retry is queued");
    await sql`select graphile_worker.reschedule_jobs(array[${job.id}]::bigint[], run_at => now())`;
    return job.dueInSeconds;
  });
}

beforeAll(async () => {
  person = await seedUser({ tier: "business" });
  receiver = await startReceiver();
  worker = await startTestWorker({ writer, concurrency: 2 });
});

afterAll(async () => {
  await worker?.close();
  await receiver?.close();
});

describe("a generation's events reach a receiver that fails twice", () => {
  it("sends generation.completed three times with one webhook-id, each verified, on Svix's schedule", async () => {
    const { endpoint, secret } = await createEndpoint(asPerson(), { userId: person.id }, { url: receiver.url, events: ["generation.completed"] });
    receiver.script = [500, 503];
    const generation = await withUser(person.identity, (sql) => insertGeneration(sql, { inputContent: ARTICLE, outputFormat: "bullet_points" }));
    const done = await waitForStatus(generation.id, ["completed"]);

    await receiver.waitFor(1);
    const first = await waitForDelivery("generation.completed", generation.id, (state) => state.attemptCount === 1);
    expect(first.status).toBe("pending");
    const firstDelay = await runRetryNow(first.id);
    expect(firstDelay).toBeGreaterThan(2);
    expect(firstDelay).toBeLessThanOrEqual(5);

    await receiver.waitFor(2);
    await waitForDelivery("generation.completed", generation.id, (state) => state.attemptCount === 2);
    const secondDelay = await runRetryNow(first.id);
    expect(secondDelay).toBeGreaterThan(290);
    expect(secondDelay).toBeLessThanOrEqual(300);

    await receiver.waitFor(3);
    const final = await waitForDelivery("generation.completed", generation.id, (state) => state.status === "succeeded");
    expect(final).toMatchObject({ attemptCount: 3, nextAttemptAt: null });

    const verifier = new Webhook(secret);
    const bodies = receiver.received.map((request) => verifier.verify(request.body, request.headers) as Record<string, unknown>);
    expect(new Set(receiver.received.map((request) => request.headers["webhook-id"])).size).toBe(1);
    expect(receiver.received[0]!.headers["webhook-id"]).toMatch(/^msg_[0-9a-f]{32}$/);
    for (const body of bodies) {
      expect(body).toMatchObject({
        id: receiver.received[0]!.headers["webhook-id"],
        type: "generation.completed",
        data: { id: globalIdOf("Generation", generation.id), format: "BULLET_POINTS", status: "COMPLETED", output: { bulletPoints: done.bulletPoints, imageCount: 1 } },
      });
      expect(Date.parse(body.timestamp as string)).not.toBeNaN();
    }
    // Signed with the endpoint's secret only: another secret does not verify it.
    expect(() => new Webhook(`whsec_${Buffer.alloc(32, 7).toString("base64")}`).verify(receiver.received[0]!.body, receiver.received[0]!.headers)).toThrow();

    const attempts = await asService((sql) => sql<{ number: number; succeeded: boolean; responseStatus: number | null; attemptedAt: Date }[]>`
      select number, succeeded, response_status, attempted_at from webhook_attempts where delivery_id = ${first.id} order by number`);
    expect(attempts.map(({ number, succeeded, responseStatus }) => ({ number, succeeded, responseStatus }))).toEqual([
      { number: 1, succeeded: false, responseStatus: 500 },
      { number: 2, succeeded: false, responseStatus: 503 },
      { number: 3, succeeded: true, responseStatus: 200 },
    ]);
    const [state] = await asService((sql) => sql<{ lastSuccessAt: Date | null; failingSince: Date | null }[]>`
      select last_success_at, failing_since from webhook_endpoints where id = ${endpoint.id}`);
    expect(state!.lastSuccessAt).toBeInstanceOf(Date);
    expect(state!.failingSince).toBeNull();
  });

  it("sends generation.failed with the reason, and generation.deleted, to the endpoints subscribed to them", async () => {
    await createEndpoint(asPerson(), { userId: person.id }, { url: receiver.url, events: ["generation.failed", "generation.deleted"] });
    const before = receiver.received.length;
    writer.permanent = "The text is in a language we cannot write posts in yet.";
    const generation = await withUser(person.identity, (sql) => insertGeneration(sql, { inputContent: `${ARTICLE} failing`, outputFormat: "carousel" }));
    await waitForStatus(generation.id, ["failed"]);
    writer.permanent = null;
    await waitForDelivery("generation.failed", generation.id, (state) => state.status === "succeeded");
    await withUser(person.identity, (sql) => softDeleteGeneration(sql, generation.id));
    await waitForDelivery("generation.deleted", generation.id, (state) => state.status === "succeeded");

    const bodies = receiver.received.slice(before).map((request) => JSON.parse(request.body) as { type: string; data: Record<string, unknown> });
    expect(bodies.map((body) => body.type)).toEqual(["generation.failed", "generation.deleted"]);
    expect(bodies[0]!.data).toMatchObject({ status: "FAILED", format: "CAROUSEL", failureReason: writer.permanent ?? expect.stringContaining("language") });
    expect(bodies[0]!.data.output).toBeUndefined();
    expect(bodies[1]!.data).toMatchObject({ id: globalIdOf("Generation", generation.id), status: "FAILED", deletedAt: expect.any(String) });
  });
});
