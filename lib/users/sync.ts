/**
 * Keeping `users` in step with Clerk. Every write that can create a user is
 * one statement, `insert ... on conflict (auth_id) do update`, so any number
 * of concurrent first requests and webhook deliveries end with one row.
 *
 * Writes for one Clerk id also take a transaction-scoped advisory lock on
 * it. Two reasons: a deletion and a concurrent creation are ordered (the
 * second sees the first, so a deleted user is never created again); and ON
 * CONFLICT only absorbs races on its arbiter (auth_id), so two concurrent
 * first inserts of one user would otherwise collide on users_email_key and
 * fail as a false "email taken" (the 50-parallel test catches exactly that).
 *
 * These are system actions (the caller cannot write `users` under RLS), so
 * they run on the service path.
 */
import postgres from "postgres";
import { asService, type Sql } from "@/lib/db/client";
import { ConflictError, PreconditionError, UnauthenticatedError } from "@/lib/errors";
import { logger } from "@/lib/log";
import type { FileStorage } from "@/lib/storage/types";
import type { ClerkDirectory, ClerkProfile } from "@/lib/users/profile";

const log = logger.child({ source: "users" });

export type UserWrite = {
  clerkUserId: string;
  email: string;
  /** Clerk public_metadata; only written with a profile version (profileUpdatedAt). */
  metadata?: Record<string, unknown> | null;
  /** Clerk's updated_at of the profile the email and metadata come from. Null: they only fill a new row. */
  profileUpdatedAt?: Date | null;
  /** A sign-in (a session's start): moves last_login forward, never back. */
  signedInAt?: Date | null;
  /** last_login for a row this write creates, when it is not a sign-in event itself. */
  lastLoginIfCreated?: Date | null;
};

export type UpsertResult = { status: "created" | "updated"; id: string; email: string } | { status: "deleted" };

