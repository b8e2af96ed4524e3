/**
 * POST /api/webhooks/clerk with requests signed by svix's own signer: what
 * is refused (and writes nothing), what each event does to users, and that
 * replays, retries and out-of-order deliveries all end with the right rows.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { POST } from "@/app/api/webhooks/clerk/route";
import { asService } from "@/lib/db/client";
import { getStorage } from "@/lib/storage/index";
import { getLocalStorage } from "@/lib/storage/local/adapter";
import { generationObjectPath } from "@/lib/storage/types";
import { provisionUser } from "@/lib/users/provision";
import {
  clerkSessionJson,
  clerkUserJson,
  newClerkUserId,
  seedGeneration,
  seedTemplate,
  seedUser,
  signedClerkWebhook,
  TEST_CLERK_WEBHOOK_SECRET,
  type ClerkEventInput,
} from "@/test/support";
import { receiveTinyPng } from "@/test/storage";

beforeAll(() => {
  // Read once by lib/env on first use; this file's process only.
  process.env.CLERK_WEBHOOK_SIGNING_SECRET = TEST_CLERK_WEBHOOK_SECRET;
});

type UserRow = { id: string; email: string; metadata: Record<string, unknown> | null; lastLogin: Date | null; clerkUpdatedAt: Date | null };

async function userRow(clerkUserId: string): Promise<UserRow | undefined> {
  const [row] = await asService((sql) => sql<UserRow[]>`
    select id, email, metadata, last_login, clerk_updated_at from users where auth_id = ${clerkUserId}`);
  return row;
}

type EventRow = { type: string; processed: boolean; processedAt: Date | null; attempts: number; lastError: string | null; payload: { data: unknown } };

async function eventRows(msgId: string): Promise<EventRow[]> {
  return asService((sql) => sql<EventRow[]>`
    select type, processed, processed_at, attempts, last_error, payload from webhook_events where provider = 'clerk' and event_id = ${msgId}`);
}

async function eventCount(): Promise<number> {
  const [row] = await asService((sql) => sql<{ count: number }[]>`select count(*)::int as count from webhook_events`);
  return row!.count;
}

const deliver = (event: ClerkEventInput, options?: Parameters<typeof signedClerkWebhook>[1]) => POST(signedClerkWebhook(event, options));

const T0 = Date.parse("2026-11-20T10:00:00Z");
const userEvent = (type: "user.created" | "user.updated", user: Parameters<typeof clerkUserJson>[0]): ClerkEventInput => ({
  type,
  data: clerkUserJson(user),
});

describe("verification: anything but a genuine svix delivery gets 400 and writes nothing", () => {
  const event = () => userEvent("user.created", { id: newClerkUserId(), email: "mallory@example.com", updatedAt: T0 });

  const cases: { name: string; request: () => Request; error: RegExp }[] = [
    { name: "no svix headers", request: () => signedClerkWebhook(event(), { headers: { "svix-id": null, "svix-timestamp": null, "svix-signature": null } }), error: /Missing svix-id/ },
    { name: "no svix-signature", request: () => signedClerkWebhook(event(), { headers: { "svix-signature": null } }), error: /Missing svix-id/ },
    { name: "no svix-timestamp", request: () => signedClerkWebhook(event(), { headers: { "svix-timestamp": null } }), error: /Missing svix-id/ },
    { name: "a garbage signature", request: () => signedClerkWebhook(event(), { headers: { "svix-signature": "v1,bm90IGEgc2lnbmF0dXJl" } }), error: /No matching signature/ },
    { name: "a garbage timestamp", request: () => signedClerkWebhook(event(), { headers: { "svix-timestamp": "yesterday" } }), error: /Invalid Signature Headers/ },
    { name: "a tampered body", request: () => signedClerkWebhook(event(), { body: JSON.stringify({ type: "user.created", data: { id: "user_evil" } }) }), error: /No matching signature/ },
    {
      name: "a signature for another svix-id (a replayed signature under a new id)",
      request: () => signedClerkWebhook(event(), { headers: { "svix-id": "msg_someoneelse" } }),
      error: /No matching signature/,
    },
    { name: "another endpoint's secret", request: () => signedClerkWebhook(event(), { secret: `whsec_${Buffer.from("some-other-endpoint-secret-32byt").toString("base64")}` }), error: /No matching signature/ },
    { name: "a stale timestamp (captured and replayed 10 minutes later)", request: () => signedClerkWebhook(event(), { signedAt: new Date(Date.now() - 10 * 60_000) }), error: /too old/ },
    { name: "a timestamp from the future", request: () => signedClerkWebhook(event(), { signedAt: new Date(Date.now() + 10 * 60_000) }), error: /too new/ },
  ];

  for (const { name, request, error } of cases) {
    it(`refuses ${name}`, async () => {
      const before = await eventCount();
      const response = await POST(request());
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: string }).error).toMatch(error);
      expect(await eventCount()).toBe(before);
    });
  }

  it("refuses a signed body that is not a Clerk event", async () => {
    const response = await POST(signedClerkWebhook({ type: "", data: {} }));
    expect(response.status).toBe(400);
  });
});

describe("user.created and user.updated", () => {
  it("creates the user with their primary email and public metadata (never private metadata)", async () => {
    const id = newClerkUserId();
    const response = await deliver(userEvent("user.created", { id, email: "new@example.com", updatedAt: T0, publicMetadata: { plan: "beta" } }));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ received: true, status: "processed" });
    const row = await userRow(id);
    expect(row).toMatchObject({ email: "new@example.com", metadata: { plan: "beta" }, lastLogin: null, clerkUpdatedAt: new Date(T0) });
  });

  it("applies an email change and new metadata from user.updated", async () => {
    const id = newClerkUserId();
    await deliver(userEvent("user.created", { id, email: "before@example.com", updatedAt: T0 }));
    const response = await deliver(userEvent("user.updated", { id, email: "after@example.com", updatedAt: T0 + 1000, publicMetadata: { role: "editor" } }));
    expect(response.status).toBe(200);
    expect(await userRow(id)).toMatchObject({ email: "after@example.com", metadata: { role: "editor" } });
  });

  it("acknowledges a user without an email address and creates nothing", async () => {
    const id = newClerkUserId();
    const response = await deliver(userEvent("user.created", { id, email: null, updatedAt: T0 }));
    expect(response.status).toBe(200);
    expect(await userRow(id)).toBeUndefined();
  });

  it("answers 5xx on an email another Clerk user holds, keeps the event unprocessed with the error, and succeeds on retry", async () => {
    const holder = await seedUser({ email: "contested@example.com" });
    const id = newClerkUserId();
    const msgId = `msg_conflict_${id}`;
    const event = userEvent("user.created", { id, email: "contested@example.com", updatedAt: T0 });
    const first = await deliver(event, { msgId });
    expect(first.status).toBe(500);
    expect(((await first.json()) as { error: string }).error).toMatch(/already belongs to another Postora account/);
    expect(await eventRows(msgId)).toMatchObject([{ processed: false, processedAt: null, attempts: 1, lastError: expect.stringMatching(/contested@example.com/) }]);
    expect(await userRow(id)).toBeUndefined();
    expect((await userRow(holder.clerkUserId))!.email).toBe("contested@example.com");

    // The holder moves to another address (its own event, maybe delivered late); svix's retry then goes through.
    await deliver(userEvent("user.updated", { id: holder.clerkUserId, email: "moved@example.com", updatedAt: T0 + 5000 }));
    const retry = await deliver(event, { msgId });
    expect(retry.status).toBe(200);
    expect(await eventRows(msgId)).toMatchObject([{ processed: true, attempts: 2, lastError: null }]);
    expect((await userRow(id))!.email).toBe("contested@example.com");
  });
});

describe("session.created (a sign-in)", () => {
  it("moves last_login to the session's start", async () => {
    const id = newClerkUserId();
    await deliver(userEvent("user.created", { id, email: "signin@example.com", updatedAt: T0 }));
    const response = await deliver({ type: "session.created", data: clerkSessionJson({ userId: id, createdAt: T0 + 60_000 }) });
    expect(response.status).toBe(200);
    expect((await userRow(id))!.lastLogin).toEqual(new Date(T0 + 60_000));
  });

  it("never moves last_login back for an older sign-in delivered late", async () => {
    const id = newClerkUserId();
    await deliver(userEvent("user.created", { id, email: "late-signin@example.com", updatedAt: T0 }));
    await deliver({ type: "session.created", data: clerkSessionJson({ userId: id, createdAt: T0 + 120_000 }) });
    await deliver({ type: "session.created", data: clerkSessionJson({ userId: id, createdAt: T0 + 60_000 }) });
    expect((await userRow(id))!.lastLogin).toEqual(new Date(T0 + 120_000));
  });
});

describe("out-of-order delivery ends with the right row", () => {
  it("user.updated before user.created: the older user.created does not undo the newer email", async () => {
    const id = newClerkUserId();
    await deliver(userEvent("user.updated", { id, email: "newer@example.com", updatedAt: T0 + 2000, publicMetadata: { v: 2 } }));
    expect((await userRow(id))!.email).toBe("newer@example.com");
    const created = await deliver(userEvent("user.created", { id, email: "older@example.com", updatedAt: T0, publicMetadata: { v: 1 } }));
    expect(created.status).toBe(200);
    expect(await userRow(id)).toMatchObject({ email: "newer@example.com", metadata: { v: 2 }, clerkUpdatedAt: new Date(T0 + 2000) });
  });

  it("two user.updated in reverse order: the newer email wins", async () => {
    const id = newClerkUserId();
    await deliver(userEvent("user.created", { id, email: "one@example.com", updatedAt: T0 }));
    await deliver(userEvent("user.updated", { id, email: "three@example.com", updatedAt: T0 + 3000 }));
    await deliver(userEvent("user.updated", { id, email: "two@example.com", updatedAt: T0 + 2000 }));
    expect((await userRow(id))!.email).toBe("three@example.com");
  });

  it("session.created before user.created: the session's embedded user creates the row with last_login", async () => {
    const id = newClerkUserId();
    const user = clerkUserJson({ id, email: "session-first@example.com", updatedAt: T0 });
    const response = await deliver({ type: "session.created", data: clerkSessionJson({ userId: id, createdAt: T0 + 10_000, user }) });
    expect(response.status).toBe(200);
    expect(await userRow(id)).toMatchObject({ email: "session-first@example.com", lastLogin: new Date(T0 + 10_000) });
    await deliver(userEvent("user.created", { id, email: "session-first@example.com", updatedAt: T0 }));
    expect(await userRow(id)).toMatchObject({ email: "session-first@example.com", lastLogin: new Date(T0 + 10_000) });
  });

  it("session.created with no user and no row yet: 5xx until user.created has arrived, then the retry records the sign-in", async () => {
    const id = newClerkUserId();
    const msgId = `msg_session_${id}`;
    const session: ClerkEventInput = { type: "session.created", data: clerkSessionJson({ userId: id, createdAt: T0 + 30_000 }) };
    const early = await deliver(session, { msgId });
    expect(early.status).toBe(500);
    expect(await eventRows(msgId)).toMatchObject([{ processed: false, attempts: 1, lastError: expect.stringMatching(/waiting for user.created/) }]);
    expect(await userRow(id)).toBeUndefined();

    await deliver(userEvent("user.created", { id, email: "eventually@example.com", updatedAt: T0 }));
    const retry = await deliver(session, { msgId });
    expect(retry.status).toBe(200);
    expect(await userRow(id)).toMatchObject({ email: "eventually@example.com", lastLogin: new Date(T0 + 30_000) });
    expect(await eventRows(msgId)).toMatchObject([{ processed: true, attempts: 2, lastError: null }]);
  });

  it("session.created with no user and no row, with Clerk's Backend API at hand: the profile comes from there", async () => {
    const id = newClerkUserId();
    const { processClerkEvent, verifyClerkWebhook } = await import("@/lib/webhooks/clerk");
    const directory = {
      getProfile: async (clerkUserId: string) =>
        clerkUserId === id ? { clerkUserId, email: "looked-up@example.com", metadata: {}, updatedAt: new Date(T0), lastSignInAt: null } : null,
    };
    const request = signedClerkWebhook({ type: "session.created", data: clerkSessionJson({ userId: id, createdAt: T0 + 5000 }) });
    const delivery = verifyClerkWebhook(TEST_CLERK_WEBHOOK_SECRET, await request.text(), request.headers);
    expect(await processClerkEvent(delivery, { directory, storage: getStorage })).toMatchObject({ status: "processed" });
    expect(await userRow(id)).toMatchObject({ email: "looked-up@example.com", lastLogin: new Date(T0 + 5000) });
  });

  it("a user.created delivered after user.deleted does not bring the user back", async () => {
    const id = newClerkUserId();
    await deliver({ type: "user.deleted", data: { object: "user", id, deleted: true } });
    const late = await deliver(userEvent("user.created", { id, email: "ghost@example.com", updatedAt: T0 }));
    expect(late.status).toBe(200);
    const lateSession = await deliver({ type: "session.created", data: clerkSessionJson({ userId: id, createdAt: T0, user: clerkUserJson({ id, email: "ghost@example.com", updatedAt: T0 }) }) });
    expect(lateSession.status).toBe(200);
    expect(await userRow(id)).toBeUndefined();
  });
});

describe("replays", () => {
  it("acknowledges 100 replays of a processed event with 2xx and applies it once", async () => {
    const id = newClerkUserId();
    await deliver(userEvent("user.created", { id, email: "replay@example.com", updatedAt: T0 }));
    const msgId = `msg_replay_${id}`;
    const event = userEvent("user.updated", { id, email: "replayed@example.com", updatedAt: T0 + 1000 });
    expect((await deliver(event, { msgId })).status).toBe(200);
    const [first] = await eventRows(msgId);

    // Change the row behind the webhook's back: a second application of the event would undo this.
    await asService((sql) => sql`update users set email = 'changed-since@example.com' where auth_id = ${id}`);
    const replays = await Promise.all(Array.from({ length: 100 }, () => deliver(event, { msgId })));
    for (const response of replays) expect(response.status).toBe(200);
    const bodies = await Promise.all(replays.map((response) => response.json()));
    expect(new Set(bodies.map((body) => (body as { status: string }).status))).toEqual(new Set(["duplicate"]));

    expect((await userRow(id))!.email).toBe("changed-since@example.com");
    const rows = await eventRows(msgId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ processed: true, attempts: 1, processedAt: first!.processedAt });
  });

  it("applies concurrent first deliveries of one event exactly once", async () => {
    const id = newClerkUserId();
    const msgId = `msg_race_${id}`;
    const event: ClerkEventInput = { type: "session.created", data: clerkSessionJson({ userId: id, createdAt: T0, user: clerkUserJson({ id, email: "race@example.com", updatedAt: T0 }) }) };
    const responses = await Promise.all(Array.from({ length: 20 }, () => deliver(event, { msgId })));
    const statuses = await Promise.all(responses.map(async (response) => [response.status, ((await response.json()) as { status: string }).status]));
    expect(statuses.filter(([, status]) => status === "processed")).toHaveLength(1);
    expect(statuses.filter(([, status]) => status === "duplicate")).toHaveLength(19);
    expect(statuses.every(([code]) => code === 200)).toBe(true);
    expect(await eventRows(msgId)).toMatchObject([{ processed: true, attempts: 1 }]);
  });
});

describe("user.deleted", () => {
  it("removes the user, their rows by cascade and their stored files", async () => {
    const user = await seedUser();
    const generation = await seedGeneration(user.id);
    const template = await seedTemplate(user.id);
    await asService((sql) => sql`insert into subscriptions (user_id, stripe_sub_id, plan, status, start_date, end_date)
                                 values (${user.id}, 'sub_gone', 'pro', 'active', now(), now() + interval '30 days')`);
    const objectPath = generationObjectPath(user.id, generation);
    const local = getLocalStorage();
    const { token } = await local.createSignedUploadUrl(objectPath);
    await receiveTinyPng(local, objectPath, token);
    expect(await getStorage().exists(objectPath)).toBe(true);
    const bystander = await seedUser();
    const bystanderGeneration = await seedGeneration(bystander.id);

    const msgId = `msg_delete_${user.clerkUserId}`;
    const response = await deliver({ type: "user.deleted", data: { object: "user", id: user.clerkUserId, deleted: true } }, { msgId });
    expect(response.status).toBe(200);

    expect(await userRow(user.clerkUserId)).toBeUndefined();
    const leftovers = await asService((sql) => sql`
      select 'generation' as kind from generations where user_id = ${user.id}
      union all select 'template' from templates where id = ${template}
      union all select 'subscription' from subscriptions where user_id = ${user.id}
      union all select 'object' from storage.objects where starts_with(name, ${`${user.id}/`})`);
    expect(leftovers).toEqual([]);
    expect(await getStorage().exists(objectPath)).toBe(false);
    const [tombstone] = await asService((sql) => sql<{ userId: string; filesRemovedAt: Date | null }[]>`
      select user_id, files_removed_at from clerk_deleted_users where auth_id = ${user.clerkUserId}`);
    expect(tombstone).toMatchObject({ userId: user.id, filesRemovedAt: expect.any(Date) });
    expect(await eventRows(msgId)).toMatchObject([{ processed: true, attempts: 1, lastError: null }]);

    // Someone else's data is untouched.
    expect(await userRow(bystander.clerkUserId)).toBeDefined();
    expect(await asService((sql) => sql`select id from generations where id = ${bystanderGeneration}`)).toHaveLength(1);
  });

  it("keeps a deleted user from coming back through their still-valid session token", async () => {
    const id = newClerkUserId();
    const created = await provisionUser({ clerkUserId: id, email: "leaving@example.com" }, null);
    expect(created.created).toBe(true);
    await deliver({ type: "user.deleted", data: { object: "user", id, deleted: true } });
    await expect(provisionUser({ clerkUserId: id, email: "leaving@example.com" }, null)).rejects.toMatchObject({ code: "UNAUTHENTICATED", message: expect.stringMatching(/deleted/) });
    expect(await userRow(id)).toBeUndefined();
  });

  it("answers 5xx when the files cannot be removed, and a retry finishes the purge", async () => {
    const user = await seedUser();
    const msgId = `msg_purge_${user.clerkUserId}`;
    const event: ClerkEventInput = { type: "user.deleted", data: { object: "user", id: user.clerkUserId, deleted: true } };
    const { processClerkEvent, verifyClerkWebhook } = await import("@/lib/webhooks/clerk");
    const failing = { directory: null, storage: () => ({ ...getStorage(), removeFolder: () => Promise.reject(new Error("storage is down")) }) };
    const request = signedClerkWebhook(event, { msgId });
    const delivery = verifyClerkWebhook(TEST_CLERK_WEBHOOK_SECRET, await request.text(), request.headers);
    expect(await processClerkEvent(delivery, failing)).toMatchObject({ status: "failed", error: expect.stringMatching(/storage is down/) });
    expect(await userRow(user.clerkUserId)).toBeUndefined();
    expect(await eventRows(msgId)).toMatchObject([{ processed: true, lastError: expect.stringMatching(/removing their files failed/) }]);

    const retry = await deliver(event, { msgId });
    expect(retry.status).toBe(200);
    expect(await eventRows(msgId)).toMatchObject([{ processed: true, attempts: 1, lastError: null }]);
    const [tombstone] = await asService((sql) => sql<{ filesRemovedAt: Date | null }[]>`
      select files_removed_at from clerk_deleted_users where auth_id = ${user.clerkUserId}`);
    expect(tombstone!.filesRemovedAt).toBeInstanceOf(Date);
  });
});

describe("failures and unknown events", () => {
  it("on a database failure answers 5xx, rolls the effects back, and records the attempt and error", async () => {
    const id = newClerkUserId();
    const msgId = `msg_dbfail_${id}`;
    const event = userEvent("user.created", { id, email: "outage@example.com", updatedAt: T0 });
    await asService(async (sql) => {
      await sql`create function test_fail_users() returns trigger language plpgsql as $$ begin raise exception 'simulated outage'; end $$`;
      await sql`create trigger fail_users before insert on users for each row execute function test_fail_users()`;
    });
    try {
      for (const attempt of [1, 2]) {
        const response = await deliver(event, { msgId });
        expect(response.status).toBe(500);
        expect(await eventRows(msgId)).toMatchObject([{ processed: false, attempts: attempt, lastError: expect.stringMatching(/simulated outage/) }]);
      }
      expect(await userRow(id)).toBeUndefined();
    } finally {
      await asService(async (sql) => {
        await sql`drop trigger fail_users on users`;
        await sql`drop function test_fail_users()`;
      });
    }
    const recovered = await deliver(event, { msgId });
    expect(recovered.status).toBe(200);
    expect(await eventRows(msgId)).toMatchObject([{ processed: true, attempts: 3, lastError: null }]);
    expect((await userRow(id))!.email).toBe("outage@example.com");
  });

  it("records and acknowledges event types it does not act on", async () => {
    const msgId = "msg_unknown_type_1";
    const response = await deliver({ type: "organization.created", data: { object: "organization", id: "org_123" } }, { msgId });
    expect(response.status).toBe(200);
    expect(await eventRows(msgId)).toMatchObject([{ type: "organization.created", processed: true, attempts: 1, payload: { data: { id: "org_123" } } }]);
  });
});
