/**
 * Clerk's webhooks (delivered by svix): verified event in, effects out.
 *
 * svix delivers at least once, in no guaranteed order, and retries anything
 * that is not a 2xx. The webhook inbox (lib/webhooks/inbox.ts) records each
 * event under its svix-id and applies it once; this module verifies a
 * delivery, says what each event type does (applyClerkEvent, order-proof:
 * see lib/users/sync.ts), and after a user.deleted commits removes the
 * user's stored files, which are not in the database.
 */
import { Webhook } from "svix";
import { z } from "zod";
import { asService, type Sql } from "@/lib/db/client";
import { getEnv } from "@/lib/env";
import { revokeOwedGrantsFromEnv } from "@/lib/canva/from-env";
import { logger } from "@/lib/log";
import { getStorage } from "@/lib/storage/index";
import type { FileStorage } from "@/lib/storage/types";
import { clerkDirectoryFor, profileFromUserJson, type ClerkDirectory, type ClerkProfile } from "@/lib/users/profile";
import { deleteClerkUser, purgeDeletedUserFiles, recordSignIn, upsertProfile } from "@/lib/users/sync";
import { receiveWebhook, RetryLater, type InboxDelivery, type WebhookOutcome } from "@/lib/webhooks/inbox";

const log = logger.child({ source: "webhooks.clerk" });

/** The request is not a genuine delivery: answer 400 and write nothing. */
export class WebhookVerificationFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WebhookVerificationFailed";
  }
}

/** The configured signing secret is not one svix can use: a server problem, not the sender's. */
export class WebhookSecretInvalid extends Error {
  constructor(detail: string) {
    super(`CLERK_WEBHOOK_SIGNING_SECRET is malformed (${detail}): copy it again from Clerk dashboard > Webhooks > your endpoint > Signing Secret.`);
    this.name = "WebhookSecretInvalid";
  }
}

const clerkEvent = z.looseObject({
  type: z.string().min(1),
  data: z.record(z.string(), z.unknown()),
  timestamp: z.number().optional(),
});

/**
 * Checks the svix signature over the raw body with all three svix-* headers;
 * svix also refuses timestamps more than five minutes from now, so a
 * captured delivery cannot be replayed later.
 */
export function verifyClerkWebhook(secret: string, rawBody: string, headers: Headers): InboxDelivery {
  const id = headers.get("svix-id");
  const timestamp = headers.get("svix-timestamp");
  const signature = headers.get("svix-signature");
  if (!id || !timestamp || !signature) {
    throw new WebhookVerificationFailed("Missing svix-id, svix-timestamp or svix-signature header: this endpoint only accepts Clerk webhooks delivered by svix.");
  }
  let webhook: Webhook;
  try {
    webhook = new Webhook(secret);
  } catch (error) {
    throw new WebhookSecretInvalid((error as Error).message);
  }
  let verified: unknown;
  try {
    verified = webhook.verify(rawBody, { "svix-id": id, "svix-timestamp": timestamp, "svix-signature": signature });
  } catch (error) {
    throw new WebhookVerificationFailed(`Signature verification failed: ${(error as Error).message}.`);
  }
  const event = clerkEvent.safeParse(verified);
  if (!event.success) throw new WebhookVerificationFailed("The signed body is not a Clerk event (it needs `type` and `data`).");
  return {
    provider: "clerk",
    // svix-id: the same for every delivery (and retry) of one event.
    eventId: id,
    type: event.data.type,
    payload: verified as Record<string, unknown>,
    // When Clerk created the event (its `timestamp`), else when svix signed the delivery.
    occurredAt: new Date(event.data.timestamp ?? Number(timestamp) * 1000),
  };
}

export type ClerkWebhookDeps = {
  directory: ClerkDirectory | null;
  storage: () => FileStorage;
  db?: Sql;
};

function defaultDeps(): ClerkWebhookDeps {
  return { directory: clerkDirectoryFor(getEnv()), storage: getStorage };
}

/**
 * What one Clerk event does to the database, inside the inbox's transaction.
 * `directory` (Clerk's Backend API) fills in a sign-in's missing profile.
 */
