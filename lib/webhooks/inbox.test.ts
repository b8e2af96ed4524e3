/**
 * The webhook inbox on its own, provider-neutral, on real Postgres: an event
 * is recorded once and applied once, a failed effect leaves nothing behind
 * but the attempt and its error, and reprocessPending finishes what failed
 * without touching what is done. The effect here writes a scratch table, so
 * what "applied" means is plain to see.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asService, type Sql } from "@/lib/db/client";
import { receiveWebhook, reprocessPending, RetryLater, type InboxDelivery, type WebhookProvider } from "@/lib/webhooks/inbox";

beforeAll(async () => {
  await asService((sql) => sql`create table inbox_test_effects (event_id text not null, occurred_at timestamptz not null)`);
});

afterAll(async () => {
  await asService((sql) => sql`drop table inbox_test_effects`);
});

/** Whether an event's effect should fail; the tests flip it between attempts. */
const failing = new Map<string, "error" | "later">();

/** Writes one row per application, then fails if the test says so (the row must not survive the failure). */
async function apply(sql: Sql, delivery: InboxDelivery): Promise<string> {
  await sql`insert into inbox_test_effects (event_id, occurred_at) values (${delivery.eventId}, ${delivery.occurredAt})`;
  const failure = failing.get(delivery.eventId);
  if (failure === "later") throw new RetryLater(`waiting for the event before ${delivery.eventId}`);
  if (failure === "error") throw new Error(`simulated failure of ${delivery.eventId}`);
  return `applied ${delivery.eventId} (${String(delivery.payload.n)})`;
}

function delivery(provider: WebhookProvider = "stripe", n = 1): InboxDelivery {
  return {
    provider,
    eventId: `evt_test_${randomBytes(8).toString("hex")}`,
    type: "test.event",
    payload: { id: "ignored", n },
    occurredAt: new Date("2026-11-30T12:00:00Z"),
  };
}

async function applications(eventId: string): Promise<number> {
  const [row] = await asService((sql) => sql<{ count: number }[]>`select count(*)::int as count from inbox_test_effects where event_id = ${eventId}`);
  return row!.count;
}

type EventRow = { processed: boolean; processedAt: Date | null; attempts: number; lastError: string | null; occurredAt: Date | null; payload: unknown };

async function eventRow(provider: WebhookProvider, eventId: string): Promise<EventRow[]> {
  return asService((sql) => sql<EventRow[]>`
    select processed, processed_at, attempts, last_error, occurred_at, payload from webhook_events
    where provider = ${provider} and event_id = ${eventId}`);
}

describe("receiveWebhook", () => {
  it("records the delivery with its payload and time, applies it, and answers its note", async () => {
    const event = delivery("stripe", 7);
    expect(await receiveWebhook(event, apply)).toEqual({ status: "processed", note: `applied ${event.eventId} (7)` });
    expect(await applications(event.eventId)).toBe(1);
    expect(await eventRow("stripe", event.eventId)).toEqual([
      { processed: true, processedAt: expect.any(Date), attempts: 1, lastError: null, occurredAt: event.occurredAt, payload: event.payload },
    ]);
  });

  it("answers duplicate for a replay and does not apply it again", async () => {
    const event = delivery();
    await receiveWebhook(event, apply);
    expect(await receiveWebhook(event, apply)).toEqual({ status: "duplicate" });
    expect(await applications(event.eventId)).toBe(1);
    expect(await eventRow("stripe", event.eventId)).toMatchObject([{ attempts: 1 }]);
  });

  it("applies concurrent first deliveries exactly once", async () => {
    const event = delivery();
    const outcomes = await Promise.all(Array.from({ length: 10 }, () => receiveWebhook(event, apply)));
    expect(outcomes.filter((outcome) => outcome.status === "processed")).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome.status === "duplicate")).toHaveLength(9);
    expect(await applications(event.eventId)).toBe(1);
  });

  it("keeps the same event id of two providers apart", async () => {
    const stripe = delivery("stripe");
    const clerk = { ...stripe, provider: "clerk" as const };
    expect(await receiveWebhook(stripe, apply)).toMatchObject({ status: "processed" });
    expect(await receiveWebhook(clerk, apply)).toMatchObject({ status: "processed" });
    expect(await applications(stripe.eventId)).toBe(2);
  });

  it("rolls a failed effect back, records the attempt and error, and applies it on a later delivery", async () => {
    const event = delivery();
    failing.set(event.eventId, "error");
    for (const attempt of [1, 2]) {
      expect(await receiveWebhook(event, apply)).toEqual({ status: "failed", error: `simulated failure of ${event.eventId}` });
      expect(await eventRow("stripe", event.eventId)).toMatchObject([
        { processed: false, processedAt: null, attempts: attempt, lastError: `simulated failure of ${event.eventId}` },
      ]);
    }
    expect(await applications(event.eventId)).toBe(0);

    failing.delete(event.eventId);
    expect(await receiveWebhook(event, apply)).toMatchObject({ status: "processed" });
    expect(await eventRow("stripe", event.eventId)).toMatchObject([{ processed: true, attempts: 3, lastError: null }]);
    expect(await applications(event.eventId)).toBe(1);
  });

  it("records RetryLater like any failure, with its message", async () => {
    const event = delivery();
    failing.set(event.eventId, "later");
    expect(await receiveWebhook(event, apply)).toEqual({ status: "failed", error: `waiting for the event before ${event.eventId}` });
    expect(await eventRow("stripe", event.eventId)).toMatchObject([{ processed: false, attempts: 1 }]);
    failing.delete(event.eventId);
    expect(await receiveWebhook(event, apply)).toMatchObject({ status: "processed" });
  });
});