/** Serialises every write for one Clerk id until the end of the transaction. */
async function lockClerkUser(sql: Sql, clerkUserId: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${`clerk_user:${clerkUserId}`}, 0))`;
}

async function isDeleted(sql: Sql, clerkUserId: string): Promise<boolean> {
  const [row] = await sql<{ deleted: boolean }[]>`
    select exists (select 1 from clerk_deleted_users where auth_id = ${clerkUserId}) as deleted`;
  return row!.deleted;
}

function isEmailTaken(error: unknown): boolean {
  return error instanceof postgres.PostgresError && error.code === "23505" && error.constraint_name === "users_email_key";
}

/**
 * The one upsert. A profile older than the one a row already reflects
 * leaves email and metadata alone, so deliveries may arrive in any order;
 * last_login only moves forward. Must run inside a transaction.
 */
export async function upsertUser(sql: Sql, write: UserWrite): Promise<UpsertResult> {
  await lockClerkUser(sql, write.clerkUserId);
  if (await isDeleted(sql, write.clerkUserId)) return { status: "deleted" };
  const profileAt = write.profileUpdatedAt ?? null;
  const signedInAt = write.signedInAt ?? null;
  // A savepoint, so a taken email fails this write alone, not the caller's transaction.
  await sql`savepoint upsert_user`;
  try {
    const [row] = await sql<{ id: string; email: string; created: boolean }[]>`
      insert into users as u (auth_id, email, metadata, clerk_updated_at, last_login)
      values (${write.clerkUserId}, ${write.email}, ${write.metadata ? sql.json(write.metadata as postgres.JSONValue) : null},
              ${profileAt}, coalesce(${signedInAt}::timestamptz, ${write.lastLoginIfCreated ?? null}::timestamptz))
      on conflict (auth_id) do update set
        email = case when excluded.clerk_updated_at >= coalesce(u.clerk_updated_at, '-infinity') then excluded.email else u.email end,
        metadata = case when excluded.clerk_updated_at >= coalesce(u.clerk_updated_at, '-infinity') then excluded.metadata else u.metadata end,
        clerk_updated_at = greatest(u.clerk_updated_at, excluded.clerk_updated_at),
        last_login = greatest(u.last_login, ${signedInAt}::timestamptz)
      -- xmax is 0 only on a row version this statement inserted.
      returning id, email, (xmax = 0) as created`;
    await sql`release savepoint upsert_user`;
    return { status: row!.created ? "created" : "updated", id: row!.id, email: row!.email };
  } catch (error) {
    await sql`rollback to savepoint upsert_user`;
    if (isEmailTaken(error)) {
      throw new ConflictError(
        `The email address ${write.email} already belongs to another Postora account (a different Clerk user). ` +
          "Each email can back one account: change the email in Clerk, or delete the other account first.",
        { email: write.email },
      );
    }
    throw error;
  }
}

/** The upsert from a Clerk profile snapshot (webhooks, the Backend API). */
export function upsertProfile(sql: Sql, profile: ClerkProfile & { email: string }, signedInAt: Date | null = null): Promise<UpsertResult> {
  return upsertUser(sql, {
    clerkUserId: profile.clerkUserId,
    email: profile.email,
    metadata: profile.metadata,
    profileUpdatedAt: profile.updatedAt,
    signedInAt: signedInAt ?? profile.lastSignInAt,
  });
}

/** A sign-in for a user whose profile we were not given: only an existing row can record it. */
export async function recordSignIn(sql: Sql, clerkUserId: string, signedInAt: Date): Promise<"recorded" | "missing" | "deleted"> {
  await lockClerkUser(sql, clerkUserId);
  if (await isDeleted(sql, clerkUserId)) return "deleted";
  const result = await sql`
    update users set last_login = greatest(last_login, ${signedInAt}::timestamptz) where auth_id = ${clerkUserId}`;
  return result.count > 0 ? "recorded" : "missing";
}

/**
 * Deletes a user (generations, templates and subscriptions go by cascade)
 * and remembers the id so nothing recreates it, along with the folder whose
 * files purgeDeletedUserFiles must still remove. Returns the deleted
 * users.id, or null if there was no row.
 */
export async function deleteClerkUser(sql: Sql, clerkUserId: string, deletedAt: Date): Promise<string | null> {
  await lockClerkUser(sql, clerkUserId);
  const [row] = await sql<{ id: string }[]>`delete from users where auth_id = ${clerkUserId} returning id`;
  await sql`insert into clerk_deleted_users (auth_id, user_id, deleted_at) values (${clerkUserId}, ${row?.id ?? null}, ${deletedAt})
            on conflict (auth_id) do update set user_id = coalesce(clerk_deleted_users.user_id, excluded.user_id)`;
  forgetUser(clerkUserId);
  return row?.id ?? null;
}

/**
 * Removes a deleted user's stored files, if that is still owed. Runs after
 * the deletion commits and outside any transaction, because storage is not
 * part of the database; a failure leaves files_removed_at unset for the
 * next attempt. Safe to run concurrently: removal of a missing file is not
 * an error.
 */
export async function purgeDeletedUserFiles(clerkUserId: string, storage: () => FileStorage, db?: Sql): Promise<"purged" | "nothing-owed"> {
  const [owed] = await asService(
    (sql) => sql<{ userId: string }[]>`
      select user_id from clerk_deleted_users where auth_id = ${clerkUserId} and user_id is not null and files_removed_at is null`,
    db,
  );
  if (!owed) return "nothing-owed";
  await storage().removeFolder(owed.userId);
  await asService((sql) => sql`update clerk_deleted_users set files_removed_at = now() where auth_id = ${clerkUserId}`, db);
  log.info("removed a deleted user's files", { clerkUserId, userId: owed.userId });
  return "purged";
}

// ---------------------------------------------------------------------
// Provisioning on a first request
// ---------------------------------------------------------------------

export type ProvisionedUser = { id: string; email: string; created: boolean };

// Every authenticated request needs the caller's users.id; remembering the
// ones seen lately saves a round trip per request. Short-lived, because a
// user deleted through another instance should stop resolving soon.
const KNOWN_TTL_MS = 60_000;
const KNOWN_MAX = 10_000;
const known = new Map<string, { id: string; email: string; until: number }>();

function remember(clerkUserId: string, user: { id: string; email: string }): void {
  if (known.size >= KNOWN_MAX) known.delete(known.keys().next().value!);
  known.set(clerkUserId, { ...user, until: Date.now() + KNOWN_TTL_MS });
}

/** Drops a remembered user (on deletion, and for tests that change rows behind the cache's back). */
export function forgetUser(clerkUserId?: string): void {
  if (clerkUserId === undefined) known.clear();
  else known.delete(clerkUserId);
}

/**
 * The caller's users row, created if this is their first request (webhooks
 * can lag behind a sign-in). The email comes from the session token's
 * `email` claim, else from Clerk's Backend API. A brand-new user's
 * last_login is now: this request is their sign-in as far as we can tell.
 */
export async function provisionUser(
  caller: { clerkUserId: string; email: string | null },
  directory: ClerkDirectory | null,
  db?: Sql,
): Promise<ProvisionedUser> {
  const cached = known.get(caller.clerkUserId);
  if (cached && cached.until > Date.now()) return { id: cached.id, email: cached.email, created: false };

  const [existing] = await asService(
    (sql) => sql<{ id: string | null; email: string | null; deleted: boolean }[]>`
      select u.id, u.email, exists (select 1 from clerk_deleted_users d where d.auth_id = ${caller.clerkUserId}) as deleted
      from (values (1)) as one left join users u on u.auth_id = ${caller.clerkUserId}`,
    db,
  );
  if (existing?.id && existing.email) {
    remember(caller.clerkUserId, { id: existing.id, email: existing.email });
    return { id: existing.id, email: existing.email, created: false };
  }
  if (existing?.deleted) throw deletedAccount();

  let email = caller.email;
  let profile: ClerkProfile | null = null;
  if (!email && directory) {
    profile = await directory.getProfile(caller.clerkUserId);
    email = profile?.email ?? null;
  }
  if (!email) {
    throw new PreconditionError(
      `Postora has no email address for Clerk user ${caller.clerkUserId}, so it cannot create their account. ` +
        (directory
          ? 'Add the `email` claim to Clerk\'s session token (Clerk dashboard > Sessions > Customize session token: {"email": "{{user.primary_email_address}}"}), or give the user a primary email address in Clerk.'
          : "Mint the development token with an email: `npm run token -- --user <id> --email <address>`."),
      { clerkUserId: caller.clerkUserId },
    );
  }

  const signedInAt = new Date();
  const result = await asService(
    (sql) =>
      upsertUser(sql, {
        clerkUserId: caller.clerkUserId,
        email: email,
        // A profile from Clerk is versioned and may carry metadata; a token's email claim only fills a new row.
        metadata: profile?.metadata ?? null,
        profileUpdatedAt: profile?.updatedAt ?? null,
        lastLoginIfCreated: signedInAt,
      }),
    db,
  );
  if (result.status === "deleted") throw deletedAccount();
  if (result.status === "created") log.info("provisioned a user on their first request", { clerkUserId: caller.clerkUserId, userId: result.id });
  // Another request or a webhook may have written the row first: result holds what is stored.
  const user = { id: result.id, email: result.email };
  remember(caller.clerkUserId, user);
  return { ...user, created: result.status === "created" };
}

function deletedAccount(): UnauthenticatedError {
  return new UnauthenticatedError("This account was deleted. Sign up again to use Postora.");
}