export async function applyClerkEvent(
  sql: Sql,
  delivery: InboxDelivery,
  directory: ClerkDirectory | null = clerkDirectoryFor(getEnv()),
): Promise<string> {
  const { data } = clerkEvent.parse(delivery.payload);
  switch (delivery.type) {
    case "user.created":
    case "user.updated": {
      const profile = profileFromUserJson(data);
      if (!profile.email) return `ignored: Clerk user ${profile.clerkUserId} has no email address, which Postora requires`;
      const result = await upsertProfile(sql, { ...profile, email: profile.email });
      return result.status === "deleted" ? `ignored: Clerk user ${profile.clerkUserId} was deleted` : `${result.status} user ${result.id}`;
    }
    case "session.created": {
      const session = z.object({ user_id: z.string().min(1), created_at: z.number() }).parse(data);
      const clerkUserId = session.user_id;
      const signedInAt = new Date(session.created_at);
      const upsertSignIn = async (profile: ClerkProfile & { email: string }) => {
        const result = await upsertProfile(sql, profile, signedInAt);
        return result.status === "deleted" ? `ignored: Clerk user ${clerkUserId} was deleted` : `recorded sign-in (${result.status} user ${result.id})`;
      };
      // Session events carry the user: with it, a sign-in before user.created still creates the right row.
      const embedded = data.user ? profileFromUserJson(data.user) : null;
      if (embedded?.email) return upsertSignIn({ ...embedded, email: embedded.email });
      const recorded = await recordSignIn(sql, clerkUserId, signedInAt);
      if (recorded === "recorded") return "recorded sign-in";
      if (recorded === "deleted") return `ignored: Clerk user ${clerkUserId} was deleted`;
      if (embedded) return `ignored: Clerk user ${clerkUserId} has no email address, which Postora requires`;
      if (!directory) {
        throw new RetryLater(`No users row for ${clerkUserId} yet and no email to create it with; waiting for user.created (svix will retry).`);
      }
      const fetched = await directory.getProfile(clerkUserId);
      if (!fetched) return `ignored: Clerk has no user ${clerkUserId} (deleted since?)`;
      if (!fetched.email) return `ignored: Clerk user ${clerkUserId} has no email address, which Postora requires`;
      return upsertSignIn({ ...fetched, email: fetched.email });
    }
    case "user.deleted": {
      const { id } = z.object({ id: z.string().min(1) }).parse(data);
      const userId = await deleteClerkUser(sql, id, delivery.occurredAt);
      return userId ? `deleted user ${userId}` : `no row for Clerk user ${id}; remembered as deleted`;
    }
    default:
      return `ignored: Postora does not act on ${delivery.type}`;
  }
}

/**
 * Records and applies one verified delivery through the inbox, then does
 * what must wait for the commit.
 */
export async function processClerkEvent(delivery: InboxDelivery, deps: ClerkWebhookDeps = defaultDeps()): Promise<WebhookOutcome> {
  const outcome = await receiveWebhook(delivery, (sql, event) => applyClerkEvent(sql, event, deps.directory), { db: deps.db });

  // Files are not in the database: they go after the deletion commits. A
  // duplicate delivery finishes a purge an earlier one could not.
  if (delivery.type === "user.deleted" && outcome.status !== "failed") {
    const clerkUserId = String(clerkEvent.parse(delivery.payload).data.id);
    const recordError = (message: string | null) =>
      asService((sql) => sql`update webhook_events set last_error = ${message} where provider = 'clerk' and event_id = ${delivery.eventId}`, deps.db);
    try {
      // An earlier delivery's purge failed and left its error on the row; clear it once done.
      if ((await purgeDeletedUserFiles(clerkUserId, deps.storage, deps.db)) === "purged" && outcome.status === "duplicate") await recordError(null);
    } catch (error) {
      const message = `The user is deleted, but removing their files failed (svix will retry): ${error instanceof Error ? error.message : String(error)}`;
      log.error("deleted user's files not removed; svix will retry", { eventId: delivery.eventId, clerkUserId, error });
      await recordError(message);
      return { status: "failed", error: message };
    }
    // Their Canva grant went with their row (by cascade) and is owed a revocation at Canva.
    await revokeOwedGrantsFromEnv(log, deps.db);
  }
  return outcome;
}

/**
 * After a retry of Clerk's events (npm run webhooks:retry): removes the
 * files still owed for every deleted user, whichever delivery deleted them,
 * and clears the error a failed purge left on their user.deleted events.
 * Returns what it did, for the script to print.
 */
export async function finishClerkDeletions(deps: Pick<ClerkWebhookDeps, "storage" | "db">): Promise<string> {
  const owed = await asService(
    (sql) => sql<{ authId: string }[]>`
      select auth_id from clerk_deleted_users where user_id is not null and files_removed_at is null order by deleted_at`,
    deps.db,
  );
  let purged = 0;
  const failures: string[] = [];
  for (const { authId } of owed) {
    try {
      if ((await purgeDeletedUserFiles(authId, deps.storage, deps.db)) !== "purged") continue;
      purged += 1;
      await asService(
        (sql) => sql`
          update webhook_events set last_error = null
          where provider = 'clerk' and type = 'user.deleted' and processed and payload->'data'->>'id' = ${authId}`,
        deps.db,
      );
    } catch (error) {
      log.error("deleted user's files not removed; the next retry tries again", { clerkUserId: authId, error });
      failures.push(`${authId}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (owed.length === 0) return "no deleted user's files are owed";
  return `removed the files of ${purged} deleted user(s)` + (failures.length ? `; ${failures.length} failed (${failures.join("; ")})` : "");
}
