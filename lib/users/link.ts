/**
 * Linking a Clerk user to an account from before Clerk (a legacy row: its
 * auth_id is the old Supabase Auth UUID), when Clerk vouches for the match:
 * its external_id is the row's legacy auth_id or users.id, or its verified
 * primary email is the row's email. The row keeps its id, so its
 * generations, files, tier and subscriptions come along;
 * user_account_links records when and by which rule. A row already linked
 * to another Clerk user is never taken over. Used by upsertUser
 * (lib/users/sync.ts), inside its transaction.
 */
import { asService, type Sql } from "@/lib/db/client";
import { ConflictError } from "@/lib/errors";
import { isUuid } from "@/lib/ids";
import type { UserWrite } from "@/lib/users/sync";

/** How a legacy row was matched to a Clerk user (user_account_links.rule). */
export type LinkRule = "external_id_auth_id" | "external_id_user_id" | "verified_email";

// The same text as users_legacy_idx's predicate (20261201030000), so the check below is one index probe.
export const LEGACY_AUTH_ID = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$";

/** True while some users row still has a legacy (Supabase Auth) auth_id: someone may still need linking. */
export async function legacyAccountsRemain(): Promise<boolean> {
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
export type Link = { row: Candidate; rule: LinkRule; matched: string };

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
export async function findLink(sql: Sql, write: UserWrite): Promise<Link | null> {
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

export async function linkRow(sql: Sql, write: UserWrite, link: Link): Promise<void> {
  const linkedAt = write.signedInAt ?? write.lastLoginIfCreated ?? null;
  await sql`update users set auth_id = ${write.clerkUserId}, last_login = greatest(last_login, ${linkedAt}::timestamptz) where id = ${link.row.id}`;
  // The primary key on user_id makes a second link of this row fail, whatever raced.
  await sql`
    insert into user_account_links (user_id, clerk_user_id, legacy_auth_id, rule, matched_value)
    values (${link.row.id}, ${write.clerkUserId}, ${link.row.authId}, ${link.rule}, ${link.matched})`;
}

/** Why an email cannot back this Clerk user, in words that say what to do (and never to delete anything). */
export async function emailTaken(sql: Sql, write: UserWrite, link: Link | null): Promise<ConflictError> {
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
