/**
 * Keeping `users` in step with Clerk. Every write that can create a user is
 * one statement, `insert ... on conflict (auth_id) do update`, so any number
 * of concurrent first requests and webhook deliveries end with one row.
 *
 * Before that, a Clerk user no row knows yet may be linked to an existing
 * account from before Clerk (a legacy row: its auth_id is the old Supabase
 * Auth UUID), when Clerk vouches for the match: its external_id is the
 * row's legacy auth_id or users.id, or its verified primary email is the
 * row's email. The row keeps its id, so its generations, files, tier and
 * subscriptions come along; user_account_links records when and by which
 * rule. A row already linked to another Clerk user is never taken over.
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
import { AppError, ConflictError, PreconditionError, UnauthenticatedError } from "@/lib/errors";
import { isUuid } from "@/lib/ids";
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
  /** last_login for a row this write creates (or links), when it is not a sign-in event itself. */
  lastLoginIfCreated?: Date | null;
  /** Clerk's external_id: the old system's user id, for users imported into Clerk. Links a legacy row. */
  externalId?: string | null;
  /** Clerk has verified `email`. Only then can the email link a legacy row; a token's claim never says so. */
  emailVerified?: boolean;
};

/** How a legacy row was matched to a Clerk user (user_account_links.rule). */
type LinkRule = "external_id_auth_id" | "external_id_user_id" | "verified_email";

export type UpsertResult =
  | { status: "created" | "updated"; id: string; email: string }
  /** An existing (pre-Clerk) row now belongs to this Clerk user. */
  | { status: "linked"; id: string; email: string; rule: LinkRule }
  | { status: "deleted" };

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

// The same text as users_legacy_idx's predicate (20261201030000), so the check below is one index probe.
export const LEGACY_AUTH_ID = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$";

/** True while some users row still has a legacy (Supabase Auth) auth_id: someone may still need linking. */
async function legacyAccountsRemain(): Promise<boolean> {
  const [row] = await asService(
    (sql) => sql<{ remain: boolean }[]>`select exists (select 1 from users where auth_id ~* ${sql.unsafe(`'${LEGACY_AUTH_ID}'`)}) as remain`,
  );
  return row!.remain;
}

/** A row from before Clerk: its auth_id is the old Supabase Auth user UUID, never a Clerk id (user_...). */
function isLegacyAuthId(authId: string): boolean {
  return isUuid(authId);
}

type Candidate = { id: string; authId: string; email: string };
type Link = { row: Candidate; rule: LinkRule; matched: string };