describe("reprocessPending", () => {
  it("applies the provider's failed events, oldest first, and leaves processed ones and other providers alone", async () => {
    const done = delivery("stripe");
    const first = delivery("stripe", 1);
    const second = delivery("stripe", 2);
    const stillFailing = delivery("stripe", 3);
    const otherProvider = delivery("clerk");
    await receiveWebhook(done, apply);
    for (const event of [first, second, stillFailing, otherProvider]) {
      failing.set(event.eventId, "error");
      expect(await receiveWebhook(event, apply)).toMatchObject({ status: "failed" });
    }
    failing.delete(first.eventId);
    failing.delete(second.eventId);
    failing.delete(otherProvider.eventId);

    const order: string[] = [];
    const result = await reprocessPending("stripe", async (sql, event) => {
      order.push(event.eventId);
      return apply(sql, event);
    });
    // Other files' events are not in this database; everything pending of "stripe" here is ours.
    expect(result).toEqual({ processed: 2, failed: 1 });
    expect(order).toEqual([first.eventId, second.eventId, stillFailing.eventId]);
    expect(await applications(done.eventId)).toBe(1);
    expect(await applications(first.eventId)).toBe(1);
    expect(await applications(second.eventId)).toBe(1);
    expect(await applications(stillFailing.eventId)).toBe(0);
    expect(await applications(otherProvider.eventId)).toBe(0);
    expect(await eventRow("stripe", first.eventId)).toMatchObject([{ processed: true, attempts: 2, lastError: null }]);
    expect(await eventRow("stripe", stillFailing.eventId)).toMatchObject([{ processed: false, attempts: 2 }]);

    // The retry replays the stored delivery: payload and time as first received.
    const replayed: InboxDelivery[] = [];
    failing.delete(stillFailing.eventId);
    expect(await reprocessPending("stripe", async (sql, event) => (replayed.push(event), apply(sql, event)))).toEqual({ processed: 1, failed: 0 });
    expect(replayed).toEqual([stillFailing]);
    expect(await reprocessPending("stripe", apply)).toEqual({ processed: 0, failed: 0 });

    failing.set(otherProvider.eventId, "error");
    await reprocessPending("clerk", apply);
    failing.delete(otherProvider.eventId);
  });

  it("leaves an event that a delivery is applying right now to that delivery", async () => {
    const event = delivery();
    failing.set(event.eventId, "error");
    await receiveWebhook(event, apply);
    failing.delete(event.eventId);

    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const holder = asService(async (sql) => {
      await sql`select id from webhook_events where provider = 'stripe' and event_id = ${event.eventId} for update`;
      locked();
      await released;
    });
    await isLocked;
    expect(await reprocessPending("stripe", apply)).toEqual({ processed: 0, failed: 0 });
    release();
    await holder;
    expect(await reprocessPending("stripe", apply)).toEqual({ processed: 1, failed: 0 });
    expect(await applications(event.eventId)).toBe(1);
  });

  it("falls back to when the event arrived for rows recorded before occurred_at existed", async () => {
    const event = delivery();
    failing.set(event.eventId, "error");
    await receiveWebhook(event, apply);
    failing.delete(event.eventId);
    const [row] = await asService((sql) => sql<{ createdAt: Date }[]>`
      update webhook_events set occurred_at = null where provider = 'stripe' and event_id = ${event.eventId} returning created_at`);
    const seen: Date[] = [];
    await reprocessPending("stripe", async (sql, replay) => (seen.push(replay.occurredAt), apply(sql, replay)));
    expect(seen).toEqual([row!.createdAt]);
  });
});
