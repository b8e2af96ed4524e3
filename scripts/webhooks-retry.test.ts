/**
 * `npm run webhooks:retry` as an operator runs it, as its own process
 * against this file's database and data folder, after real signed Clerk
 * deliveries: an event whose database effect failed is applied by the
 * retry, one already processed is not applied again, and a deleted user's
 * files that a failed purge left behind are removed.
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { POST } from "@/app/api/webhooks/clerk/route";
import { asService } from "@/lib/db/client";
import { getStorage } from "@/lib/storage/index";
import { getLocalStorage } from "@/lib/storage/local/adapter";
import { generationObjectPath } from "@/lib/storage/types";
import { processClerkEvent, verifyClerkWebhook } from "@/lib/webhooks/clerk";
import { receiveTinyPng } from "@/test/storage";
import { clerkUserJson, newClerkUserId, seedGeneration, seedUser, signedClerkWebhook, TEST_CLERK_WEBHOOK_SECRET, type ClerkEventInput } from "@/test/support";

const root = path.resolve(import.meta.dirname, "..");

beforeAll(() => {
  process.env.CLERK_WEBHOOK_SIGNING_SECRET = TEST_CLERK_WEBHOOK_SECRET;
});

/** Runs the script the way `npm run webhooks:retry` does, with this file's DATABASE_URL and POSTORA_DATA_DIR. */
async function runRetry(): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [path.join(root, "node_modules/tsx/dist/cli.mjs"), "scripts/webhooks-retry.ts"], {
      cwd: root,
      env: { ...process.env, LOG_LEVEL: "silent" },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

type EventRow = { processed: boolean; attempts: number; lastError: string | null };

async function eventRow(msgId: string): Promise<EventRow | undefined> {
  const [row] = await asService((sql) => sql<EventRow[]>`
    select processed, attempts, last_error from webhook_events where provider = 'clerk' and event_id = ${msgId}`);
  return row;
}

async function emailOf(clerkUserId: string): Promise<string | undefined> {
  const [row] = await asService((sql) => sql<{ email: string }[]>`select email from users where auth_id = ${clerkUserId}`);
  return row?.email;
}

const T0 = Date.parse("2026-11-20T10:00:00Z");

/** Makes every insert into users fail, as an outage of that table would, for the length of fn. */
async function withUsersInsertFailing(fn: () => Promise<void>): Promise<void> {
  await asService(async (sql) => {
    await sql`create function test_fail_users() returns trigger language plpgsql as $$ begin raise exception 'simulated outage'; end $$`;
    await sql`create trigger fail_users before insert on users for each row execute function test_fail_users()`;
  });
  try {
    await fn();
  } finally {
    await asService(async (sql) => {
      await sql`drop trigger fail_users on users`;
      await sql`drop function test_fail_users()`;
    });
  }
}

describe("npm run webhooks:retry", () => {
  it("applies a Clerk event whose database effect failed, and does not apply a processed one again", async () => {
    const failedUser = newClerkUserId();
    const failedMsg = `msg_retry_failed_${failedUser}`;
    await withUsersInsertFailing(async () => {
      const response = await POST(signedClerkWebhook({ type: "user.created", data: clerkUserJson({ id: failedUser, email: "retried@example.com", updatedAt: T0 }) }, { msgId: failedMsg }));
      expect(response.status).toBe(500);
    });
    expect(await eventRow(failedMsg)).toMatchObject({ processed: false, attempts: 1, lastError: expect.stringMatching(/simulated outage/) });

    const doneUser = newClerkUserId();
    const doneMsg = `msg_retry_done_${doneUser}`;
    const done = await POST(signedClerkWebhook({ type: "user.created", data: clerkUserJson({ id: doneUser, email: "done@example.com", updatedAt: T0 }) }, { msgId: doneMsg }));
    expect(done.status).toBe(200);
    // Changed behind the webhook's back: applying the processed event again would undo this.
    await asService((sql) => sql`update users set email = 'changed-since@example.com' where auth_id = ${doneUser}`);

    const run = await runRetry();
    expect(run).toMatchObject({ code: 0, stdout: expect.stringContaining("clerk: 1 event(s) processed, 0 still failing") });
    expect(await emailOf(failedUser)).toBe("retried@example.com");
    expect(await eventRow(failedMsg)).toEqual({ processed: true, attempts: 2, lastError: null });
    expect(await emailOf(doneUser)).toBe("changed-since@example.com");
    expect(await eventRow(doneMsg)).toEqual({ processed: true, attempts: 1, lastError: null });

    // Nothing left: a second run applies nothing.
    expect(await runRetry()).toMatchObject({ code: 0, stdout: expect.stringContaining("clerk: 0 event(s) processed, 0 still failing") });
  });

  it("exits 1 while an event still fails, and says so", async () => {
    const id = newClerkUserId();
    const msgId = `msg_retry_still_${id}`;
    await withUsersInsertFailing(async () => {
      await POST(signedClerkWebhook({ type: "user.created", data: clerkUserJson({ id, email: "still@example.com", updatedAt: T0 }) }, { msgId }));
      const run = await runRetry();
      expect(run).toMatchObject({ code: 1, stdout: expect.stringContaining("clerk: 0 event(s) processed, 1 still failing") });
    });
    expect(await eventRow(msgId)).toMatchObject({ processed: false, attempts: 2 });
    expect(await runRetry()).toMatchObject({ code: 0, stdout: expect.stringContaining("clerk: 1 event(s) processed") });
  });

  it("removes the files a deleted user's failed purge left behind", async () => {
    const user = await seedUser();
    const objectPath = generationObjectPath(user.id, await seedGeneration(user.id));
    const local = getLocalStorage();
    await receiveTinyPng(local, objectPath, (await local.createSignedUploadUrl(objectPath)).token);
    const msgId = `msg_retry_purge_${user.clerkUserId}`;
    const event: ClerkEventInput = { type: "user.deleted", data: { object: "user", id: user.clerkUserId, deleted: true } };
    const request = signedClerkWebhook(event, { msgId });
    const delivery = verifyClerkWebhook(TEST_CLERK_WEBHOOK_SECRET, await request.text(), request.headers);
    const storageDown = () => ({ ...getStorage(), removeFolder: () => Promise.reject(new Error("storage is down")) });
    expect(await processClerkEvent(delivery, { directory: null, storage: storageDown })).toMatchObject({ status: "failed" });
    expect(await getStorage().exists(objectPath)).toBe(true);

    const run = await runRetry();
    expect(run).toMatchObject({ code: 0, stdout: expect.stringContaining("removed the files of 1 deleted user(s)") });
    expect(await getStorage().exists(objectPath)).toBe(false);
    expect(await eventRow(msgId)).toEqual({ processed: true, attempts: 1, lastError: null });
  });
});