/** Serialises every attempt to link one row until the end of the transaction. */
async function lockRow(sql: Sql, id: string): Promise<Candidate | null> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${`users_link:${id}`}, 0))`;
  // Read again after the lock: a concurrent link of this row has committed by now.
  const [row] = await sql<Candidate[]>`select id, auth_id, email from users where id = ${id}`;
  return row ?? null;
}

/**
 * The existing row Clerk vouches is this user's, if any, locked for linking.
 * Called only when no row has the Clerk id. Throws when the vouched-for row
 * already belongs to another Clerk user.
 */
async function findLink(sql: Sql, write: UserWrite): Promise<Link | null> {
  const externalId = write.externalId?.trim();
  // Legacy ids are UUIDs; an external_id of any other shape names something else.
  if (externalId && isUuid(externalId)) {
    // The link record too: a row linked already no longer carries its legacy auth_id.
    const [found] = await sql<{ id: string }[]>`
      select u.id from users u
      where u.auth_id = ${externalId} or u.id = ${externalId}::uuid
         or u.id = (select l.user_id from user_account_links l where l.legacy_auth_id = ${externalId})
      order by (u.auth_id = ${externalId}) desc
      limit 1`;
    const row = found ? await lockRow(sql, found.id) : null;
    if (row) {
      if (!isLegacyAuthId(row.authId)) {
        throw new ConflictError(
          `Your Clerk account was imported for an existing Postora account (external_id ${externalId}), but that account is already linked to a different Clerk sign-in. ` +
            "Sign in the way you signed in before, or contact Postora support to have the two sign-ins merged. Nothing has been changed.",
          { reason: "account-linked-to-another-sign-in", externalId, email: write.email },
        );
      }
      const rule: LinkRule = row.authId.toLowerCase() === externalId.toLowerCase() ? "external_id_auth_id" : "external_id_user_id";
      return { row, rule, matched: externalId };
    }
  }
  if (write.emailVerified) {
    const candidates = await sql<{ id: string; authId: string; exact: boolean }[]>`
      select id, auth_id, email = ${write.email} as exact from users
      where lower(email) = lower(${write.email}) order by exact desc`;
    const legacy = candidates.filter((candidate) => isLegacyAuthId(candidate.authId));
    // Two legacy rows differing only in case: Clerk vouches for one address, so link only the exact one.
    const pick = legacy.length === 1 ? legacy[0] : legacy.find((candidate) => candidate.exact);
    const row = pick ? await lockRow(sql, pick.id) : null;
    // Linked by someone else meanwhile: the insert below meets their email and says so.
    if (row && isLegacyAuthId(row.authId)) return { row, rule: "verified_email", matched: write.email };
  }
  return null;
}

async function linkRow(sql: Sql, write: UserWrite, link: Link): Promise<void> {
  const linkedAt = write.signedInAt ?? write.lastLoginIfCreated ?? null;
  await sql`update users set auth_id = ${write.clerkUserId}, last_login = greatest(last_login, ${linkedAt}::timestamptz) where id = ${link.row.id}`;
  // The primary key on user_id makes a second link of this row fail, whatever raced.
  await sql`
    insert into user_account_links (user_id, clerk_user_id, legacy_auth_id, rule, matched_value)
    values (${link.row.id}, ${write.clerkUserId}, ${link.row.authId}, ${link.rule}, ${link.matched})`;
}

/** Why an email cannot back this Clerk user, in words that say what to do (and never to delete anything). */
async function emailTaken(sql: Sql, write: UserWrite, link: Link | null): Promise<ConflictError> {
  const [holder] = await sql<{ authId: string }[]>`select auth_id from users where email = ${write.email}`;
  const nothingChanged = "Nothing has been changed.";
  if (link) {
    return new ConflictError(
      `Your existing Postora account was found, but your Clerk email ${write.email} is used by another Postora account, so the two cannot be joined automatically. ` +
        `Contact Postora support to merge them. ${nothingChanged}`,
      { reason: "email-used-by-another-account", email: write.email },
    );
  }
  if (holder && isLegacyAuthId(holder.authId)) {
    return new ConflictError(
      `An existing Postora account uses ${write.email}. It will be linked to this sign-in once Clerk has verified that the address is yours: ` +
        `verify ${write.email} in your Clerk account (follow the code or link Clerk emails you), then sign in again. ` +
        `Contact Postora support if it still fails. ${nothingChanged}`,
      { reason: "email-not-verified", email: write.email },
    );
  }
  return new ConflictError(
    `The email address ${write.email} already belongs to another Postora account, which signs in with a different Clerk user. ` +
      `Sign in with that account instead (the way you signed in before), or contact Postora support to have them merged. ${nothingChanged}`,
    { reason: "email-linked-to-another-sign-in", email: write.email },
  );
}

/**
 * The one upsert. A Clerk user no row knows yet is first linked to the
 * existing row Clerk vouches for, if any. A profile older than the one a
 * row already reflects leaves email and metadata alone, so deliveries may
 * arrive in any order; last_login only moves forward. Must run inside a
 * transaction; on failure only this write is undone.
 */
export async function upsertUser(sql: Sql, write: UserWrite): Promise<UpsertResult> {
  await lockClerkUser(sql, write.clerkUserId);
  if (await isDeleted(sql, write.clerkUserId)) return { status: "deleted" };
  const profileAt = write.profileUpdatedAt ?? null;
  const signedInAt = write.signedInAt ?? null;
  // A savepoint, so a refused link or a taken email fails this write alone, not the caller's transaction.
  await sql`savepoint upsert_user`;
  let link: Link | null = null;
  try {
    const [known] = await sql<{ id: string }[]>`select id from users where auth_id = ${write.clerkUserId}`;
    if (!known) {
      link = await findLink(sql, write);
      if (link) await linkRow(sql, write, link);
    }
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
    if (link) {
      log.info("linked an existing account to its Clerk user", { clerkUserId: write.clerkUserId, userId: row!.id, rule: link.rule });
      return { status: "linked", id: row!.id, email: row!.email, rule: link.rule };
    }
    return { status: row!.created ? "created" : "updated", id: row!.id, email: row!.email };
  } catch (error) {
    await sql`rollback to savepoint upsert_user`;
    if (isEmailTaken(error)) throw await emailTaken(sql, write, link);
    throw error;
  }
}

/**
 * The upsert from a Clerk profile snapshot (webhooks, the Backend API): it
 * carries what links an existing account, the external_id and whether the
 * email is verified.
 */
export function upsertProfile(sql: Sql, profile: ClerkProfile & { email: string }, signedInAt: Date | null = null): Promise<UpsertResult> {
  return upsertUser(sql, {
    clerkUserId: profile.clerkUserId,
    email: profile.email,
    metadata: profile.metadata,
    profileUpdatedAt: profile.updatedAt,
    signedInAt: signedInAt ?? profile.lastSignInAt,
    externalId: profile.externalId ?? null,
    emailVerified: profile.emailVerified ?? false,
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

export type ProvisionedUser = {
  id: string;
  email: string;
  created: boolean;
  /** Set when this request linked an existing (pre-Clerk) account to the caller: by which rule. */
  linkedBy?: LinkRule;
};

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
 * The caller's users row, created (or an existing account linked) if this
 * is their first request: webhooks can lag behind a sign-in.
 *
 * A session token's `email` claim does not say whether Clerk verified the
 * address, and carries no external_id, so it can never link an existing
 * account. On a first request, when Clerk is configured and accounts from
 * before Clerk remain unlinked (or the token has no email), the profile is
 * fetched from Clerk's Backend API (one call per Clerk user, ever: later
 * requests find the row) and linking uses its external_id and verified
 * email. Otherwise (no legacy rows left, or the development identity) the
 * token's email only fills a new row. A new or linked user's last_login is now: this request
 * is their sign-in as far as we can tell.
 */
export async function provisionUser(
  caller: { clerkUserId: string; email: string | null },
  directory: ClerkDirectory | null,
): Promise<ProvisionedUser> {
  const cached = known.get(caller.clerkUserId);
  if (cached && cached.until > Date.now()) return { id: cached.id, email: cached.email, created: false };

  const [existing] = await asService(
    (sql) => sql<{ id: string | null; email: string | null; deleted: boolean }[]>`
      select u.id, u.email, exists (select 1 from clerk_deleted_users d where d.auth_id = ${caller.clerkUserId}) as deleted
      from (values (1)) as one left join users u on u.auth_id = ${caller.clerkUserId}`,
  );
  if (existing?.id && existing.email) {
    remember(caller.clerkUserId, { id: existing.id, email: existing.email });
    return { id: existing.id, email: existing.email, created: false };
  }
  if (existing?.deleted) throw deletedAccount();

  // Clerk is asked when the token has no email, and while any account from before Clerk is still unlinked: only
  // then can this user be one of them. (Once none is left, a new user costs no call to Clerk.)
  let profile: ClerkProfile | null = null;
  if (directory && (!caller.email || (await legacyAccountsRemain()))) {
    try {
      profile = await directory.getProfile(caller.clerkUserId);
    } catch (error) {
      log.error("could not fetch a new user's profile from Clerk", { clerkUserId: caller.clerkUserId, error });
      throw new AppError("SERVICE_UNAVAILABLE", "Postora could not reach Clerk to set up your account just now. Retry in a moment.");
    }
  }
  // Null: Clerk has no such user (deleted since the token was issued); the token's email can still fill a new row.
  const email = profile?.email ?? caller.email;
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
        // A profile from Clerk is versioned and may carry metadata and what links an
        // existing account; a token's email claim only fills a new row.
        metadata: profile?.metadata ?? null,
        profileUpdatedAt: profile?.updatedAt ?? null,
        externalId: profile?.externalId ?? null,
        emailVerified: profile?.emailVerified ?? false,
        lastLoginIfCreated: signedInAt,
      }),
  );
  if (result.status === "deleted") throw deletedAccount();
  if (result.status === "created") log.info("provisioned a user on their first request", { clerkUserId: caller.clerkUserId, userId: result.id });
  // Another request or a webhook may have written the row first: result holds what is stored.
  const user = { id: result.id, email: result.email };
  remember(caller.clerkUserId, user);
  return { ...user, created: result.status === "created", ...(result.status === "linked" ? { linkedBy: result.rule } : {}) };
}

function deletedAccount(): UnauthenticatedError {
  return new UnauthenticatedError("This account was deleted. Sign up again to use Postora.");
}
