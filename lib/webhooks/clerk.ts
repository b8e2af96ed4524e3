/**
 * Clerk's webhooks (delivered by svix): verified event in, effects out.
 *
 * svix delivers at least once, in no guaranteed order, and retries anything
 * that is not a 2xx. So each event is recorded in webhook_events under its
 * svix-id and processed in one transaction that holds that row's lock: a
 * replay, or a second delivery racing the first, finds the row processed
 * and does nothing. If the effects fail, they are rolled back to a
 * savepoint, the row keeps the attempt and the error, and the caller
 * answers 5xx so svix tries again. Effects themselves are order-proof: see
 * lib/users/sync.ts.
 */
import { Webhook } from "svix";
import { z } from "zod";
import { asService, type Sql } from "@/lib/db/client";
import { getEnv } from "@/lib/env";
import { logger } from "@/lib/log";
import { getStorage } from "@/lib/storage/index";
import type { FileStorage } from "@/lib/storage/types";
import { clerkDirectoryFor, profileFromUserJson, type ClerkDirectory, type ClerkProfile } from "@/lib/users/profile";
import { deleteClerkUser, purgeDeletedUserFiles, recordSignIn, upsertProfile } from "@/lib/users/sync";

const log = logger.child({ source: "webhooks.clerk" });

/** A delivery that passed signature verification. */
export type ClerkDelivery = {
  /** svix-id: the same for every delivery (and retry) of one event. */
  id: string;
  type: string;
  /** The whole event as Clerk sent it. */
  payload: Record<string, unknown>;
  data: Record<string, unknown>;
  /** When Clerk created the event (its `timestamp`), else when svix signed the delivery. */
  occurredAt: Date;
};

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
export function verifyClerkWebhook(secret: string, rawBody: string, headers: Headers): ClerkDelivery {
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
    id,
    type: event.data.type,
    payload: verified as Record<string, unknown>,
    data: event.data.data,
    occurredAt: new Date(event.data.timestamp ?? Number(timestamp) * 1000),
  };
}

export type WebhookOutcome =
  | { status: "processed"; note: string }
  | { status: "duplicate" }
  /** Not applied (or not finished); recorded on the event row. Answer 5xx so svix retries. */
  | { status: "failed"; error: string };

export type ClerkWebhookDeps = {
  directory: ClerkDirectory | null;
  storage: () => FileStorage;
  db?: Sql;
};

function defaultDeps(): ClerkWebhookDeps {
  return { directory: clerkDirectoryFor(getEnv()), storage: getStorage };
}

/** An effect that cannot happen yet, but will once an earlier event arrives: svix's retry will find it done. */
class NotYet extends Error {}

async function applyEvent(sql: Sql, delivery: ClerkDelivery, deps: ClerkWebhookDeps): Promise<string> {
  const { data } = delivery;
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
      if (!deps.directory) {
        throw new NotYet(`No users row for ${clerkUserId} yet and no email to create it with; waiting for user.created (svix will retry).`);
      }
      const fetched = await deps.directory.getProfile(clerkUserId);
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

function describe(error: unknown): string {
  if (error instanceof z.ZodError) return `the event's data is not what Clerk documents: ${z.prettifyError(error).replace(/\n/g, "; ")}`;
  return error instanceof Error ? error.message : String(error);
}

/** Records and applies one verified delivery; see the module comment for the guarantees. */
export async function processClerkEvent(delivery: ClerkDelivery, deps: ClerkWebhookDeps = defaultDeps()): Promise<WebhookOutcome> {
  const outcome = await asService(async (sql): Promise<WebhookOutcome> => {
    await sql`
      insert into webhook_events (provider, event_id, type, payload)
      values ('clerk', ${delivery.id}, ${delivery.type}, ${sql.json(delivery.payload as Parameters<typeof sql.json>[0])})
      on conflict (provider, event_id) do nothing`;
    // Waits for a concurrent delivery of the same event to finish, then sees what it did.
    const [event] = await sql<{ id: string; processed: boolean }[]>`
      select id, processed from webhook_events where provider = 'clerk' and event_id = ${delivery.id} for update`;
    if (event!.processed) return { status: "duplicate" };

    await sql`savepoint effects`;
    try {
      const note = await applyEvent(sql, delivery, deps);
      await sql`release savepoint effects`;
      await sql`
        update webhook_events set processed = true, processed_at = now(), attempts = attempts + 1, last_error = null
        where id = ${event!.id}`;
      log.info("event processed", { eventId: delivery.id, type: delivery.type, note });
      return { status: "processed", note };
    } catch (error) {
      await sql`rollback to savepoint effects`;
      const message = describe(error);
      await sql`update webhook_events set attempts = attempts + 1, last_error = ${message} where id = ${event!.id}`;
      if (error instanceof NotYet) log.info("event deferred until svix retries", { eventId: delivery.id, type: delivery.type, reason: message });
      else log.error("event failed; svix will retry", { eventId: delivery.id, type: delivery.type, error });
      return { status: "failed", error: message };
    }
  }, deps.db);

  // Files are not in the database: they go after the deletion commits. A
  // duplicate delivery finishes a purge an earlier one could not.
  if (delivery.type === "user.deleted" && outcome.status !== "failed") {
    const clerkUserId = String(delivery.data.id);
    const recordError = (message: string | null) =>
      asService((sql) => sql`update webhook_events set last_error = ${message} where provider = 'clerk' and event_id = ${delivery.id}`, deps.db);
    try {
      // An earlier delivery's purge failed and left its error on the row; clear it once done.
      if ((await purgeDeletedUserFiles(clerkUserId, deps.storage, deps.db)) === "purged" && outcome.status === "duplicate") await recordError(null);
    } catch (error) {
      const message = `The user is deleted, but removing their files failed (svix will retry): ${describe(error)}`;
      log.error("deleted user's files not removed; svix will retry", { eventId: delivery.id, clerkUserId, error });
      await recordError(message);
      return { status: "failed", error: message };
    }
  }
  return outcome;
}
